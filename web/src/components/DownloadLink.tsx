import { useState, type MouseEvent, type ReactNode } from "react";
import { saveWithKey } from "../lib/download";
import { useSession } from "../lib/session-context";
import { ErrorMessage } from "./Status";

/**
 * A link that downloads a registry file or archive. Without a key (open mode) the
 * browser follows it and streams the bytes to disk; with one, the click fetches
 * them with the key (`saveWithKey`), saying that it is downloading, and a refusal
 * is shown in words beside the link.
 */
export function DownloadLink(props: { href: string; fileName: string; className?: string; children: ReactNode }) {
  const { href, fileName, className, children } = props;
  const { apiKey } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (!apiKey) return;
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    saveWithKey(href, fileName, apiKey).then(
      () => setBusy(false),
      (failure: unknown) => {
        setBusy(false);
        setError(failure instanceof Error ? failure : new Error(String(failure)));
      },
    );
  };
  return (
    <>
      <a href={href} download={fileName} className={className} onClick={onClick} aria-busy={busy || undefined}>
        {children}
      </a>
      {busy && (
        <span className="status" role="status">
          {" "}
          Downloading…
        </span>
      )}
      {error && <ErrorMessage error={error} />}
    </>
  );
}
