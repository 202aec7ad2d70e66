/**
 * `previous` with each of `changes` set, or removed when empty or null: one history entry's query.
 * A list sets the key once per item (`?where=a>1&where=b<2`), in order.
 */
export function withParams(previous: URLSearchParams, changes: Record<string, string | readonly string[] | null>): URLSearchParams {
  const next = new URLSearchParams(previous);
  for (const [key, value] of Object.entries(changes)) {
    next.delete(key);
    if (typeof value === "string") {
      if (value) next.set(key, value);
    } else if (value) {
      for (const item of value) next.append(key, item);
    }
  }
  return next;
}
