import type { ByteRange } from "../domain/records.js";

export type RangeResult =
  | { readonly kind: "full" }
  | { readonly kind: "partial"; readonly range: ByteRange }
  | { readonly kind: "unsatisfiable" };

/**
 * Parses a `Range` header for a resource of `size` bytes. One range is served as
 * 206; several ranges or a malformed header fall back to the whole body, which
 * RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: "full" };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return { kind: "full" };
  const [, from, to] = match as unknown as [string, string, string];
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(from);
  // last < first is not a valid range: ignore the header (RFC 9110 14.2).
  if (to !== "" && Number(to) < start) return { kind: "full" };
  const end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", range: { start, end } };
}
