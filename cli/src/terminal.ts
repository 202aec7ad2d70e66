/**
 * Server-supplied text on an admin's terminal. A key name, project, metric key or
 * error message from the registry (or from an older server's database) may carry
 * escape sequences that move the cursor, erase lines or recolour output; every
 * character a terminal could act on is shown as an escape instead (`\x1b`, `\u202e`).
 */

// C0 (line feed handled apart), DEL, C1, line/paragraph separators, bidirectional
// controls, and lone surrogates (which some terminals render as garbage).
const CONTROLS = "\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\u061c";
const LONE_SURROGATE = "[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]";
const IN_TEXT = new RegExp(`[${CONTROLS}]|${LONE_SURROGATE}`, "g");
const IN_VALUE = new RegExp(`[\\n${CONTROLS}]|${LONE_SURROGATE}`, "g");
// What JSON.stringify leaves raw inside strings that a terminal still acts on.
const IN_JSON = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One value (a table cell, a name in a message): every control character escaped, line feeds too. */
export function shown(value: string): string {
  return value.replace(IN_VALUE, escapeChar);
}

/** Human-readable output: control characters escaped, line feeds kept (they are the output's layout). */
export function terminalText(text: string): string {
  return text.replace(IN_TEXT, escapeChar);
}

/** JSON output stays the same JSON: characters a terminal acts on are written as `\u` escapes. */
export function terminalJson(text: string): string {
  return text.replace(IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
