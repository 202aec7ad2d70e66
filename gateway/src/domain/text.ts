import { BadInputError } from "./errors.js";

/**
 * The one rule for every string that reaches storage, whichever backend holds it.
 *
 * - Every string: no NUL (PostgreSQL's text and jsonb cannot hold it) and no lone
 *   UTF-16 surrogate (it has no UTF-8 form: PostgreSQL refuses it in jsonb, and text
 *   columns on both backends would silently store U+FFFD instead).
 * - Labels (names, keys, ids, key names, sort keys, tag keys, signature field names):
 *   also no control character — C0, DEL, C1, the line/paragraph separators and the
 *   bidirectional overrides — since they end up in terminals, logs and tables.
 * - Prose (descriptions): labels' rule, except that tab, line feed and carriage return
 *   are kept.
 * - JSON data (tags, inputExample): every key and string value follows the first rule;
 *   any other character is data and is kept.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/;
const PROSE_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/;
const ESCAPED = new RegExp(`${CONTROL.source}|${UNSTORABLE.source}`, "g");

/** `value` for a message: quoted, shortened, every control or unstorable character escaped. */
export function quote(value: string, max = 40): string {
  const short = value.length > max ? `${value.slice(0, max)}…` : value;
  return `"${short.replace(/["\\]/g, "\\$&").replace(ESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

/** Whether `value` can be stored as text on every backend (no NUL, no lone surrogate). */
export function isStorable(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** Whether `value` is a label: storable and free of control characters. */
export function isLabel(value: string): boolean {
  return isStorable(value) && !CONTROL.test(value);
}

/** Throws BAD_USER_INPUT unless `value` is storable; applies to every string argument. */
export function assertStorable(value: string, field: string): string {
  if (value.includes("\u0000")) throw new BadInputError(`${field} contains a NUL character, which is never allowed`, field);
  if (!isStorable(value)) throw new BadInputError(`${field} contains a lone UTF-16 surrogate, which is not valid Unicode text`, field);
  return value;
}

/** Throws BAD_USER_INPUT unless `value` is a label of at most `maxChars` characters. */
export function assertLabel(value: string, field: string, maxChars: number): string {
  assertStorable(value, field);
  if (CONTROL.test(value)) throw new BadInputError(`${field} ${quote(value)} contains a control character`, field);
  if (value.length > maxChars) throw new BadInputError(`${field} is longer than ${maxChars} characters`, field);
  return value;
}

/** Throws BAD_USER_INPUT unless `value` is prose: a label that may also hold tabs and line breaks. */
export function assertProse(value: string, field: string): string {
  assertStorable(value, field);
  if (PROSE_CONTROL.test(value))
    throw new BadInputError(`${field} contains a control character (only tab and line breaks are allowed)`, field);
  return value;
}

/**
 * A `Content-Disposition` that saves as `fileName` (RFC 6266, its name as an RFC 8187
 * ext-value): every byte outside attr-char percent-encoded, `'`, `(`, `)` and `*`
 * included, which `encodeURIComponent` leaves as they are.
 */
export function attachmentDisposition(fileName: string): string {
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename*=UTF-8''${encoded}`;
}
