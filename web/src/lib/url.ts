/** `previous` with each of `changes` set, or removed when empty or null: one history entry's query. */
export function withParams(previous: URLSearchParams, changes: Record<string, string | null>): URLSearchParams {
  const next = new URLSearchParams(previous);
  for (const [key, value] of Object.entries(changes)) {
    if (value) next.set(key, value);
    else next.delete(key);
  }
  return next;
}
