import { useState, type MouseEvent, type ReactNode } from "react";
import { useMutation, type CombinedError } from "urql";
import { DownloadTicketDocument } from "../generated/graphql";
import { followDownload } from "../lib/download";
import { useSession } from "../lib/session-context";
import { ErrorMessage } from "./Status";

/** A registry file, or without `path` a version's archive, as the `downloadTicket` mutation names it. */
export interface DownloadTarget {
  readonly project: string;
  readonly name: string;
  readonly version: number;
  readonly path?: string;
}

/**
 * A link that downloads a registry file or archive. Without a key (open mode) the
 * browser follows it and streams the bytes to disk. With one, a click mints a download
 * ticket (a URL valid for that file or archive, briefly) and the browser follows that
 * instead, streaming too: the page never holds the bytes. It says that it is working, and
 * a refusal is shown in words beside the link.
 */
export function DownloadLink(props: { href: string; fileName: string; target: DownloadTarget; className?: string; children: ReactNode }) {
  const { href, fileName, target, className, children } = props;
  const { apiKey } = useSession();
  const [, mintTicket] = useMutation(DownloadTicketDocument);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CombinedError | Error | null>(null);
  const withTicket = async () => {
    const result = await mintTicket({ ...target, path: target.path ?? null });
    if (result.error) throw result.error;
    followDownload(result.data!.downloadTicket.url, fileName);
  };
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (!apiKey) return;
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    withTicket().then(
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
