/**
 * How the corpus writes its requests and expectations: requests are thunks, so a
 * key minted in the runner's `beforeAll` is read when the request is sent.
 */
import { createHash } from "node:crypto";
import { expect } from "vitest";
import { bearer, CREATE, gqlRequest, uploadRequest, type RawRequest, type Reply } from "../support/raw-request.js";
import { keys, summary, W, W_SHA, type Expect } from "./world.js";

/** Who a request is sent as: a key by role (read when the request is sent), a literal token, or nobody. */
export type Who = Exclude<keyof typeof keys, never> | { readonly token: string } | null;
export const tokenOf = (who: Who): string | null => (who === null ? null : typeof who === "object" ? who.token : keys[who]);

/** A request without a body (GET unless `method`), its path sent verbatim. */
export const get =
  (p: string, who: Who = "write", headers: Record<string, string> = {}, method = "GET") =>
  (): RawRequest => ({
    method,
    path: p,
    headers: { ...bearer(tokenOf(who)), ...headers },
  });
/** A GraphQL request as JSON. */
export const gql =
  (query: string, variables?: Record<string, unknown>, who: Who = "write") =>
  () =>
    gqlRequest(query, variables, tokenOf(who));
/** A POST /graphql whose body is sent exactly as given. */
export const raw =
  (body: string | Buffer, who: Who = "write", contentType = "application/json") =>
  (): RawRequest => ({
    method: "POST",
    path: "/graphql",
    headers: { "content-type": contentType, ...bearer(tokenOf(who)) },
    body,
  });
/** A createModel mutation with `input` as its variable. */
export const create = (input: unknown, who: Who = "write") => gql(CREATE, { input }, who);
/** A JSON body whose `variables.input` is spliced in as raw text (for NaN, 1e400, …). */
export const createRaw = (inputText: string, who: Who = "write") =>
  raw(`{"query":${JSON.stringify(CREATE)},"variables":{"input":${inputText}}}`, who);
/** A createModel upload of `files` ([path, content]). */
export const upload =
  (input: Record<string, unknown>, files: readonly (readonly [string, string | Buffer])[], who: Who = "write") =>
  () =>
    uploadRequest(input, files, tokenOf(who));

/** The answer is a typed error with one of `codes` (BAD_USER_INPUT when none are given). */
export const bad = (...codes: string[]): Expect => ({ codes: codes.length ? codes : ["BAD_USER_INPUT"] });
export const BAD = bad("BAD_USER_INPUT");
export const INVALID = bad("GRAPHQL_VALIDATION_FAILED");
export const INVALID_OR_BAD = bad("GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT");
export const PARSE = bad("GRAPHQL_PARSE_FAILED");
export const BAD_REQUEST = bad("BAD_REQUEST");
/** Any typed error will do. */
export const ANY_TYPED: Expect = {};

/** A body must be the fixture's w.bin, a correct slice of it, or a correct 416. */
export function rangeCheck(reply: Reply, size = W.length, content = W): void {
  const where = summary(reply);
  if (reply.status === 200) {
    expect(reply.body.equals(content), where).toBe(true);
    expect(reply.headers["content-length"], where).toBe(String(size));
  } else if (reply.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(reply.headers["content-range"]));
    expect(m, where).not.toBeNull();
    const [start, end, total] = [Number(m![1]), Number(m![2]), Number(m![3])];
    expect(total).toBe(size);
    expect(start <= end && end < size, where).toBe(true);
    expect(reply.body.equals(content.subarray(start, end + 1)), where).toBe(true);
  } else if (reply.status === 416) {
    expect(reply.headers["content-range"], where).toBe(`bytes */${size}`);
    expect(reply.body.length, where).toBe(0);
  } else {
    throw new Error(`unexpected status for a Range request: ${where}`);
  }
  if (reply.status !== 416)
    expect(reply.headers.etag, where).toBe(`"${size === W.length ? W_SHA : createHash("sha256").update(content).digest("hex")}"`);
}
/** A whole file, a correct slice or a correct 416. */
export const RANGE: Expect = { status: [200, 206, 416], plain: true, check: (r) => rangeCheck(r) };
/** Exactly bytes `start`-`end` of the fixture. */
export const exactRange = (start: number, end: number): Expect => ({
  status: [206],
  plain: true,
  check: (r) => {
    rangeCheck(r);
    expect(r.headers["content-range"]).toBe(`bytes ${start}-${end}/${W.length}`);
  },
});
/** The whole fixture, the Range ignored. */
export const WHOLE: Expect = { status: [200], plain: true, check: (r) => rangeCheck(r) };

/** Base64url of `text`, as cursors are written. */
export const b64 = (text: string) => Buffer.from(text).toString("base64url");
