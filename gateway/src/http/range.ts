import rangeParser from "range-parser";
import type { ByteRange } from "../domain/records.js";

export type RangeResult =
  { readonly kind: "full" } | { readonly kind: "partial"; readonly range: ByteRange } | { readonly kind: "unsatisfiable" };

const FULL = { kind: "full" } as const;

/**
 * Reads a `Range` header for a resource of `size` bytes with `range-parser`. One
 * byte range is served as 206, one that starts past the end as 416. Several
 * ranges, another unit, or an invalid header fall back to the whole body, which
 * RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return FULL;
  const text = header.trim();
  // With no end to the resource only a backwards spec (last < first) yields nothing:
  // that header is invalid and ignored (RFC 9110 14.2), not unsatisfiable.
  const unbounded = rangeParser(Infinity, text);
  if (unbounded === -1 || unbounded === -2 || unbounded.type !== "bytes" || unbounded.length !== 1 || text.includes(",")) return FULL;
  const ranges = rangeParser(size, text);
  if (ranges !== -1 && ranges !== -2) return { kind: "partial", range: { start: ranges[0]!.start, end: ranges[0]!.end } };
  // range-parser refuses a suffix longer than the file, which RFC 9110 14.1.2 serves
  // whole. A suffix is the spec that starts at the end of an endless resource.
  const suffix = unbounded[0]!.start === Infinity ? Number(text.slice(text.indexOf("-") + 1)) : 0;
  return size > 0 && suffix > 0 ? { kind: "partial", range: { start: 0, end: size - 1 } } : { kind: "unsatisfiable" };
}
