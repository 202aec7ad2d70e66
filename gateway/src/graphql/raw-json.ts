import { randomUUID } from "node:crypto";

/** The answer being written by `writeRawJson` (JSON.stringify is synchronous: one at a time). */
let writing: { marker: string | undefined; texts: string[] } | undefined;

/**
 * A JSON value as its stored text, answered as that text: a `JSON` or `JSONObject` field whose
 * value is this carries it into the answer without parsing it. Parsed, JSON built to expand
 * (`[{},{},…]`) takes about twenty times its text in objects, which the answer's budget of
 * stored text cannot see; as text it takes what the budget charged. The text must be JSON as
 * `JSON.stringify` writes it (what the store keeps): it is copied into the answer as it is.
 *
 * Outside `writeRawJson` (a subscription's event, a test's JSON.stringify) it turns into its
 * parsed value, so no other writer ever sees anything but the value.
 */
export class RawJson {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    if (!writing) return JSON.parse(this.text);
    writing.marker ??= `\u0000${randomUUID()}:`;
    return `${writing.marker}${writing.texts.push(this.text) - 1}`;
  }
}

/**
 * `JSON.stringify(value)`, with each `RawJson` inside written as its text. Each stands in the
 * first pass as a string naming it (a NUL, then a random UUID no stored string can know, then
 * its index), which the second replaces with the text; a value with none is written once.
 */
export function writeRawJson(value: unknown): string {
  const outer = writing;
  const state = (writing = { marker: undefined as string | undefined, texts: [] as string[] });
  let text: string;
  try {
    text = JSON.stringify(value);
  } finally {
    writing = outer;
  }
  if (state.marker === undefined) return text;
  // JSON.stringify writes the NUL as \u0000: each stand-in appears as "\u0000<uuid>:<index>".
  const open = `"${JSON.stringify(state.marker).slice(1, -1)}`;
  const pieces = text.split(open);
  const out = [pieces[0]!];
  for (let i = 1; i < pieces.length; i++) {
    const piece = pieces[i]!;
    const close = piece.indexOf('"');
    out.push(state.texts[Number(piece.slice(0, close))]!, piece.slice(close + 1));
  }
  return out.join("");
}
