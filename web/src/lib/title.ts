import { useEffect } from "react";

/** Names the page in the tab and for screen readers: "mnist · Homer". */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Homer`;
  }, [title]);
}
