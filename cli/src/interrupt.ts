/**
 * Runs `work` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts, so that a command
 * stops cleanly (a watch closes its socket, a pull keeps what arrived) instead of dying
 * mid-way. Once one signal was taken, a second Ctrl-C ends the process as usual.
 */
export async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const stop = () => abort.abort(new Error("interrupted"));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    return await work(abort.signal);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
