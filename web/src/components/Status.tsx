import type { CombinedError } from "urql";
import { Link } from "wouter";
import { describeTrouble, troubleOf } from "../lib/errors";

/** A loading line, announced to screen readers. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="status" role="status">
      Loading {what}…
    </p>
  );
}

/** An empty state: what is missing and what to do about it. */
export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="status empty">{children}</p>;
}

/** An error in words; UNAUTHENTICATED and FORBIDDEN point to the sign-in screen. */
export function ErrorMessage({ error }: { error: CombinedError | Error }) {
  const trouble = troubleOf(error);
  const needsKey = trouble.code === "UNAUTHENTICATED" || trouble.code === "FORBIDDEN";
  return (
    <div className="error" role="alert">
      <p>{describeTrouble(trouble)}</p>
      {needsKey && (
        <p>
          <Link href="/sign-in">Sign in with an API key</Link>
        </p>
      )}
    </div>
  );
}

/** Live updates the server ended with an error: why, when they resume by themselves if the server said, and a way to start them again. */
export function LiveStopped({
  error,
  onResume,
  resumesIn,
}: {
  error: CombinedError;
  onResume: () => void;
  resumesIn?: number | undefined;
}) {
  return (
    <div className="error" role="alert">
      <p>
        Live updates stopped: {describeTrouble(troubleOf(error))} What is shown may be out of date.
        {resumesIn !== undefined && ` They resume by themselves in ${resumesIn} s, as the registry asked.`}
      </p>
      <p>
        <button type="button" onClick={onResume}>
          Resume live updates
        </button>
      </p>
    </div>
  );
}
