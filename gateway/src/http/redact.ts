/**
 * Redaction of secrets from what the gateway logs: URLs and free text. A client
 * that puts its key in a URL (`?api_key=hmr_…`) is refused, but the key must
 * not then sit in the request log for anyone who reads the logs.
 */

export const REDACTED = "[redacted]";

/** Our key prefix, also percent-encoded once or more (`hmr%5F`, `hmr%255F`). */
const KEY_PREFIX = /hmr(?:_|%(?:25)*5f)[A-Za-z0-9_%-]*/gi;
/** A key's `<id>_<secret>` body without its prefix. */
const KEY_BODY = /[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}/g;
const HAS_KEY = /hmr_|[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}/i;
const BEARER = /\b(bearer|basic)\s+[^\s"',;]+/gi;
/** A header quoted in text: `authorization: …`, `"cookie":"…"`. */
const HEADER_IN_TEXT = /\b((?:proxy-)?authorization|(?:set-)?cookie|x-api-key)(["']?\s*[:=]\s*["']?)[^\r\n"']*/gi;
/** `name=value` after `?`, `&`, `;` or `#` inside a longer text (an error message quoting a URL). */
const PARAM_IN_TEXT = /([?&;#])([^=&;#?\s"'<>]+)=([^&;#\s"'<>]*)/g;
/**
 * A run of text between spaces and quotes; one with percent-escapes in it is decoded to
 * look for an encoded key. Matched whole, then tested for an escape: a pattern asking for
 * the escape inside the run was tried from each character of a run without one to its
 * end, time in the square of its length (a URL of 16 KB of `%` held the event loop 0.3 s).
 */
const TEXT_RUN = /[^\s"'<>]+/g;
const PERCENT_ESCAPE = /%[0-9a-f]{2}/i;

/** Query-parameter (and field) names whose values are credentials, after {@link normalizeName}. */
const SENSITIVE_NAMES = new Set([
  "apikey",
  "xapikey",
  "accesstoken",
  "token",
  "key",
  "auth",
  "authorization",
  "proxyauthorization",
  "password",
  "passwd",
  "pwd",
  "pass",
  "secret",
  "bearer",
  "credential",
  "credentials",
  "cookie",
  "setcookie",
  "session",
  "sessionid",
  "sig",
  "signature",
  "ticket",
]);
const SENSITIVE_SUFFIX = /(token|secret|password|apikey)$/;

function normalizeName(name: string): string {
  return name
    .toLowerCase()
    .replace(/\[\]$/, "")
    .replace(/[\s_.-]/g, "");
}

/** Whether a query parameter, header or field of this name carries a credential (case and `_`/`-` ignored). */
export function isSensitiveName(name: string): boolean {
  const normalized = normalizeName(percentDecode(name.replace(/\+/g, " ")));
  return SENSITIVE_NAMES.has(normalized) || SENSITIVE_SUFFIX.test(normalized);
}

/**
 * Decodes `%XX` escapes byte by byte, repeatedly (double encoding included).
 * Only for detection: ASCII is all a key is made of, and malformed escapes
 * must not stop the check the way they stop `decodeURIComponent`.
 */
function percentDecode(text: string): string {
  let current = text;
  for (let round = 0; round < 4 && current.includes("%"); round++) {
    const next = current.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) break;
    current = next;
  }
  return current;
}

/** Whether the text holds one of our keys, plainly or percent-encoded. */
export function containsKey(text: string): boolean {
  const decoded = percentDecode(text.replace(/\+/g, " "));
  return HAS_KEY.test(decoded);
}

/** One `name=value` (or bare `value`) piece of a path segment, query string or fragment. */
function redactPiece(piece: string): string {
  const eq = piece.indexOf("=");
  if (eq === -1) return containsKey(piece) ? REDACTED : piece;
  const name = piece.slice(0, eq);
  if (containsKey(name)) return REDACTED;
  const value = piece.slice(eq + 1);
  return isSensitiveName(name) || containsKey(value) ? `${name}=${REDACTED}` : piece;
}

/**
 * A request target safe to log: every path segment, query parameter and
 * fragment piece holding a key (plain or percent-encoded), and the value of
 * every credential-named parameter (`api_key`, `access_token`, `token`, `key`,
 * `password`, …; repeated ones too), becomes `[redacted]`. With `dropQuery`
 * (a refused authentication attempt) everything after the path goes.
 */
export function redactUrl(url: string, options: { readonly dropQuery?: boolean } = {}): string {
  const split = url.search(/[?#]/);
  const path = split === -1 ? url : url.slice(0, split);
  const rest = split === -1 ? "" : url.slice(split);
  const safePath = path.replace(/[^/;]+/g, redactPiece);
  if (rest === "") return safePath;
  if (options.dropQuery) return `${safePath}${rest[0]}${REDACTED}`;
  return safePath + rest.replace(/[^?#&;]+/g, redactPiece);
}

/**
 * Free text (an error message, a stack, a logged string) with keys,
 * `Bearer`/`Basic` credentials and credential-named URL parameters redacted.
 */
export function scrubSecrets(text: string): string {
  if (text.length === 0) return text;
  let out = text
    .replace(HEADER_IN_TEXT, (_, name: string, sep: string) => `${name}${sep}${REDACTED}`)
    .replace(BEARER, (_, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(KEY_PREFIX, `hmr_${REDACTED}`)
    .replace(KEY_BODY, REDACTED)
    .replace(PARAM_IN_TEXT, (whole, sep: string, name: string) => (isSensitiveName(name) ? `${sep}${name}=${REDACTED}` : whole));
  if (out.includes("%"))
    out = out.replace(TEXT_RUN, (run) =>
      PERCENT_ESCAPE.test(run) ? run.replace(/[^/?#&;=]+/g, (piece) => (containsKey(piece) ? REDACTED : piece)) : run,
    );
  return out;
}
