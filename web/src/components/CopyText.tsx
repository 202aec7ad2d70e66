import { useState } from "react";

/** A snippet with a button that copies it; the result is announced. */
export function CopyText({ label, text }: { label: string; text: string }) {
  const [copied, setCopied] = useState<string>("");
  const copy = () => {
    navigator.clipboard.writeText(text).then(
      () => setCopied("Copied."),
      () => setCopied("Copying was refused: select the text and copy it."),
    );
  };
  return (
    <figure className="snippet">
      <figcaption>
        {label}{" "}
        <button type="button" onClick={copy} aria-label={`Copy the ${label} snippet`}>
          Copy
        </button>{" "}
        <span role="status">{copied}</span>
      </figcaption>
      <pre tabIndex={0}>
        <code>{text}</code>
      </pre>
    </figure>
  );
}
