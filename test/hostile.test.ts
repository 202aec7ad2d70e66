/**
 * Hostile-input corpus: hundreds of malformed, oversized, mistyped, unauthorised and
 * path-traversing requests against a real gateway (API keys on, local blobs), once per
 * backend of BACKENDS (SQLite and PostgreSQL; HOMER_TEST_BACKENDS narrows it).
 *
 * Every request must get (a) a typed error (JSON `errors[0].extensions.code` in a known
 * set, or an expected plain HTTP status on download routes), never a 5xx, and no stack,
 * server path, SQL or secret in the body; after it (b) the server still answers
 * (`/healthz` and `{ __typename }`), and (c) nothing is left in `<blobs>/.staging`, the
 * blob store holds exactly the fixtures' blobs, and no victim version exists.
 * At the end (d) nothing appeared outside the data directory (a sentinel tree surrounds
 * it) and no attack file name exists anywhere.
 *
 * Known gateway bugs stay in the corpus as `test.fails` cases named "[GATEWAY BUG …]":
 * when one is fixed, its case starts failing and the marker must be removed.
 */
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { BACKENDS, listBlobFiles } from "./support/backends.js";
import { startTestGateway } from "./support/gateway.js";
import {
  CREATE,
  KNOWN_CODES,
  MARK,
  bearer,
  gqlRequest,
  leaksIn,
  listAll,
  multipartRequest,
  postJson,
  send,
  snapshotTree,
  startHostileGateway,
  uploadRequest,
  type HostileGateway,
  type Part,
  type RawRequest,
  type Reply,
} from "./support/hostile-harness.js";

// ------------------------------------------------------------------ the world

const MAX_FILE = 64 * 1024;
const MAX_INPUT_EXAMPLE = 4096;
const adminKey = generateKey();
const keys = { admin: adminKey.token, write: "", read: "", writeB: "", revoked: "" };
const keyIds = { write: "", read: "", writeB: "", revoked: "" };
/** Names hostile creates aim at; none of them may ever hold a version. */
const VICTIMS = ["victim", "victim2"] as const;
const PROJECTS = ["team-a", "team-b", "default"] as const;
/** The fixture's w.bin: 100 distinct-ish bytes, so a wrong slice is visible. */
const W = Buffer.from(Array.from({ length: 100 }, (_, i) => 65 + ((i * 7) % 26)));
const W_SHA = createHash("sha256").update(W).digest("hex");
const W_URL = "/files/team-a/fixture/1/w.bin";

let gw: HostileGateway;
let baselineBlobs: string[] = [];
let outsideBefore: Map<string, string>;
let tmpBefore: Set<string>;
let etcPasswdBefore: string;
const cursors = { version: "", acc: "", other: "", asc: "" };

// ------------------------------------------------------------------ bookkeeping

let hostileCount = 0;
const byCode = new Map<string, number>();
const byStatus = new Map<number, number>();
/** Invariant violations seen after a request, by group; asserted at each group's end. */
const violations = new Map<string, string[]>();
let currentGroup = "setup";
/** Hostile requests that succeeded because the input, though strange, is legal. */
const tolerated: string[] = [];

function codeOf(reply: Reply): string {
  const code = reply.json?.errors?.[0]?.extensions?.code;
  if (typeof code === "string") return code;
  if (reply.status < 0) return "NO ANSWER";
  if (reply.json && typeof reply.json === "object" && "data" in reply.json) return `data (HTTP ${reply.status})`;
  return `HTTP ${reply.status}`;
}

/** Sends one hostile request and records its outcome. */
async function hostile(request: RawRequest): Promise<Reply> {
  const reply = await send(gw.origin, request);
  hostileCount++;
  const code = codeOf(reply);
  byCode.set(code, (byCode.get(code) ?? 0) + 1);
  byStatus.set(reply.status, (byStatus.get(reply.status) ?? 0) + 1);
  return reply;
}

/** A request the test itself makes (setup, checks): not counted. */
function own(request: RawRequest): Promise<Reply> {
  return send(gw.origin, request);
}

async function adminGql(query: string, variables?: Record<string, unknown>): Promise<any> {
  const reply = await own(gqlRequest(query, variables, keys.admin));
  return reply.json;
}

// ------------------------------------------------------------------ what every answer must satisfy

interface Expect {
  /** Allowed `errors[0].extensions.code`s (each must also be a known code). */
  readonly codes?: readonly string[];
  /** Allowed HTTP statuses. */
  readonly status?: readonly number[];
  /** A successful answer is acceptable (the input is strange but legal). */
  readonly success?: boolean;
  /** A non-JSON answer is acceptable (downloads, 416, Node's 431). */
  readonly plain?: boolean;
  readonly check?: (reply: Reply) => void | Promise<void>;
}

interface Case {
  readonly name: string;
  readonly request: RawRequest | (() => RawRequest);
  readonly expect: Expect;
  /** A known gateway bug: the case runs as test.fails. */
  readonly bug?: string;
}

const secrets = () => [keys.admin, keys.write, keys.read, keys.writeB, keys.revoked, gw.sentinelRoot];

function summary(reply: Reply): string {
  return `HTTP ${reply.status}${reply.error ? ` (${reply.error})` : ""} ${reply.text.slice(0, 300)}`;
}

async function verify(c: Case, reply: Reply): Promise<void> {
  const where = `${c.name} → ${summary(reply)}`;
  expect(reply.status, `no answer: ${where}`).toBeGreaterThan(0);
  expect(reply.status, where).not.toBe(500);
  expect(reply.status, where).toBeLessThan(500);
  expect(leaksIn(reply, secrets()), where).toEqual([]);
  if (c.expect.status) expect(c.expect.status, where).toContain(reply.status);
  const errors = reply.json?.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    for (const error of errors) {
      expect(KNOWN_CODES.has(error?.extensions?.code), `unknown code: ${where}`).toBe(true);
      expect(error.extensions, where).not.toHaveProperty("stacktrace");
      expect(error.extensions, where).not.toHaveProperty("exception");
    }
    if (c.expect.codes) expect(c.expect.codes, where).toContain(errors[0].extensions.code);
  } else if (reply.json && typeof reply.json === "object" && "data" in reply.json) {
    expect(c.expect.success ?? false, `succeeded, but a typed error was expected: ${where}`).toBe(true);
  } else {
    expect(c.expect.plain ?? false, `not a typed JSON answer: ${where}`).toBe(true);
  }
  await c.expect.check?.(reply);
}

/** Registers `cases` as tests of the current describe block. */
function corpus(cases: readonly Case[]): void {
  cases.forEach((c, i) => {
    const run = async () => {
      const reply = await hostile(typeof c.request === "function" ? c.request() : c.request);
      if (reply.json?.data !== undefined && !reply.json?.errors) tolerated.push(`${currentGroup}: ${c.name}`);
      try {
        await verify(c, reply);
      } finally {
        if (c.expect.success) await purgeVictims();
      }
    };
    const title = `#${i + 1} ${c.name}`;
    // HOSTILE_BUGS_AS_TESTS=1 runs the known-bug cases as plain tests, to see how they fail.
    if (c.bug && !process.env.HOSTILE_BUGS_AS_TESTS) test.fails(`${title} [GATEWAY BUG: ${c.bug}]`, run);
    else test(c.bug ? `${title} [GATEWAY BUG: ${c.bug}]` : title, run);
  });
}

/** Deletes any version a tolerated success created under a victim name. */
async function purgeVictims(): Promise<void> {
  for (const project of PROJECTS) {
    for (const name of VICTIMS) {
      const listed = await adminGql(`query($n: String!, $p: String) { models(name: $n, project: $p, first: 500) { nodes { version } } }`, { n: name, p: project });
      for (const node of listed?.data?.models?.nodes ?? []) {
        await adminGql(`mutation($n: String!, $v: Int!, $p: String) { deleteModel(name: $n, version: $v, project: $p) }`, { n: name, v: node.version, p: project });
      }
    }
  }
}

/** (b) and (c) after one request; problems are collected, not thrown, so bug cases cannot hide them. */
async function invariantProblems(): Promise<string[]> {
  const problems: string[] = [];
  const health = await own({ path: "/healthz" });
  if (health.status !== 200 || health.json?.status !== "ok") problems.push(`/healthz answered ${summary(health)}`);
  const typename = await own(gqlRequest("{ __typename }", undefined, keys.write));
  if (typename.json?.data?.__typename !== "Query") problems.push(`{ __typename } answered ${summary(typename)}`);
  const staging = path.join(gw.blobDir, ".staging");
  let left: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    left = await fs.readdir(staging).catch((e) => [`(cannot read staging: ${e})`]);
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (left.length > 0) problems.push(`left in .staging: ${left.join(", ")}`);
  const blobs = await listBlobFiles(gw.blobDir);
  if (JSON.stringify(blobs) !== JSON.stringify(baselineBlobs)) problems.push(`blob store changed: ${blobs.length} files, expected ${baselineBlobs.length}`);
  return problems;
}

/** (c) at a group's end: no victim name holds a version in any project (asked with the admin key). */
async function victimCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const project of PROJECTS) {
    for (const name of VICTIMS) {
      const res = await adminGql(`query($n: String!, $p: String) { models(name: $n, project: $p) { totalCount } }`, { n: name, p: project });
      counts[`${project}/${name}`] = res?.data?.models?.totalCount ?? -1;
    }
  }
  return counts;
}

function group(name: string, cases: () => readonly Case[]): void {
  describe(name, () => {
    beforeAll(() => {
      currentGroup = name;
      violations.set(name, []);
    });
    corpus(cases());
    test(`after every ${name} request: server answers, nothing staged, no partial version`, async () => {
      expect(violations.get(name)).toEqual([]);
      expect(Object.values(await victimCounts()).every((n) => n === 0), JSON.stringify(await victimCounts())).toBe(true);
    });
  });
}

// ------------------------------------------------------------------ request helpers

/** Who a request is sent as: a key by role (read when the request is sent), a literal token, or nobody. */
type Who = Exclude<keyof typeof keys, never> | { readonly token: string } | null;
const tokenOf = (who: Who): string | null => (who === null ? null : typeof who === "object" ? who.token : keys[who]);

const get = (p: string, who: Who = "write", headers: Record<string, string> = {}, method = "GET") => (): RawRequest => ({
  method,
  path: p,
  headers: { ...bearer(tokenOf(who)), ...headers },
});
const gql = (query: string, variables?: Record<string, unknown>, who: Who = "write") => () => gqlRequest(query, variables, tokenOf(who));
const raw = (body: string | Buffer, who: Who = "write", contentType = "application/json") => (): RawRequest => ({
  method: "POST",
  path: "/graphql",
  headers: { "content-type": contentType, ...bearer(tokenOf(who)) },
  body,
});
const create = (input: unknown, who: Who = "write") => gql(CREATE, { input }, who);
/** A JSON body whose `variables.input` is spliced in as raw text (for NaN, 1e400, …). */
const createRaw = (inputText: string, who: Who = "write") => raw(`{"query":${JSON.stringify(CREATE)},"variables":{"input":${inputText}}}`, who);
const upload = (input: Record<string, unknown>, files: readonly (readonly [string, string | Buffer])[], who: Who = "write") => () =>
  uploadRequest(input, files, tokenOf(who));

const bad = (...codes: string[]): Expect => ({ codes: codes.length ? codes : ["BAD_USER_INPUT"] });
const BAD = bad("BAD_USER_INPUT");
const INVALID = bad("GRAPHQL_VALIDATION_FAILED");
const INVALID_OR_BAD = bad("GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT");
const PARSE = bad("GRAPHQL_PARSE_FAILED");
const BAD_REQUEST = bad("BAD_REQUEST");
const ANY_TYPED: Expect = {};

/** A body must be the fixture's w.bin, a correct slice of it, or a correct 416. */
function rangeCheck(reply: Reply, size = W.length, content = W): void {
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
  if (reply.status !== 416) expect(reply.headers.etag, where).toBe(`"${size === W.length ? W_SHA : createHash("sha256").update(content).digest("hex")}"`);
}
const RANGE: Expect = { status: [200, 206, 416], plain: true, check: (r) => rangeCheck(r) };
const exactRange = (start: number, end: number): Expect => ({
  status: [206],
  plain: true,
  check: (r) => {
    rangeCheck(r);
    expect(r.headers["content-range"]).toBe(`bytes ${start}-${end}/${W.length}`);
  },
});
const WHOLE: Expect = { status: [200], plain: true, check: (r) => rangeCheck(r) };

const b64 = (text: string) => Buffer.from(text).toString("base64url");

// ------------------------------------------------------------------ setup and teardown

describe.each(BACKENDS)("hostile requests on %s", (backend) => {
  beforeAll(async () => {
    hostileCount = 0;
    byCode.clear();
    byStatus.clear();
    tolerated.length = 0;
    gw = await startHostileGateway({ backend, config: { adminKey: adminKey.token, rateLimit: 100_000, maxFileSize: MAX_FILE, maxFiles: 20, maxInputExampleBytes: MAX_INPUT_EXAMPLE } });
    for (const project of ["team-a", "team-b"]) {
      expect((await adminGql(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: project })).errors).toBeUndefined();
    }
    const makeKey = async (name: keyof typeof keyIds, project: string, role: string) => {
      const res = await adminGql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }`, {
        i: { name, grants: [{ project, role }] },
      });
      expect(res.errors).toBeUndefined();
      keys[name] = res.data.createApiKey.secret;
      keyIds[name] = res.data.createApiKey.apiKey.id;
    };
    await makeKey("write", "team-a", "WRITE");
    await makeKey("read", "team-a", "READ");
    await makeKey("writeB", "team-b", "WRITE");
    await makeKey("revoked", "team-a", "WRITE");
    expect((await adminGql(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id: keyIds.revoked })).errors).toBeUndefined();

    const seed = async (token: string, input: Record<string, unknown>, files: [string, string | Buffer][]) => {
      const res = await own(uploadRequest(input, files, token));
      expect(res.json?.errors, summary(res)).toBeUndefined();
    };
    await seed(keys.write, { name: "fixture", metrics: [{ key: "acc", value: 0.5 }] }, [["w.bin", W], ["dir/x.txt", "hello"], ["empty.bin", ""]]);
    await seed(keys.write, { name: "fixture", metrics: [{ key: "acc", value: 0.9 }] }, [["w.bin", W]]);
    await seed(keys.write, { name: "other", metrics: [{ key: "acc", value: 0.1 }] }, [["w.bin", W]]);
    await seed(keys.writeB, { name: "secret" }, [["w.bin", "b-secret-bytes"]]);
    const cursor = async (args: string) => (await own(gqlRequest(`{ models(${args}, first: 1) { pageInfo { endCursor } } }`, undefined, keys.write))).json.data.models.pageInfo.endCursor as string;
    cursors.version = await cursor(`name: "fixture"`);
    cursors.acc = await cursor(`name: "fixture", sortKey: "acc"`);
    cursors.asc = await cursor(`name: "fixture", direction: ASC`);
    cursors.other = await cursor(`name: "other"`);
    expect(Object.values(cursors).every(Boolean)).toBe(true);

    baselineBlobs = await listBlobFiles(gw.blobDir);
    expect(baselineBlobs).toHaveLength(4); // w.bin, x.txt, empty.bin, secret
    outsideBefore = await snapshotTree(gw.sentinelRoot, [gw.dataDir]);
    tmpBefore = new Set(await fs.readdir(os.tmpdir()));
    const passwd = await fs.stat("/etc/passwd").catch(() => null);
    etcPasswdBefore = passwd ? `${passwd.size}@${passwd.mtimeMs}` : "absent";
  });

  afterEach(async (context) => {
    const problems = await invariantProblems();
    if (problems.length > 0) {
      const list = violations.get(currentGroup) ?? [];
      list.push(`${context.task.name}: ${problems.join("; ")}`);
      violations.set(currentGroup, list);
    }
  });

  afterAll(async () => {
    const codes = [...byCode.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `  ${c.padEnd(32)} ${n}`);
    const statuses = [...byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`);
    console.log(
      `hostile requests sent on ${backend}: ${hostileCount}\nby code:\n${codes.join("\n")}\nby HTTP status: ${statuses.join(", ")}\n` +
        `tolerated successes (legal input, checked):\n${tolerated.map((t) => `  ${t}`).join("\n")}`,
    );
    await gw?.close();
  });

  // ---------------------------------------------------------------- malformed bodies

  group("malformed JSON bodies", () => {
    const deepArrays = "[".repeat(100_000) + "]".repeat(100_000);
    const deepObjects = '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000);
    return [
      { name: "truncated object", request: raw('{"query":"{ __typename }"'), expect: BAD },
      { name: "truncated inside a string", request: raw('{"query":"{ __typ'), expect: BAD },
      { name: "trailing garbage", request: raw('{"query":"{ __typename }"}garbage'), expect: BAD },
      { name: "two objects back to back", request: raw('{"query":"{ __typename }"}{"query":"{ __typename }"}'), expect: BAD },
      { name: "empty body", request: raw(""), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
      { name: "whitespace-only body", request: raw("   \n\t  "), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
      { name: "JSON null", request: raw("null"), expect: bad("BAD_USER_INPUT", "BAD_REQUEST") },
      { name: "JSON number", request: raw("42"), expect: bad("BAD_USER_INPUT", "BAD_REQUEST") },
      { name: "JSON string", request: raw('"{ __typename }"'), expect: bad("BAD_USER_INPUT", "BAD_REQUEST") },
      { name: "JSON true", request: raw("true"), expect: bad("BAD_USER_INPUT", "BAD_REQUEST") },
      { name: "empty array", request: raw("[]"), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
      { name: "100,000-deep nested arrays", request: raw(deepArrays), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
      { name: "50,000-deep nested objects", request: raw(deepObjects), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
      { name: "NaN as the whole body", request: raw("NaN"), expect: BAD },
      { name: "content-type text/plain (CSRF-simple)", request: raw('{"query":"{ __typename }"}', "write", "text/plain"), expect: BAD_REQUEST },
      { name: "no content-type", request: () => ({ method: "POST", path: "/graphql", headers: bearer(keys.write), body: '{"query":"{ __typename }"}' }), expect: BAD_REQUEST },
      { name: "form-urlencoded body", request: raw("query=%7B__typename%7D", "write", "application/x-www-form-urlencoded"), expect: BAD_REQUEST },
      { name: "JSON declared as UTF-16", request: raw('{"query":"{ __typename }"}', "write", "application/json; charset=utf-16"), expect: BAD },
      { name: "JSON declared as an unknown charset", request: raw('{"query":"{ __typename }"}', "write", "application/json; charset=x-evil"), expect: ANY_TYPED },
      { name: "invalid UTF-8 bytes in the query", request: raw(Buffer.concat([Buffer.from('{"query":"{ __typename '), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from(' }"}')])), expect: bad("GRAPHQL_PARSE_FAILED", "BAD_USER_INPUT") },
      { name: "NUL byte outside any string", request: raw('{"query":"{ __typename }"\u0000}'), expect: BAD },
      { name: "NUL inside the query text", request: raw('{"query":"{ __typename \\u0000 }"}'), expect: PARSE },
      { name: "query is a number", request: raw('{"query":42}'), expect: BAD_REQUEST },
      { name: "query is null", request: raw('{"query":null}'), expect: BAD_REQUEST },
      { name: "query is an object", request: raw('{"query":{"kind":"Document"}}'), expect: BAD_REQUEST },
      { name: "no query at all", request: raw("{}"), expect: BAD_REQUEST },
      { name: "variables as a string", request: raw('{"query":"{ __typename }","variables":"{}"}'), expect: BAD_REQUEST },
      { name: "variables as an array", request: raw('{"query":"{ __typename }","variables":[1,2]}'), expect: BAD_REQUEST },
      { name: "operationName as a number", request: raw('{"query":"{ __typename }","operationName":5}'), expect: BAD_REQUEST },
      { name: "extensions as a string", request: raw('{"query":"{ __typename }","extensions":"x"}'), expect: BAD_REQUEST },
      { name: "duplicate query keys (last one wins)", request: raw('{"query":"{ __typename }","query":"{ nope }"}'), expect: INVALID },
      { name: "unknown persisted-query hash (APQ is off)", request: raw(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: "a".repeat(64) } } })), expect: bad("PERSISTED_QUERY_NOT_SUPPORTED") },
      {
        name: "APQ hash that does not match the query",
        request: raw(JSON.stringify({ query: "{ __typename }", extensions: { persistedQuery: { version: 1, sha256Hash: "b".repeat(64) } } })),
        expect: bad("PERSISTED_QUERY_NOT_SUPPORTED"),
      },
      {
        name: "APQ of an unsupported version",
        request: raw(JSON.stringify({ query: "{ __typename }", extensions: { persistedQuery: { version: 2, sha256Hash: "b".repeat(64) } } })),
        expect: bad("PERSISTED_QUERY_NOT_SUPPORTED"),
      },
      { name: "__proto__ at the top of the body", request: raw('{"query":"{ nope }","__proto__":{"polluted":true,"query":"{ __typename }"}}'), expect: INVALID },
      { name: "__proto__ as the variables' only key", request: raw(`{"query":${JSON.stringify(CREATE)},"variables":{"__proto__":{"input":{"name":"victim"}}}}`), expect: BAD },
      { name: "3 MB body (over the body limit)", request: raw(JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(3_000_000) } })), expect: { codes: ["PAYLOAD_TOO_LARGE"], status: [413] } },
      { name: "gzip bomb: 30 MB of JSON in 30 kB", request: () => ({ ...raw(gzipSync(`{"query":"{ __typename }","variables":{"pad":"${" ".repeat(30_000_000)}"}}`))(), headers: { "content-type": "application/json", "content-encoding": "gzip", ...bearer(keys.write) } }), expect: { codes: ["PAYLOAD_TOO_LARGE"], status: [413] } },
      { name: "content-encoding gzip with a body that is not gzip", request: () => ({ ...raw('{"query":"{ __typename }"}')(), headers: { "content-type": "application/json", "content-encoding": "gzip", ...bearer(keys.write) } }), expect: BAD },
      { name: "unknown content-encoding", request: () => ({ ...raw('{"query":"{ __typename }"}')(), headers: { "content-type": "application/json", "content-encoding": "x-evil", ...bearer(keys.write) } }), expect: BAD },
      { name: "PUT /graphql", request: () => ({ ...raw('{"query":"{ __typename }"}')(), method: "PUT" }), expect: { codes: ["BAD_REQUEST"], status: [405, 400] } },
      { name: "PATCH /graphql", request: () => ({ ...raw('{"query":"{ __typename }"}')(), method: "PATCH" }), expect: { codes: ["BAD_REQUEST"], status: [405, 400] } },
      { name: "DELETE /graphql", request: () => ({ method: "DELETE", path: "/graphql", headers: bearer(keys.write) }), expect: { codes: ["BAD_REQUEST"], status: [405, 400] } },
      { name: "GET query without the CSRF preflight header", request: get("/graphql?query=%7B__typename%7D"), expect: BAD_REQUEST },
      { name: "GET with a mutation (deleteModel)", request: get(`/graphql?query=${encodeURIComponent('mutation { deleteModel(name: "fixture", version: 1) }')}`, "write", { "apollo-require-preflight": "1" }), expect: { codes: ["BAD_REQUEST"], status: [405, 400] } },
      { name: "GET with variables that are not JSON", request: get("/graphql?query=%7B__typename%7D&variables=%7Bnope", "write", { "apollo-require-preflight": "1" }), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
    ] satisfies Case[];
  });

  group("batched arrays", () => [
    { name: "two queries in an array", request: raw(JSON.stringify([{ query: "{ __typename }" }, { query: "{ __typename }" }])), expect: BAD_REQUEST },
    { name: "one createModel in an array", request: raw(JSON.stringify([{ query: CREATE, variables: { input: { name: "victim" } } }])), expect: BAD_REQUEST },
    { name: "1,000 createModels in an array", request: raw(JSON.stringify(Array.from({ length: 1000 }, () => ({ query: CREATE, variables: { input: { name: "victim" } } })))), expect: BAD_REQUEST },
    { name: "nested arrays of operations", request: raw(JSON.stringify([[{ query: "{ __typename }" }]])), expect: BAD_REQUEST },
    { name: "array of nulls", request: raw("[null,null]"), expect: BAD_REQUEST },
    { name: "two createModels in one operation", request: gql(`mutation { a: createModel(input: { name: "victim" }) { version } b: createModel(input: { name: "victim2" }) { version } }`), expect: INVALID },
  ]);

  // ---------------------------------------------------------------- wrong types for every argument

  group("wrong argument types", () => {
    const cases: Case[] = [];
    const wrong: Record<string, unknown[]> = {
      "String!": [5, true, { a: 1 }, ["x"], null],
      String: [5, 1.5, { a: 1 }, ["x"]],
      "Int!": ["1", 1.5, true, { a: 1 }, [1], null],
      Int: ["1", 1.5, { a: 1 }, "NaN"],
      SortDirection: ["UP", "desc", 5, { a: 1 }],
    };
    const ops: { op: string; doc: string; base: Record<string, unknown>; args: Record<string, string> }[] = [
      {
        op: "model",
        doc: `query($name: String!, $version: Int!, $project: String) { model(name: $name, version: $version, project: $project) { version } }`,
        base: { name: "fixture", version: 1 },
        args: { name: "String!", version: "Int!", project: "String" },
      },
      {
        op: "models",
        doc: `query($name: String!, $sortKey: String, $direction: SortDirection, $project: String, $first: Int, $after: String) { models(name: $name, sortKey: $sortKey, direction: $direction, project: $project, first: $first, after: $after) { totalCount } }`,
        base: { name: "fixture" },
        args: { name: "String!", sortKey: "String", direction: "SortDirection", project: "String", first: "Int", after: "String" },
      },
      {
        op: "bestModel",
        doc: `query($name: String!, $metric: String!, $direction: SortDirection, $project: String) { bestModel(name: $name, metric: $metric, direction: $direction, project: $project) { version } }`,
        base: { name: "fixture", metric: "acc" },
        args: { name: "String!", metric: "String!", direction: "SortDirection", project: "String" },
      },
      {
        op: "deleteModel",
        doc: `mutation($name: String!, $version: Int!, $project: String) { deleteModel(name: $name, version: $version, project: $project) }`,
        base: { name: "victim", version: 1 },
        args: { name: "String!", version: "Int!", project: "String" },
      },
    ];
    for (const { op, doc, base, args } of ops) {
      for (const [arg, type] of Object.entries(args)) {
        for (const value of wrong[type]!) {
          cases.push({ name: `${op}(${arg}: ${JSON.stringify(value)}) for ${type}`, request: gql(doc, { ...base, [arg]: value }), expect: BAD });
        }
      }
    }
    const inputWrong: Record<string, unknown[]> = {
      name: [5, true, { a: 1 }, ["victim"], null],
      version: ["1", 1.5, { a: 1 }, [1], true],
      project: [5, { a: 1 }, ["team-a"]],
      description: [5, { a: 1 }, ["x"]],
      framework: ["JAX", "sklearn", 5],
      metrics: ["x", [{ key: 1, value: 1 }], [{ key: "a", value: "x" }], [{ key: "a" }], [null], [{ key: "a", value: 1, extra: 1 }]],
      signature: ["x", { inputs: [] }, { inputs: "x", outputs: [] }, { inputs: [{ type: 5 }], outputs: [] }, { inputs: [{ type: "double", shape: ["1"] }], outputs: [] }],
      tags: [[1], "x", 5, true],
      files: ["x", [{ path: "a" }], [{ path: "a", file: "not an upload" }], [{ path: 5, file: null }]],
      overwrite: ["yes", 1, { a: 1 }],
    };
    for (const [field, values] of Object.entries(inputWrong)) {
      for (const value of values) {
        cases.push({ name: `createModel(input.${field}: ${JSON.stringify(value)})`, request: create({ name: "victim", [field]: value }), expect: BAD });
      }
    }
    cases.push(
      { name: "createModel(input: null)", request: create(null), expect: BAD },
      { name: "createModel(input: string)", request: create("victim"), expect: BAD },
      { name: "createModel(input: [])", request: create([]), expect: BAD },
      { name: "createModel(input: 5)", request: create(5), expect: BAD },
      { name: "createModel without its input variable", request: gql(CREATE, {}), expect: BAD },
      { name: "createModel with an unknown input field", request: create({ name: "victim", evil: 1 }), expect: BAD },
      { name: "createModel with input.__proto__", request: createRaw('{"name":"victim","__proto__":{"overwrite":true,"polluted":true}}'), expect: BAD },
      // Inline literals of the wrong type are refused by validation.
      { name: "literal model(name: 5)", request: gql(`{ model(name: 5, version: 1) { version } }`), expect: INVALID },
      { name: "literal model(version: \"1\")", request: gql(`{ model(name: "fixture", version: "1") { version } }`), expect: INVALID },
      { name: "literal models(first: \"10\")", request: gql(`{ models(name: "fixture", first: "10") { totalCount } }`), expect: INVALID },
      { name: "literal models(direction: \"DESC\") as a string", request: gql(`{ models(name: "fixture", direction: "DESC") { totalCount } }`), expect: INVALID },
      { name: "literal bestModel(metric: null)", request: gql(`{ bestModel(name: "fixture", metric: null) { version } }`), expect: INVALID },
      { name: "literal deleteModel(name: [\"victim\"])", request: gql(`mutation { deleteModel(name: ["victim"], version: 1) }`), expect: INVALID },
      { name: "literal createModel(input: { name: {} })", request: gql(`mutation { createModel(input: { name: {} }) { version } }`), expect: INVALID },
      { name: "literal createModel(input: { tags: [1] })", request: gql(`mutation { createModel(input: { name: "victim", tags: [1] }) { version } }`), expect: INVALID_OR_BAD },
      { name: "variable declared with another type than the argument", request: gql(`query($v: String!) { model(name: "fixture", version: $v) { version } }`, { v: "1" }), expect: INVALID },
      { name: "duplicate argument", request: gql(`{ model(name: "fixture", version: 1, version: 2) { version } }`), expect: INVALID },
      { name: "unknown argument", request: gql(`{ model(name: "fixture", version: 1, evil: true) { version } }`), expect: INVALID },
      { name: "1,000 unused variables", request: gql(`query(${Array.from({ length: 1000 }, (_, i) => `$v${i}: Int`).join(", ")}) { __typename }`), expect: INVALID },
    );
    return cases;
  });

  // ---------------------------------------------------------------- versions and first

  group("versions and page sizes", () => {
    const cases: Case[] = [];
    const versions: unknown[] = [0, -1, 2 ** 31, 2 ** 53, 1.5, "1"];
    for (const v of versions) {
      cases.push(
        { name: `model(version: ${JSON.stringify(v)}) as a variable`, request: gql(`query($v: Int!) { model(name: "fixture", version: $v) { version } }`, { v }), expect: BAD },
        { name: `createModel(version: ${JSON.stringify(v)})`, request: create({ name: "victim", version: v }), expect: BAD },
        { name: `deleteModel(version: ${JSON.stringify(v)})`, request: gql(`mutation($v: Int!) { deleteModel(name: "fixture", version: $v) }`, { v }), expect: BAD },
      );
    }
    cases.push(
      { name: "literal model(version: 0)", request: gql(`{ model(name: "fixture", version: 0) { version } }`), expect: BAD },
      { name: "literal model(version: -1)", request: gql(`{ model(name: "fixture", version: -1) { version } }`), expect: BAD },
      { name: "literal model(version: 2147483648)", request: gql(`{ model(name: "fixture", version: 2147483648) { version } }`), expect: INVALID },
      { name: "literal model(version: 9007199254740992)", request: gql(`{ model(name: "fixture", version: 9007199254740992) { version } }`), expect: INVALID },
      { name: "literal model(version: 1.5)", request: gql(`{ model(name: "fixture", version: 1.5) { version } }`), expect: INVALID },
      { name: "raw JSON version 1e400", request: createRaw('{"name":"victim","version":1e400}'), expect: BAD },
      { name: "raw JSON version -0", request: createRaw('{"name":"victim","version":-0}'), expect: BAD },
      { name: "deleteModel of the largest valid version (absent)", request: gql(`mutation { deleteModel(name: "fixture", version: 2147483647) }`), expect: bad("NOT_FOUND") },
      { name: "createModel at 2^31-1 of an existing version, no overwrite", request: create({ name: "fixture", version: 1, metrics: [{ key: "acc", value: 0.1 }] }), expect: bad("ALREADY_EXISTS") },
    );
    const firsts: [unknown, Expect][] = [
      [0, { codes: ["BAD_USER_INPUT"], success: true }],
      [-1, BAD],
      [501, BAD],
      [2 ** 31, BAD],
      [2 ** 53, BAD],
      [1.5, BAD],
      ["10", BAD],
      [-(2 ** 31), BAD],
    ];
    for (const [first, expectation] of firsts) {
      cases.push({ name: `models(first: ${JSON.stringify(first)})`, request: gql(`query($f: Int) { models(name: "fixture", first: $f) { totalCount nodes { version } } }`, { f: first }), expect: expectation });
    }
    cases.push({ name: "literal models(first: 2147483648)", request: gql(`{ models(name: "fixture", first: 2147483648) { totalCount } }`), expect: INVALID });
    return cases;
  });

  // ---------------------------------------------------------------- cursors

  group("invalid cursors", () => {
    const list = (after: string, args = `name: "fixture"`, who: Who = "write") =>
      gql(`query($a: String) { models(${args}, after: $a) { nodes { name version } } }`, { a: after }, who);
    const body = (p: string, rest = '"j":"team-a","n":"fixture","k":null,"d":"DESC"') => b64(`{${rest},"p":${p}}`);
    return [
      { name: "garbage", request: list("!!!not a cursor!!!"), expect: BAD },
      { name: "valid base64 of garbage", request: list(b64("hello, world")), expect: BAD },
      { name: "valid base64 of garbage JSON", request: list(b64('{"n":"fixture",')), expect: BAD },
      { name: "base64 of null", request: list(b64("null")), expect: BAD },
      { name: "base64 of an array", request: list(b64("[1,2,3]")), expect: BAD },
      { name: "base64 of {}", request: list(b64("{}")), expect: BAD },
      { name: "a cursor whose version is NaN", request: list(body('{"phase":"version","version":NaN}')), expect: BAD },
      { name: "a cursor whose metric value is NaN", request: list(body('{"phase":"metric","version":1,"value":NaN}', '"j":"team-a","n":"fixture","k":"acc","d":"DESC"'), `name: "fixture", sortKey: "acc"`), expect: BAD },
      { name: "a cursor whose metric value is 1e400", request: list(body('{"phase":"metric","version":1,"value":1e400}', '"j":"team-a","n":"fixture","k":"acc","d":"DESC"'), `name: "fixture", sortKey: "acc"`), expect: BAD },
      { name: "a cursor whose metric value is a string", request: list(body('{"phase":"metric","version":1,"value":"0.5"}', '"j":"team-a","n":"fixture","k":"acc","d":"DESC"'), `name: "fixture", sortKey: "acc"`), expect: BAD },
      { name: "a cursor whose version is 1.5", request: list(body('{"phase":"version","version":1.5}')), expect: BAD },
      { name: "a cursor whose version is 1e20", request: list(body('{"phase":"version","version":1e20}')), expect: { codes: ["BAD_USER_INPUT"], success: true } },
      { name: "a cursor whose version is negative", request: list(body('{"phase":"version","version":-5}')), expect: { codes: ["BAD_USER_INPUT"], success: true } },
      { name: "a cursor with an unknown phase", request: list(body('{"phase":"evil","version":1}')), expect: BAD },
      { name: "a cursor with __proto__ as its position", request: list(b64('{"j":"team-a","n":"fixture","k":null,"d":"DESC","__proto__":{"p":{"phase":"version","version":1}}}')), expect: BAD },
      { name: "a cursor from another model name", request: () => list(cursors.other)(), expect: BAD },
      { name: "a cursor from another sort key", request: () => list(cursors.acc)(), expect: BAD },
      { name: "a cursor from another direction", request: () => list(cursors.asc)(), expect: BAD },
      { name: "a version cursor used for a metric sort", request: () => list(cursors.version, `name: "fixture", sortKey: "acc"`)(), expect: BAD },
      { name: "a cursor used from another project", request: () => list(cursors.version, `name: "fixture", project: "team-b"`, "writeB")(), expect: BAD },
      { name: "a 4,000-character cursor", request: list("A".repeat(4000)), expect: BAD },
      { name: "a 1 MB cursor", request: list("A".repeat(1_000_000)), expect: BAD },
      { name: "a cursor with base64 padding and slashes", request: list("eyJuIjoiZml4dHVyZSJ9/+=="), expect: BAD },
      { name: "a cursor with a NUL byte", request: list("abc\u0000def"), expect: BAD },
      {
        name: "a cursor whose sort key is an injection attempt, with the same sortKey",
        request: list(b64(`{"j":"team-a","n":"fixture","k":"acc' OR 1=1 --","d":"DESC","p":{"phase":"missing","version":2}}`), `name: "fixture", sortKey: "acc' OR 1=1 --"`),
        expect: { codes: ["BAD_USER_INPUT"], success: true, check: (r) => void (r.json.data && expect(r.json.data.models.nodes.every((n: any) => n.name === "fixture")).toBe(true)) },
      },
    ] satisfies Case[];
  });

  // ---------------------------------------------------------------- sizes

  group("huge strings and oversized values", () => {
    const kb10 = "n".repeat(10_000);
    const mb2 = "n".repeat(2_000_000);
    const deepArray = (n: number) => "[".repeat(n) + "]".repeat(n);
    return [
      { name: "10 kB model name", request: create({ name: kb10 }), expect: BAD },
      { name: "2 MB model name", request: create({ name: mb2 }), expect: BAD },
      { name: "2 MB model name as an inline literal", request: gql(`mutation { createModel(input: { name: "${mb2}" }) { version } }`), expect: BAD },
      { name: "3 MB model name (over the body limit)", request: create({ name: "n".repeat(3_000_000) }), expect: { codes: ["PAYLOAD_TOO_LARGE"], status: [413] } },
      { name: "10 kB project name", request: create({ name: "victim", project: kb10 }), expect: BAD },
      { name: "10 kB metric key", request: create({ name: "victim", metrics: [{ key: kb10, value: 1 }] }), expect: BAD },
      { name: "1,001 metrics", request: create({ name: "victim", metrics: Array.from({ length: 1001 }, (_, i) => ({ key: `m${i}`, value: i })) }), expect: BAD },
      { name: "description one over the limit", request: create({ name: "victim", description: "d".repeat(65_537) }), expect: BAD },
      { name: "1.9 MB description", request: create({ name: "victim", description: "d".repeat(1_900_000) }), expect: BAD },
      { name: "70 kB tag value", request: create({ name: "victim", tags: { blob: "t".repeat(70_000) } }), expect: BAD },
      { name: "100 kB tag key", request: create({ name: "victim", tags: { ["k".repeat(100_000)]: 1 } }), expect: BAD },
      { name: "10,000 tags", request: create({ name: "victim", tags: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`t${i}`, i])) }), expect: BAD },
      { name: "inputExample just over the limit", request: create({ name: "victim", inputExample: { data: "x".repeat(MAX_INPUT_EXAMPLE) } }), expect: BAD },
      { name: "1.5 MB inputExample", request: create({ name: "victim", inputExample: "x".repeat(1_500_000) }), expect: BAD },
      { name: "inputExample of 100,000 small numbers", request: create({ name: "victim", inputExample: Array.from({ length: 100_000 }, () => 1) }), expect: BAD },
      {
        name: "inputExample nested 5,000 deep (10 kB)",
        request: createRaw(`{"name":"victim","inputExample":${deepArray(5_000)}}`),
        expect: BAD,
      },
      {
        name: "inputExample nested 100,000 deep",
        request: createRaw(`{"name":"victim","inputExample":${deepArray(100_000)}}`),
        expect: BAD,
      },
      {
        name: "tags with a value nested 100,000 deep",
        request: createRaw(`{"name":"victim","tags":{"a":${deepArray(100_000)}}}`),
        expect: BAD,
      },
      { name: "signature with 10,001 fields", request: create({ name: "victim", signature: { inputs: Array.from({ length: 10_001 }, () => ({ type: "double" })), outputs: [] } }), expect: BAD },
      { name: "signature field type of 100 kB", request: create({ name: "victim", signature: { inputs: [{ type: "t".repeat(100_000) }], outputs: [] } }), expect: BAD },
      { name: "signature shape of 10,000 dimensions", request: create({ name: "victim", signature: { inputs: [{ type: "float32", shape: Array.from({ length: 10_000 }, () => 1) }], outputs: [] } }), expect: BAD },
      { name: "models(name: 10 kB)", request: gql(`query($n: String!) { models(name: $n) { totalCount } }`, { n: kb10 }), expect: BAD },
      { name: "model(name: 2 MB)", request: gql(`query($n: String!) { model(name: $n, version: 1) { version } }`, { n: mb2 }), expect: BAD },
      { name: "deleteModel(name: 2 MB)", request: gql(`mutation($n: String!) { deleteModel(name: $n, version: 1) }`, { n: mb2 }), expect: BAD },
      {
        name: "models(sortKey: 1 MB) (an unknown key sorts by nothing)",
        request: gql(`query($k: String) { models(name: "fixture", sortKey: $k) { nodes { version } } }`, { k: "k".repeat(1_000_000) }),
        expect: { codes: ["BAD_USER_INPUT"], success: true },
      },
      {
        name: "bestModel(metric: 1 MB)",
        request: gql(`query($k: String!) { bestModel(name: "fixture", metric: $k) { version } }`, { k: "k".repeat(1_000_000) }),
        expect: { codes: ["BAD_USER_INPUT"], success: true, check: (r) => void (r.json.data && expect(r.json.data.bestModel).toBeNull()) },
      },
      { name: "Model.metric(key: 1 MB)", request: gql(`query($k: String!) { model(name: "fixture", version: 1) { metric(key: $k) } }`, { k: "k".repeat(1_000_000) }), expect: { codes: ["BAD_USER_INPUT"], success: true } },
      { name: "createProject(name: 2 MB) with a write key", request: gql(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: mb2 }), expect: bad("FORBIDDEN", "BAD_USER_INPUT") },
    ] satisfies Case[];
  });

  // ---------------------------------------------------------------- numbers

  group("non-finite and extreme metric values", () => {
    const metric = (valueText: string, name = "victim", extra = "") => createRaw(`{"name":"${name}"${extra},"metrics":[{"key":"acc","value":${valueText}}]}`);
    // Legal floats go to fixture@1 without overwrite, so the request fails after full validation.
    const legal = (valueText: string) => metric(valueText, "fixture", ',"version":1');
    return [
      { name: "raw NaN", request: metric("NaN"), expect: BAD },
      { name: "raw Infinity", request: metric("Infinity"), expect: BAD },
      { name: "raw -Infinity", request: metric("-Infinity"), expect: BAD },
      { name: "raw +1", request: metric("+1"), expect: BAD },
      { name: "raw .5", request: metric(".5"), expect: BAD },
      { name: "raw 0x10", request: metric("0x10"), expect: BAD },
      { name: "raw 1e400 (Infinity after parsing)", request: metric("1e400"), expect: BAD },
      { name: "raw -1e400", request: metric("-1e400"), expect: BAD },
      { name: "string \"NaN\"", request: metric('"NaN"'), expect: BAD },
      { name: "string \"Infinity\"", request: metric('"Infinity"'), expect: BAD },
      { name: "null value", request: metric("null"), expect: BAD },
      { name: "literal 1e400", request: gql(`mutation { createModel(input: { name: "victim", metrics: [{ key: "acc", value: 1e400 }] }) { version } }`), expect: INVALID_OR_BAD },
      { name: "literal -1e400", request: gql(`mutation { createModel(input: { name: "victim", metrics: [{ key: "acc", value: -1e400 }] }) { version } }`), expect: INVALID_OR_BAD },
      { name: "literal NaN (an enum value)", request: gql(`mutation { createModel(input: { name: "victim", metrics: [{ key: "acc", value: NaN }] }) { version } }`), expect: INVALID },
      { name: "literal Infinity", request: gql(`mutation { createModel(input: { name: "victim", metrics: [{ key: "acc", value: Infinity }] }) { version } }`), expect: INVALID },
      { name: "denormal 5e-324 (legal; version taken)", request: legal("5e-324"), expect: bad("ALREADY_EXISTS") },
      { name: "denormal 2.2250738585072e-310 (legal; version taken)", request: legal("2.2250738585072e-310"), expect: bad("ALREADY_EXISTS") },
      { name: "1e-400 underflows to 0 (legal; version taken)", request: legal("1e-400"), expect: bad("ALREADY_EXISTS") },
      { name: "-0 (legal; version taken)", request: legal("-0"), expect: bad("ALREADY_EXISTS") },
      { name: "largest double (legal; version taken)", request: legal("1.7976931348623157e308"), expect: bad("ALREADY_EXISTS") },
      { name: "a second metric NaN after a valid one", request: createRaw('{"name":"victim","metrics":[{"key":"a","value":1},{"key":"b","value":NaN}]}'), expect: BAD },
      {
        name: "fixture@1 keeps its metric after the numeric attacks",
        request: gql(`{ model(name: "fixture", version: 1) { metrics { key value } } }`),
        expect: { success: true, check: (r) => expect(r.json.data.model.metrics).toEqual([{ key: "acc", value: 0.5 }]) },
      },
    ] satisfies Case[];
  });

  // ---------------------------------------------------------------- unicode and control characters

  group("unicode lookalikes and control characters", () => {
    const strange: [string, string][] = [
      ["Cyrillic а", "vіctіm-\u0430"],
      ["all-Cyrillic lookalike", "\u0432\u0456\u0441\u0442\u0456m"],
      ["full-width", "\uFF56\uFF49\uFF43\uFF54\uFF49\uFF4D"],
      ["zero-width joiner", "vic\u200Dtim"],
      ["zero-width space", "vic\u200Btim"],
      ["RTL override U+202E", "vic\u202Etim"],
      ["combining acute", "victim\u0301"],
      ["NUL", "victim\u0000"],
      ["newline", "victim\nx"],
      ["carriage return", "victim\r"],
      ["tab", "vic\ttim"],
      ["DEL", "victim\u007f"],
      ["NEL U+0085", "victim\u0085"],
      ["line separator U+2028", "victim\u2028"],
      ["BOM", "\uFEFFvictim"],
      ["trailing space", "victim "],
      ["emoji", "victim\u{1F480}"],
      ["lone surrogate", "victim\uD800"],
      ["SQL quote", "victim' OR '1'='1"],
      ["path", "../victim"],
    ];
    const cases: Case[] = [];
    for (const [what, s] of strange) {
      cases.push(
        { name: `model name with ${what}`, request: create({ name: s }), expect: BAD },
        { name: `project name with ${what}`, request: create({ name: "victim", project: s }), expect: BAD },
        { name: `metric key with ${what}`, request: create({ name: "victim", metrics: [{ key: s, value: 1 }] }), expect: BAD },
      );
    }
    cases.push(
      { name: "models(name) with RTL override", request: gql(`query($n: String!) { models(name: $n) { totalCount } }`, { n: "fixture\u202E" }), expect: BAD },
      { name: "model(project) with full-width letters", request: gql(`query($p: String) { model(name: "fixture", version: 1, project: $p) { version } }`, { p: "\uFF54eam-a" }), expect: BAD },
      { name: "deleteModel(name) with a Cyrillic а", request: gql(`mutation($n: String!) { deleteModel(name: $n, version: 1) }`, { n: "fixture-\u0430" }), expect: BAD },
      { name: "bestModel(project) with NUL", request: gql(`query($p: String) { bestModel(name: "fixture", metric: "acc", project: $p) { version } }`, { p: "team-a\u0000" }), expect: BAD },
      { name: "createProject with a zero-width joiner (admin key)", request: () => gqlRequest(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: "team\u200D-a" }, keys.admin), expect: BAD },
    );
    return cases;
  });

  // ---------------------------------------------------------------- strings storage cannot hold

  group("NUL, control characters and lone surrogates in every string argument", () => {
    const ESC = "ci\u001b[1A\u001b[2K\u001b[31mhidden";
    const admin = (query: string, variables: Record<string, unknown>) => gql(query, variables, "admin");
    const versions = (want: number[]) => (r: Reply) => void (r.json.data && expect(r.json.data.models.nodes.map((n: any) => n.version)).toEqual(want));
    const LIST = `query($k: String, $a: String) { models(name: "fixture", sortKey: $k, after: $a) { nodes { version } } }`;
    const BEST = `query($m: String!) { bestModel(name: "fixture", metric: $m) { version } }`;
    const KEY = `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`;
    const REVOKE = `mutation($id: String!) { revokeApiKey(id: $id) { id } }`;
    const NOT_FOUND: Expect = { codes: ["NOT_FOUND"], status: [404] };
    const BAD_PATH: Expect = { codes: ["BAD_USER_INPUT"], status: [400] };
    const cases: Case[] = [
      { name: "models(sortKey) with NUL", request: gql(LIST, { k: "a\u0000b" }), expect: BAD },
      { name: "models(sortKey) with a lone surrogate", request: gql(LIST, { k: "acc\uD800" }), expect: BAD },
      { name: "models(sortKey) with an escape sequence sorts by nothing", request: gql(LIST, { k: ESC }), expect: { success: true, check: versions([2, 1]) } },
      { name: "models(after) with NUL", request: gql(LIST, { a: "\u0000" }), expect: BAD },
      { name: "bestModel(metric) that is only NUL", request: gql(BEST, { m: "\u0000" }), expect: BAD },
      { name: "bestModel(metric) with a lone low surrogate", request: gql(BEST, { m: "\uDC00acc" }), expect: BAD },
      { name: "bestModel(metric) with an escape sequence is null", request: gql(BEST, { m: ESC }), expect: { success: true, check: (r) => expect(r.json.data.bestModel).toBeNull() } },
      { name: "model(name) with NUL", request: gql(`query($n: String!) { model(name: $n, version: 1) { version } }`, { n: "fixture\u0000" }), expect: BAD },
      { name: "deleteModel(project) with NUL", request: gql(`mutation($p: String) { deleteModel(name: "fixture", version: 1, project: $p) }`, { p: "\u0000" }), expect: BAD },
      { name: "description with NUL", request: create({ name: "victim", description: "a\u0000b" }), expect: BAD },
      { name: "description with an escape sequence", request: create({ name: "victim", description: `x${ESC}` }), expect: BAD },
      { name: "description with a C1 CSI", request: create({ name: "victim", description: "x\u009b31m" }), expect: BAD },
      { name: "description with a lone surrogate", request: create({ name: "victim", description: "x\uD83D" }), expect: BAD },
      { name: "description with tabs and line breaks (legal)", request: create({ name: "victim", description: "line 1\r\n\tline 2\n" }), expect: { success: true } },
      { name: "tag key with NUL", request: create({ name: "victim", tags: { "a\u0000": 1 } }), expect: BAD },
      { name: "tag key with an escape sequence", request: create({ name: "victim", tags: { [ESC]: 1 } }), expect: BAD },
      { name: "tag value with NUL", request: create({ name: "victim", tags: { a: "x\u0000y" } }), expect: BAD },
      { name: "NUL deep inside a tag value", request: create({ name: "victim", tags: { a: { b: [1, { c: "\u0000" }] } } }), expect: BAD },
      { name: "NUL in a nested tag key", request: create({ name: "victim", tags: { a: { "\u0000": 1 } } }), expect: BAD },
      { name: "tag value with a lone surrogate", request: create({ name: "victim", tags: { a: "\uDFFF" } }), expect: BAD },
      { name: "tag value with an escape sequence (data, legal)", request: create({ name: "victim", tags: { a: ESC } }), expect: { success: true } },
      { name: "inputExample string with NUL", request: create({ name: "victim", inputExample: "\u0000" }), expect: BAD },
      { name: "inputExample key with NUL", request: create({ name: "victim", inputExample: [{ "col\u0000": 1 }] }), expect: BAD },
      { name: "inputExample with a lone surrogate", request: create({ name: "victim", inputExample: ["ok", "\uD800"] }), expect: BAD },
      { name: "signature field name with NUL", request: create({ name: "victim", signature: { inputs: [{ name: "x\u0000", type: "double" }], outputs: [] } }), expect: BAD },
      { name: "signature field name with an escape sequence", request: create({ name: "victim", signature: { inputs: [{ name: ESC, type: "double" }], outputs: [] } }), expect: BAD },
      { name: "signature field name with a lone surrogate", request: create({ name: "victim", signature: { inputs: [], outputs: [{ name: "\uD800", type: "double" }] } }), expect: BAD },
      { name: "signature field type with NUL", request: create({ name: "victim", signature: { inputs: [{ type: "double\u0000" }], outputs: [] } }), expect: BAD },
      { name: "file path with a lone surrogate", request: upload({ name: "victim" }, [[`${MARK}\uD800.bin`, "x"]]), expect: BAD },
      { name: "file path with a bidi override", request: upload({ name: "victim" }, [[`${MARK}\u202Etxt.exe`, "x"]]), expect: BAD },
      { name: "createProject with NUL (admin key)", request: admin(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: "a\u0000b" }), expect: BAD },
      { name: "createProject with an escape sequence (admin key)", request: admin(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: ESC }), expect: BAD },
      { name: "createApiKey name with NUL", request: admin(KEY, { i: { name: "a\u0000b", grants: [{ project: "team-a", role: "READ" }] } }), expect: BAD },
      { name: "createApiKey name with terminal escapes", request: admin(KEY, { i: { name: ESC, grants: [{ project: "team-a", role: "READ" }] } }), expect: BAD },
      { name: "createApiKey name with a C1 CSI", request: admin(KEY, { i: { name: "ci\u009b2J", grants: [{ project: "team-a", role: "READ" }] } }), expect: BAD },
      { name: "createApiKey name with an RTL override", request: admin(KEY, { i: { name: "ci\u202Eyek", grants: [{ project: "team-a", role: "READ" }] } }), expect: BAD },
      { name: "createApiKey name with a lone surrogate", request: admin(KEY, { i: { name: "ci\uD800", grants: [{ project: "team-a", role: "READ" }] } }), expect: BAD },
      { name: "createApiKey name with a newline", request: admin(KEY, { i: { name: "ci\nadmin", grants: [{ project: "team-a", role: "READ" }] } }), expect: BAD },
      { name: "createApiKey grant project with NUL", request: admin(KEY, { i: { name: "ci", grants: [{ project: "team-a\u0000", role: "READ" }] } }), expect: BAD },
      { name: "revokeApiKey(id) with NUL", request: admin(REVOKE, { id: "a\u0000b" }), expect: BAD },
      { name: "revokeApiKey(id) with a lone surrogate", request: admin(REVOKE, { id: "\uD800" }), expect: BAD },
      { name: "revokeApiKey(id) with an escape sequence is absent", request: admin(REVOKE, { id: ESC }), expect: bad("NOT_FOUND") },
      { name: "revokeApiKey(id) of 100 kB is absent", request: admin(REVOKE, { id: "k".repeat(100_000) }), expect: bad("NOT_FOUND") },
      { name: "GET /files/…/%00", request: get("/files/team-a/fixture/1/%00"), expect: BAD_PATH },
      { name: "GET /files/…/dir%00/x.txt", request: get("/files/team-a/fixture/1/dir%00/x.txt"), expect: BAD_PATH },
      { name: "GET /files/%00/…", request: get("/files/%00/fixture/1/w.bin"), expect: BAD_PATH },
      { name: "GET /files/… with an escape sequence is absent", request: get("/files/team-a/fixture/1/%1B%5B2Jw.bin"), expect: NOT_FOUND },
      { name: "GET /files/… with a UTF-8-encoded surrogate", request: get("/files/team-a/fixture/1/%ED%A0%80"), expect: { codes: ["BAD_USER_INPUT", "NOT_FOUND"], status: [400, 404] } },
      { name: "GET /files/… with a DEL", request: get("/files/team-a/fixture/1/w.bin%7F"), expect: NOT_FOUND },
      { name: "GET /archives/…%00", request: get("/archives/team-a/fixture%00/1"), expect: BAD_PATH },
      { name: "GET /archives/%00/…", request: get("/archives/%00/fixture/1"), expect: BAD_PATH },
    ];
    return cases;
  });

  // ---------------------------------------------------------------- file paths

  group("path traversal in uploaded file paths", () => {
    const refused = [
      `../${MARK}`, `../../../../${MARK}`, `..\\${MARK}`, `..\\..\\${MARK}`, `/etc/passwd`, `/tmp/${MARK}`, `C:\\${MARK}`, `c:/${MARK}`, `C:${MARK}`,
      `\\\\server\\share\\${MARK}`, `//server/share/${MARK}`, `a\u0000/../${MARK}`, `${MARK}\u0000.txt`, `dir/.`, `dir/./${MARK}`, `a/../../${MARK}`,
      `./${MARK}`, `dir/..`, "..", ".", "", `dir//${MARK}`, `dir/`, `${MARK}\n`, `${"s".repeat(256)}`, `${"d/".repeat(600)}${MARK}`,
    ];
    const literal = [`%2e%2e%2f${MARK}`, `%252e%252e%252f${MARK}`, `..%2f${MARK}`, `\uFF0E\uFF0E/${MARK}`, `~/${MARK}`, `...${MARK}`];
    const cases: Case[] = refused.map((p) => ({
      name: `path ${JSON.stringify(p.length > 60 ? `${p.slice(0, 60)}…` : p)} is refused before any byte is stored`,
      request: upload({ name: "victim" }, [["good.bin", "fine-bytes"], [p, "x".repeat(1000)]]),
      expect: BAD,
    }));
    for (const p of literal) {
      // Legal names that only look like traversal: stored as the literal string, served back by it.
      cases.push({
        name: `path ${JSON.stringify(p)} is a literal name, never a filesystem path`,
        request: () => {
          const req = uploadRequest({ name: "victim" }, [[p, `literal:${p}`]], keys.write);
          const body = (req.body as Buffer).toString().replace("{ version }", "{ files { path downloadUrl } }");
          return { ...req, body };
        },
        expect: {
          codes: ["BAD_USER_INPUT"],
          success: true,
          check: async (r) => {
            if (!r.json.data) return;
            const [file] = r.json.data.createModel.files;
            expect(file.path).toBe(p.normalize("NFC"));
            const url = new URL(file.downloadUrl);
            const download = await own(get(url.pathname)());
            expect(download.status, summary(download)).toBe(200);
            expect(download.text).toBe(`literal:${p}`);
          },
        },
      });
    }
    cases.push(
      { name: "the same path twice in one upload", request: upload({ name: "victim" }, [["w.bin", "a"], ["w.bin", "b"]]), expect: BAD },
      { name: "the same path twice after NFC normalisation", request: upload({ name: "victim" }, [["caf\u00e9.txt", "a"], ["cafe\u0301.txt", "b"]]), expect: BAD },
      { name: "a directory and a file with the same name", request: upload({ name: "victim" }, [["a", "x"], ["a/b", "y"]]), expect: { codes: ["BAD_USER_INPUT"], success: true } },
      { name: "21 files (over maxFiles)", request: upload({ name: "victim" }, Array.from({ length: 21 }, (_, i) => [`f${i}`, "x"] as const)), expect: bad("PAYLOAD_TOO_LARGE", "BAD_USER_INPUT") },
      { name: "one file over maxFileSize after a good one", request: upload({ name: "victim" }, [["good.bin", "fine"], ["big.bin", Buffer.alloc(MAX_FILE + 1, 1)]]), expect: { codes: ["PAYLOAD_TOO_LARGE"], status: [413] } },
    );
    return cases;
  });

  // ---------------------------------------------------------------- multipart

  group("malformed multipart requests", () => {
    const ops = (files: unknown[] = [{ path: "w", file: null }], name = "victim") => JSON.stringify({ query: CREATE, variables: { input: { name, files } } });
    const map0 = JSON.stringify({ 0: ["variables.input.files.0.file"] });
    const filePart = (name = "0", value: string | Buffer = "x", filename = "w"): Part => ({ name, value, filename });
    const mp = (parts: Part[], options: Parameters<typeof multipartRequest>[2] = {}) => () => multipartRequest(parts, keys.write, options);
    const map10k = JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [String(i), [`variables.input.files.${i}.file`]])));
    const MISSING_FILES = bad("BAD_USER_INPUT", "PAYLOAD_TOO_LARGE");
    return [
      { name: "map names a file part that never comes", request: mp([{ name: "operations", value: ops() }, { name: "map", value: map0 }]), expect: BAD },
      { name: "a file part without a map entry", request: mp([{ name: "operations", value: ops() }, { name: "map", value: "{}" }, filePart()]), expect: BAD },
      { name: "map entry pointing at input.name", request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":["variables.input.name"]}' }, filePart()]), expect: BAD },
      { name: "map entry pointing at a missing variable", request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":["variables.nothing.here"]}' }, filePart()]), expect: BAD },
      { name: "map entry with an out-of-range index", request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":["variables.input.files.7.file"]}' }, filePart()]), expect: BAD },
      { name: "map entry into __proto__", request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":["variables.__proto__.polluted"]}' }, filePart()]), expect: BAD },
      { name: "map entry into constructor.prototype", request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":["variables.constructor.prototype.polluted"]}' }, filePart()]), expect: BAD },
      { name: "map entry outside variables (query)", request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":["query"]}' }, filePart()]), expect: bad("BAD_USER_INPUT", "BAD_REQUEST") },
      { name: "map value that is a string", request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":"variables.input.files.0.file"}' }, filePart()]), expect: BAD },
      { name: "map value that is an empty array", request: mp([{ name: "operations", value: ops() }, { name: "map", value: '{"0":[]}' }, filePart()]), expect: BAD },
      { name: "map that is not JSON", request: mp([{ name: "operations", value: ops() }, { name: "map", value: "[[[" }, filePart()]), expect: BAD },
      { name: "map with 10,000 entries", request: mp([{ name: "operations", value: ops() }, { name: "map", value: map10k }, filePart()]), expect: MISSING_FILES },
      { name: "map with 10,000 entries matching 10,000 declared files", request: mp([{ name: "operations", value: ops(Array.from({ length: 10_000 }, (_, i) => ({ path: `f${i}`, file: null }))) }, { name: "map", value: map10k }, filePart()]), expect: MISSING_FILES },
      { name: "one upload mapped to two files", request: mp([{ name: "operations", value: ops([{ path: "a", file: null }, { path: "b", file: null }]) }, { name: "map", value: '{"0":["variables.input.files.0.file","variables.input.files.1.file"]}' }, filePart()]), expect: BAD },
      { name: "operations field missing", request: mp([{ name: "map", value: map0 }, filePart()]), expect: BAD },
      { name: "only operations, no map", request: mp([{ name: "operations", value: ops() }]), expect: BAD },
      { name: "a file part before operations", request: mp([filePart(), { name: "operations", value: ops() }, { name: "map", value: map0 }]), expect: BAD },
      { name: "operations that are not JSON", request: mp([{ name: "operations", value: "{nope" }, { name: "map", value: map0 }, filePart()]), expect: BAD },
      { name: "operations that are JSON null", request: mp([{ name: "operations", value: "null" }, { name: "map", value: map0 }, filePart()]), expect: BAD },
      { name: "operations that are a batch", request: mp([{ name: "operations", value: `[${ops()}]` }, { name: "map", value: '{"0":["0.variables.input.files.0.file"]}' }, filePart()]), expect: bad("BAD_REQUEST", "BAD_USER_INPUT") },
      { name: "content-type multipart without a boundary", request: mp([{ name: "operations", value: ops() }], { contentType: "multipart/form-data" }), expect: BAD },
      {
        name: "wrong boundary in the content-type",
        request: mp([{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart()], { headerBoundary: "not-the-boundary" }),
        expect: { ...BAD, status: [400] },
      },
      {
        name: "a body that is not multipart at all",
        request: () => ({ ...multipartRequest([], keys.write), body: "hello, world" }),
        expect: { ...BAD, status: [400] },
      },
      {
        name: "an empty multipart body (closing boundary only)",
        request: mp([]),
        expect: { ...BAD, status: [400] },
      },
      {
        name: "truncated multipart: no closing boundary",
        request: mp([{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart("0", "xxxxx")], { close: false }),
        expect: BAD,
      },
      {
        name: "truncated multipart: cut in the middle of the file part",
        request: mp([{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart("0", "y".repeat(5000))], { mutate: (b) => b.subarray(0, b.length - 2000) }),
        expect: BAD,
      },
      {
        name: "truncated multipart: cut inside the map",
        request: mp([{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart()], { mutate: (b) => b.subarray(0, b.indexOf(Buffer.from("variables.input.files.0"))) }),
        expect: { ...BAD, status: [400] },
      },
      { name: "a valid upload without the CSRF preflight header", request: mp([{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart()], { preflight: false }), expect: BAD_REQUEST },
      { name: "file part whose filename is a traversal, next to an oversized file", request: mp([{ name: "operations", value: ops([{ path: "a", file: null }, { path: "b", file: null }]) }, { name: "map", value: '{"0":["variables.input.files.0.file"],"1":["variables.input.files.1.file"]}' }, filePart("0", "x", `../../${MARK}`), filePart("1", Buffer.alloc(MAX_FILE + 10, 2), `..\\..\\${MARK}`)]), expect: { codes: ["PAYLOAD_TOO_LARGE"], status: [413] } },
      { name: "file part whose field name is a traversal", request: mp([{ name: "operations", value: ops() }, { name: "map", value: JSON.stringify({ [`../../${MARK}`]: ["variables.input.files.0.file"] }) }, filePart(`../../${MARK}`, "x", `/tmp/${MARK}`), { name: "extra", value: "x" }]), expect: { codes: ["BAD_USER_INPUT", "FORBIDDEN"], success: true } },
      { name: "a second operations field", request: mp([{ name: "operations", value: ops() }, { name: "operations", value: ops() }, { name: "map", value: map0 }, filePart()]), expect: BAD },
      { name: "multipart with a read key (no bytes may be staged)", request: () => multipartRequest([{ name: "operations", value: ops() }, { name: "map", value: map0 }, filePart("0", "r".repeat(30_000))], keys.read), expect: bad("FORBIDDEN") },
    ] satisfies Case[];
  });

  // ---------------------------------------------------------------- multipart map paths (issue 7, items 1 and 2)

  group("multipart map paths that do not reach an Upload", () => {
    // A file may only go where the operation declares an Upload: anything else is
    // refused (400) before a value is written. The sparse-array shapes once blocked
    // the event loop for ~35 s and killed the process with ~600 bytes.
    const input = (extra: Record<string, unknown> = {}) => ({ name: "victim", files: [{ path: "w", file: null }], inputExample: [], tags: { x: null, list: [] }, ...extra });
    const mapped = (map: unknown, options: { variables?: Record<string, unknown>; query?: string; parts?: string[]; who?: Who } = {}) => () =>
      multipartRequest(
        [
          { name: "operations", value: JSON.stringify({ query: options.query ?? CREATE, variables: options.variables ?? { input: input() } }) },
          { name: "map", value: typeof map === "string" ? map : JSON.stringify(map) },
          ...(options.parts ?? ["0"]).map((name): Part => ({ name, value: "mapped-bytes", filename: "f" })),
        ],
        tokenOf(options.who ?? "write"),
      );
    const at = (path: string, options?: Parameters<typeof mapped>[1]) => mapped({ 0: [path] }, options);
    const REFUSED: Expect = { codes: ["BAD_USER_INPUT"], status: [400] };
    const cases: Case[] = [
      { name: "the 600-byte request: a file at inputExample.200000000", request: at("variables.input.inputExample.200000000"), expect: REFUSED },
      { name: "a file at tags.list.200000000", request: at("variables.input.tags.list.200000000"), expect: REFUSED },
      { name: "a file at the largest array index of inputExample", request: at("variables.input.inputExample.4294967294"), expect: REFUSED },
      { name: "a file at files.200000000.file", request: at("variables.input.files.200000000.file"), expect: REFUSED },
      { name: "a file at files.20.file (maxFiles)", request: at("variables.input.files.20.file"), expect: REFUSED },
      { name: "a file as a tag value (item 2)", request: at("variables.input.tags.x"), expect: REFUSED },
      { name: "a file as the whole tags object", request: at("variables.input.tags"), expect: REFUSED },
      { name: "a file as the whole inputExample", request: at("variables.input.inputExample"), expect: REFUSED },
      { name: "a file at inputExample.0", request: at("variables.input.inputExample.0"), expect: REFUSED },
      { name: "a file as the model's description", request: at("variables.input.description"), expect: REFUSED },
      { name: "a file as the overwrite flag", request: at("variables.input.overwrite"), expect: REFUSED },
      { name: "a file as a signature field's type", request: at("variables.input.signature.inputs.0.type", { variables: { input: input({ signature: { inputs: [{ type: null }], outputs: [] } }) } }), expect: REFUSED },
      { name: "a file below the Upload slot", request: at("variables.input.files.0.file.evil"), expect: REFUSED },
      { name: "a file into an undeclared variable", request: at("variables.evil"), expect: REFUSED },
      { name: "a file into a declared JSON variable", request: at("variables.extra", { query: "mutation($input: CreateModelInput!, $extra: JSON) { createModel(input: $input) { version } }", variables: { input: input(), extra: null } }), expect: REFUSED },
      { name: "a file into a declared String variable", request: at("variables.s", { query: "mutation($input: CreateModelInput!, $s: String) { createModel(input: $input) { version } }", variables: { input: input(), s: null } }), expect: REFUSED },
      { name: "a file for a declared but unused Upload variable", request: at("variables.f", { query: "mutation($f: Upload) { __typename }", variables: { f: null } }), expect: INVALID },
      { name: "the same file mapped twice", request: mapped({ 0: ["variables.input.files.0.file", "variables.input.files.1.file"] }, { variables: { input: input({ files: [{ path: "a", file: null }, { path: "b", file: null }] }) } }), expect: REFUSED },
      { name: "two files mapped to one path", request: mapped({ 0: ["variables.input.files.0.file"], 1: ["variables.input.files.0.file"] }, { parts: ["0", "1"] }), expect: REFUSED },
      { name: "a file part the map does not name, first", request: mapped({ 0: ["variables.input.files.0.file"] }, { parts: ["1", "0"] }), expect: BAD },
      { name: "the mapped file part sent twice", request: mapped({ 0: ["variables.input.files.0.file"] }, { parts: ["0", "0"] }), expect: BAD },
      { name: "a map key with no file part", request: mapped({ 9: ["variables.input.files.0.file"] }), expect: BAD },
      { name: "a map key named operations", request: mapped({ operations: ["variables.input.files.0.file"] }, { parts: ["operations"] }), expect: REFUSED },
      { name: "a map that is an array", request: mapped([["variables.input.files.0.file"]]), expect: REFUSED },
      { name: "a map that is a string", request: mapped('"variables.input.files.0.file"'), expect: REFUSED },
      { name: "a map that is null", request: mapped("null"), expect: REFUSED },
      { name: "a map that is a number", request: mapped("7"), expect: REFUSED },
      { name: "a 500 kB path", request: at(`variables.input.files.0.file${".a".repeat(250_000)}`), expect: REFUSED },
      { name: "a path of 10,000 segments", request: at(`variables.input${".files.0".repeat(5_000)}`), expect: REFUSED },
      { name: "the sparse shape with a read key", request: at("variables.input.inputExample.200000000", { who: "read" }), expect: bad("BAD_USER_INPUT", "FORBIDDEN") },
    ];
    const indices = ["01", "00", "1e3", "1e0", "-1", "-0", " 0", "0 ", "+0", "0x0", "0.0", "0.", "\u0660", "\uff10", "Infinity", "NaN", ""];
    for (const index of indices) {
      cases.push({ name: `files index ${JSON.stringify(index)} (not canonical)`, request: at(`variables.input.files.${index}.file`), expect: REFUSED });
    }
    for (const path of ["variables.__proto__.polluted", "variables.input.__proto__.file", "variables.input.tags.__proto__", "variables.input.files.constructor", "variables.input.constructor.prototype.polluted", "variables.input.files.0.prototype"]) {
      cases.push({ name: `object internals: ${path}`, request: at(path), expect: REFUSED });
    }
    return cases;
  });

  // ---------------------------------------------------------------- download and archive URLs

  group("download and archive URLs", () => {
    const NOT_FOUND: Expect = { codes: ["NOT_FOUND"], status: [404] };
    const BAD_PATH: Expect = { codes: ["BAD_USER_INPUT"], status: [400] };
    const F = "/files/team-a/fixture/1";
    return [
      { name: "..%2F..%2Fetc%2Fpasswd", request: get(`${F}/..%2F..%2Fetc%2Fpasswd`), expect: NOT_FOUND },
      { name: "raw ../../../../etc/passwd", request: get(`${F}/../../../../etc/passwd`), expect: NOT_FOUND },
      { name: "%2e%2e/%2e%2e/etc/passwd", request: get(`${F}/%2e%2e/%2e%2e/etc/passwd`), expect: NOT_FOUND },
      { name: "double-encoded %252e%252e%252f", request: get(`${F}/%252e%252e%252f%252e%252e%252fetc%252fpasswd`), expect: NOT_FOUND },
      { name: "..%5C..%5C backslashes", request: get(`${F}/..%5C..%5Cetc%5Cpasswd`), expect: NOT_FOUND },
      { name: "empty segment then /etc/passwd", request: get(`${F}//etc/passwd`), expect: NOT_FOUND },
      { name: "%2Fetc%2Fpasswd (absolute)", request: get(`${F}/%2Fetc%2Fpasswd`), expect: NOT_FOUND },
      { name: "C:%5CWindows%5Cwin.ini", request: get(`${F}/C:%5CWindows%5Cwin.ini`), expect: NOT_FOUND },
      { name: "UNC %5C%5Cserver%5Cshare", request: get(`${F}/%5C%5Cserver%5Cshare%5C${MARK}`), expect: NOT_FOUND },
      { name: "NUL after the name", request: get(`${F}/w.bin%00`), expect: BAD_PATH },
      { name: "NUL and extension", request: get(`${F}/w.bin%00.txt`), expect: BAD_PATH },
      { name: "trailing /.", request: get(`${F}/w.bin/.`), expect: NOT_FOUND },
      { name: "dir/./x.txt", request: get(`${F}/dir/./x.txt`), expect: { ...NOT_FOUND, status: [404, 200], plain: true } },
      { name: "dir/../w.bin stays inside the version", request: get(`${F}/dir/../w.bin`), expect: { codes: ["NOT_FOUND"], status: [404, 200], plain: true, check: (r) => void (r.status === 200 && expect(r.body.equals(W)).toBe(true)) } },
      { name: "a/../../b", request: get(`${F}/a/../../${MARK}`), expect: NOT_FOUND },
      { name: "overlong UTF-8 dots %C0%AE%C0%AE%2F", request: get(`${F}/%C0%AE%C0%AE%2Fetc%2Fpasswd`), expect: { codes: ["BAD_USER_INPUT", "NOT_FOUND"], status: [400, 404] } },
      { name: "malformed percent-encoding %", request: get(`${F}/%`), expect: BAD_PATH },
      { name: "malformed percent-encoding %E0%A4%A", request: get(`${F}/%E0%A4%A`), expect: BAD_PATH },
      { name: "encoded slash in the project: ..%2Fteam-b", request: get(`/files/..%2Fteam-b/secret/1/w.bin`), expect: BAD_PATH },
      { name: "encoded slash in the project: team-a%2F..%2Fteam-b", request: get(`/files/team-a%2F..%2Fteam-b/secret/1/w.bin`), expect: BAD_PATH },
      { name: "encoded slash in the name: fix%2Fture", request: get(`/files/team-a/fix%2Fture/1/w.bin`), expect: BAD_PATH },
      { name: "traversal as the name: ..%2F..%2Fetc", request: get(`/files/team-a/..%2F..%2Fetc/1/passwd`), expect: BAD_PATH },
      { name: "dot-dot project and name", request: get(`/files/%2e%2e/%2e%2e/1/etc/passwd`), expect: BAD_PATH },
      { name: "NUL in the name", request: get(`/files/team-a/fixture%00/1/w.bin`), expect: BAD_PATH },
      { name: "version 0", request: get(`/files/team-a/fixture/0/w.bin`), expect: BAD_PATH },
      { name: "version -1", request: get(`/files/team-a/fixture/-1/w.bin`), expect: BAD_PATH },
      { name: "version 2^31", request: get(`/files/team-a/fixture/2147483648/w.bin`), expect: BAD_PATH },
      { name: "version 2^53", request: get(`/files/team-a/fixture/9007199254740992/w.bin`), expect: BAD_PATH },
      { name: "version 1.5", request: get(`/files/team-a/fixture/1.5/w.bin`), expect: BAD_PATH },
      { name: "version 1e0", request: get(`/files/team-a/fixture/1e0/w.bin`), expect: BAD_PATH },
      { name: "version %31 (an encoded 1)", request: get(`/files/team-a/fixture/%31/w.bin`), expect: { ...BAD_PATH, status: [400, 200], plain: true, check: (r) => void (r.status === 200 && expect(r.body.equals(W)).toBe(true)) } },
      { name: "another project's file with a team-a key", request: get(`/files/team-b/secret/1/w.bin`), expect: { codes: ["FORBIDDEN"], status: [403] } },
      { name: "no path after the version", request: get(`${F}`), expect: NOT_FOUND },
      { name: "empty path after the version", request: get(`${F}/`), expect: NOT_FOUND },
      { name: "an 8 kB path", request: get(`${F}/${"a/".repeat(4000)}${MARK}`), expect: { codes: ["NOT_FOUND", "BAD_USER_INPUT"], status: [404, 400, 414, 431], plain: true } },
      { name: "a 100 kB URL (over Node's header limit)", request: get(`${F}/${"a".repeat(100_000)}`), expect: { status: [431, 414], plain: true } },
      { name: "query string traversal is ignored", request: get(`${W_URL}?path=../../etc/passwd`), expect: WHOLE },
      { name: "HEAD of a traversal", request: get(`${F}/..%2F..%2Fetc%2Fpasswd`, "write", {}, "HEAD"), expect: { status: [404], plain: true } },
      { name: "POST to a download URL", request: () => ({ ...get(W_URL)(), method: "POST", body: "x" }), expect: NOT_FOUND },
      { name: "DELETE of a download URL", request: get(W_URL, "write", {}, "DELETE"), expect: NOT_FOUND },
      { name: "archive: version ..%2F..%2Fetc", request: get(`/archives/team-a/fixture/..%2F..%2Fetc`), expect: BAD_PATH },
      { name: "archive: project ..%2F..%2Fetc", request: get(`/archives/..%2F..%2Fetc/passwd/1`), expect: BAD_PATH },
      { name: "archive: extra raw ../ segments", request: get(`/archives/team-a/fixture/1/../../${MARK}`), expect: NOT_FOUND },
      { name: "archive: version 0", request: get(`/archives/team-a/fixture/0`), expect: BAD_PATH },
      { name: "archive: absent version", request: get(`/archives/team-a/fixture/99`), expect: NOT_FOUND },
      { name: "archive: NUL as the name", request: get(`/archives/team-a/%00/1`), expect: BAD_PATH },
      { name: "archive: encoded slash in the name", request: get(`/archives/team-a/fixture%2F..%2F..%2Fx/1`), expect: BAD_PATH },
      { name: "archive: another project's version", request: get(`/archives/team-b/secret/1`), expect: { codes: ["FORBIDDEN"], status: [403] } },
      { name: "archive: no key", request: get(`/archives/team-a/fixture/1`, null), expect: { codes: ["UNAUTHENTICATED"], status: [401] } },
      { name: "archive: revoked key", request: get(`/archives/team-a/fixture/1`, "revoked"), expect: { codes: ["UNAUTHENTICATED"], status: [401] } },
      { name: "archive with a Range header", request: get(`/archives/team-a/fixture/1`, "write", { range: "bytes=0-10" }), expect: { status: [200, 206, 416], plain: true } },
      { name: "a download URL that is all dot-dots", request: get(`/files/../../etc/passwd`), expect: { codes: ["NOT_FOUND", "BAD_USER_INPUT"], status: [404, 400] } },
      { name: "a route that does not exist", request: get(`/etc/passwd`), expect: NOT_FOUND },
      { name: "a path with a semicolon parameter", request: get(`${W_URL};jsessionid=../../x`), expect: NOT_FOUND },
    ] satisfies Case[];
  });

  group("Range header abuse", () => {
    const r = (range: string, extra: Record<string, string> = {}) => get(W_URL, "write", { range, ...extra });
    return [
      { name: "bytes=-0", request: r("bytes=-0"), expect: RANGE },
      { name: "bytes=99999999999-", request: r("bytes=99999999999-"), expect: { ...RANGE, status: [416] } },
      { name: "bytes=5-1 (last before first)", request: r("bytes=5-1"), expect: RANGE },
      { name: "multiple ranges", request: r("bytes=0-1,5-6"), expect: RANGE },
      { name: "garbage", request: r("bytes=abc"), expect: RANGE },
      { name: "not bytes", request: r("items=0-5"), expect: RANGE },
      { name: "bytes= (empty)", request: r("bytes="), expect: RANGE },
      { name: "bytes=- (no numbers)", request: r("bytes=-"), expect: RANGE },
      { name: "bytes=0-0", request: r("bytes=0-0"), expect: exactRange(0, 0) },
      { name: "bytes=-5 (suffix)", request: r("bytes=-5"), expect: exactRange(95, 99) },
      { name: "bytes=0-<20 digits>", request: r("bytes=0-99999999999999999999"), expect: exactRange(0, 99) },
      { name: "bytes=<23 digits>-", request: r("bytes=99999999999999999999999-"), expect: { ...RANGE, status: [416] } },
      { name: "bytes=-<11 digits> (suffix longer than the file)", request: r("bytes=-99999999999"), expect: exactRange(0, 99) },
      { name: "hex numbers", request: r("bytes=0x10-0x20"), expect: RANGE },
      { name: "bytes=1-2-3", request: r("bytes=1-2-3"), expect: RANGE },
      { name: "bytes=--5", request: r("bytes=--5"), expect: RANGE },
      { name: "negative start bytes=-5-10", request: r("bytes=-5-10"), expect: RANGE },
      { name: "1,000 ranges in one header", request: r(`bytes=${Array.from({ length: 1000 }, (_, i) => `${i % 100}-${i % 100}`).join(",")}`), expect: RANGE },
      { name: "If-Range that does not match", request: r("bytes=0-5", { "if-range": '"not-the-etag"' }), expect: WHOLE },
      { name: "If-Range that matches", request: r("bytes=10-19", { "if-range": `"${W_SHA}"` }), expect: exactRange(10, 19) },
      { name: "If-None-Match of 10 kB", request: get(W_URL, "write", { "if-none-match": `"${"x".repeat(10_000)}"` }), expect: WHOLE },
      { name: "range on an empty file", request: get("/files/team-a/fixture/1/empty.bin", "write", { range: "bytes=0-0" }), expect: { status: [200, 416], plain: true, check: (reply) => rangeCheck(reply, 0, Buffer.alloc(0)) } },
      { name: "suffix range on an empty file", request: get("/files/team-a/fixture/1/empty.bin", "write", { range: "bytes=-1" }), expect: { status: [200, 416], plain: true, check: (reply) => rangeCheck(reply, 0, Buffer.alloc(0)) } },
    ] satisfies Case[];
  });

  // ---------------------------------------------------------------- query shapes

  group("abusive query shapes", () => {
    const nest = (depth: number, leaf: string, field = "a") => {
      let q = leaf;
      for (let i = 0; i < depth; i++) q = `${field} { ${q} }`;
      return q;
    };
    const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(" ");
    return [
      { name: "depth 50 of unknown fields", request: gql(`{ models(name: "fixture") { nodes { ${nest(50, "x")} } } }`), expect: INVALID },
      { name: "depth 50 of __type ofType", request: gql(`{ __type(name: "Model") { fields { type { ${nest(50, "name", "ofType")} } } } }`), expect: INVALID },
      { name: "depth 50 of introspection fields under __schema", request: gql(`{ __schema { types { ${nest(25, "name", "fields { type")}${" }".repeat(25)} } } }`.replace(/fields \{ type \{/g, "fields { type {")), expect: bad("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED") },
      {
        name: "introspection fragment chain (fields/type x 8)",
        request: gql(`{ __schema { types { ...F0 } } } ${many(8, (i) => `fragment F${i} on __Type { name fields { type { ...F${i + 1} } } ofType { ...F${i + 1} } }`)} fragment F8 on __Type { name }`),
        expect: INVALID,
      },
      { name: "ofType nested 50 deep under __schema (bounded by the schema)", request: gql(`{ __schema { types { ${nest(50, "name", "ofType")} } } }`), expect: { codes: ["GRAPHQL_VALIDATION_FAILED"], success: true, check: (r) => expect(r.body.length).toBeLessThan(5_000_000) } },
      { name: "3,000 __typename fields", request: gql(`{ ${many(3000, () => "__typename")} }`), expect: { codes: ["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"], success: true } },
      { name: "6,000 __typename fields (over the token limit)", request: gql(`{ ${many(6000, () => "__typename")} }`), expect: PARSE },
      { name: "1,500 repeated model fields", request: gql(`{ models(name: "fixture", first: 500) { nodes { ${many(1500, (i) => ["name", "version", "description", "tags", "sizeBytes"][i % 5]!)} } } }`), expect: { codes: ["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"], success: true } },
      // graphql-armor allow-lists __typename aliases: they cost nothing.
      { name: "300 aliases of __typename", request: gql(`{ ${many(300, (i) => `a${i}: __typename`)} }`), expect: { codes: ["GRAPHQL_VALIDATION_FAILED"], success: true } },
      { name: "300 aliases of __type", request: gql(`{ ${many(300, (i) => `a${i}: __type(name: "Model") { fields { name } }`)} }`), expect: INVALID },
      { name: "300 aliases of __schema", request: gql(`{ ${many(300, (i) => `a${i}: __schema { types { name } }`)} }`), expect: INVALID },
      { name: "500 aliased model listings", request: gql(`{ ${many(500, (i) => `a${i}: models(name: "fixture", first: 500) { totalCount }`)} }`), expect: bad("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED") },
      { name: "200 aliased deleteModels", request: gql(`mutation { ${many(200, (i) => `d${i}: deleteModel(name: "fixture", version: 1)`)} }`), expect: bad("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED") },
      { name: "aliases with conflicting arguments", request: gql(`{ a: model(name: "fixture", version: 1) { version } a: model(name: "fixture", version: 2) { version } }`), expect: INVALID },
      { name: "200 @skip directives on one field", request: gql(`{ __typename ${many(200, () => "@skip(if: false)")} }`), expect: INVALID },
      { name: "1,000 @include directives (over the token limit)", request: gql(`{ __typename ${many(1000, () => "@include(if: true)")} }`), expect: PARSE },
      { name: "60 unknown directives", request: gql(`{ __typename ${many(60, (i) => `@evil${i}`)} }`), expect: INVALID },
      { name: "directive on the operation and variables", request: gql(`query($v: Int @skip(if: true)) @include(if: true) { __typename }`), expect: INVALID },
      { name: "fragment cycle A→B→A", request: gql(`query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }`), expect: INVALID },
      { name: "self-referencing fragment", request: gql(`query { ...A } fragment A on Query { __typename ...A }`), expect: INVALID },
      { name: "fragment cycle through a model field", request: gql(`{ model(name: "fixture", version: 1) { ...M } } fragment M on Model { name ...N } fragment N on Model { version ...M }`), expect: INVALID },
      { name: "spread of an undefined fragment", request: gql(`{ ...Nope }`), expect: INVALID },
      { name: "fragment on a type that does not exist", request: gql(`{ ...F } fragment F on Evil { x }`), expect: INVALID },
      { name: "a 1 MB operation name that is not selected", request: () => postJson({ query: `query ${"Q".repeat(1_000_000)} { __typename }`, operationName: "Other" }, keys.write), expect: bad("OPERATION_RESOLUTION_FAILURE", "BAD_REQUEST") },
      { name: "two anonymous operations", request: gql(`{ __typename } { __typename }`), expect: INVALID },
      { name: "two operations, no operationName", request: gql(`query A { __typename } query B { __typename }`), expect: bad("OPERATION_RESOLUTION_FAILURE", "BAD_REQUEST", "GRAPHQL_VALIDATION_FAILED") },
      {
        name: "a subscription (the schema has none)",
        request: gql(`subscription { models(name: "fixture") { totalCount } }`),
        expect: bad("GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST"),
      },
      { name: "10,000 opening braces", request: gql("{".repeat(10_000)), expect: PARSE },
      { name: "a lone string token", request: gql(`"""${"x".repeat(100_000)}`), expect: PARSE },
      { name: "a schema definition as the query", request: gql(`type Query { evil: String } schema { query: Query }`), expect: INVALID },
      { name: "a 1 MB string argument to __type", request: gql(`query($n: String!) { __type(name: $n) { name } }`, { n: "T".repeat(1_000_000) }), expect: { codes: ["BAD_USER_INPUT"], success: true } },
    ] satisfies Case[];
  });

  // ---------------------------------------------------------------- authorization

  group("Authorization header variants", () => {
    const flip = (token: string, at: number) => token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
    const q = (authorization: string | string[] | undefined): RawRequest => ({
      method: "POST",
      path: "/graphql",
      headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
      body: JSON.stringify({ query: `{ models(name: "fixture") { totalCount } }` }),
    });
    const UNAUTH: Expect = { codes: ["UNAUTHENTICATED"], status: [401] };
    const FORBID: Expect = { codes: ["FORBIDDEN"] };
    return [
      { name: "missing", request: q(undefined), expect: UNAUTH },
      { name: "empty", request: q(""), expect: UNAUTH },
      { name: "just Bearer", request: q("Bearer"), expect: UNAUTH },
      { name: "Bearer and a space", request: q("Bearer "), expect: UNAUTH },
      { name: "lowercase bearer x", request: q("bearer x"), expect: UNAUTH },
      { name: "Basic credentials", request: q(`Basic ${Buffer.from("admin:admin").toString("base64")}`), expect: UNAUTH },
      { name: "the key without a scheme", request: () => q(keys.write), expect: UNAUTH },
      { name: "one character of the secret changed", request: () => q(`Bearer ${flip(keys.write, keys.write.length - 5)}`), expect: UNAUTH },
      { name: "one character of the id changed", request: () => q(`Bearer ${flip(keys.write, 6)}`), expect: UNAUTH },
      { name: "the key missing its last character", request: () => q(`Bearer ${keys.write.slice(0, -1)}`), expect: UNAUTH },
      { name: "the key with a character appended", request: () => q(`Bearer ${keys.write}x`), expect: UNAUTH },
      { name: "the key twice", request: () => q(`Bearer ${keys.write} ${keys.write}`), expect: UNAUTH },
      { name: "the key with a trailing space", request: () => q(`Bearer ${keys.write} `), expect: { codes: ["UNAUTHENTICATED"], status: [401, 200], success: true } },
      { name: "a revoked key", request: () => q(`Bearer ${keys.revoked}`), expect: UNAUTH },
      { name: "a well-formed key that was never issued", request: () => q(`Bearer ${generateKey().token}`), expect: UNAUTH },
      { name: "SQL in the key id", request: q(`Bearer hmr_' OR 1=1 --_${"a".repeat(43)}`), expect: UNAUTH },
      { name: "latin-1 characters in the key", request: q(`Bearer hmr_\u00fc\u00fc\u00fc`), expect: UNAUTH },
      { name: "two Authorization headers, a bad one first", request: () => q(["Bearer garbage", `Bearer ${keys.write}`]), expect: UNAUTH },
      { name: "a 20 kB Authorization header", request: q(`Bearer ${"k".repeat(20_000)}`), expect: { status: [431, 401], plain: true, codes: ["UNAUTHENTICATED"] } },
      { name: "the key in the query string only", request: () => ({ ...q(undefined), path: `/graphql?access_token=${keys.write}` }), expect: UNAUTH },
      { name: "download without a key", request: get(W_URL, null), expect: UNAUTH },
      { name: "download with a revoked key", request: get(W_URL, "revoked"), expect: UNAUTH },
      { name: "download with a key with one character changed", request: () => get(W_URL, { token: flip(keys.write, keys.write.length - 3) })(), expect: UNAUTH },
      { name: "team-b key reads team-a's model", request: () => gqlRequest(`{ model(name: "fixture", version: 1, project: "team-a") { version } }`, undefined, keys.writeB), expect: FORBID },
      { name: "team-b key lists team-a's models", request: () => gqlRequest(`{ models(name: "fixture", project: "team-a") { totalCount } }`, undefined, keys.writeB), expect: FORBID },
      { name: "team-b key creates in team-a", request: () => gqlRequest(CREATE, { input: { name: "victim", project: "team-a" } }, keys.writeB), expect: FORBID },
      { name: "team-b key deletes team-a's model", request: () => gqlRequest(`mutation { deleteModel(name: "fixture", version: 1, project: "team-a") }`, undefined, keys.writeB), expect: FORBID },
      { name: "team-b key downloads team-a's file", request: get(W_URL, "writeB"), expect: { codes: ["FORBIDDEN"], status: [403] } },
      { name: "team-b key uploads into team-a", request: upload({ name: "victim", project: "team-a" }, [["w.bin", "b-into-a"]], "writeB"), expect: FORBID },
      { name: "write key creates a project", request: gql(`mutation { createProject(name: "evil") { name } }`), expect: FORBID },
      { name: "write key mints a key for its project", request: gql(`mutation { createApiKey(input: { name: "x", grants: [{ project: "team-a", role: ADMIN }] }) { secret } }`), expect: FORBID },
      { name: "write key mints a key for every project", request: gql(`mutation { createApiKey(input: { name: "x", grants: [{ project: "*", role: ADMIN }] }) { secret } }`), expect: FORBID },
      { name: "write key revokes the admin key", request: () => gqlRequest(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id: adminKey.id }, keys.write), expect: bad("NOT_FOUND", "FORBIDDEN") },
    ] satisfies Case[];
  });

  group("keys in URLs and forged client addresses", () => {
    const UNAUTH: Expect = { codes: ["UNAUTHENTICATED"], status: [401] };
    const at = (target: () => string, headers: () => Record<string, string> = () => ({})) => (): RawRequest => ({
      method: "POST",
      path: target(),
      headers: { "content-type": "application/json", ...headers() },
      body: JSON.stringify({ query: `{ models(name: "fixture") { totalCount } }` }),
    });
    return [
      { name: "?api_key=<key>", request: at(() => `/graphql?api_key=${keys.write}`), expect: UNAUTH },
      { name: "?apikey=<key> with the underscore encoded", request: at(() => `/graphql?apikey=${keys.write.replace("_", "%5F")}`), expect: UNAUTH },
      { name: "?key=<key> repeated", request: at(() => `/graphql?key=${keys.write}&key=${keys.read}`), expect: UNAUTH },
      { name: "#access_token=<key>", request: at(() => `/graphql#access_token=${keys.write}`), expect: UNAUTH },
      { name: "a download with ?token=<key>", request: () => ({ ...get(W_URL, null)(), path: `${W_URL}?token=${keys.read}` }), expect: UNAUTH },
      { name: "a bad key with a forged X-Forwarded-For", request: at(() => "/graphql", () => ({ authorization: "Bearer nope", "x-forwarded-for": "10.9.8.7" })), expect: UNAUTH },
      { name: "a valid key with a forged X-Forwarded-For", request: at(() => "/graphql", () => ({ ...bearer(keys.read), "x-forwarded-for": "203.0.113.1, 127.0.0.1" })), expect: { success: true, status: [200] } },
    ] satisfies Case[];
  });

  group("a read key tries every mutation", () => {
    const R = (query: string, variables?: Record<string, unknown>) => () => gqlRequest(query, variables, keys.read);
    const FORBID = bad("FORBIDDEN");
    return [
      { name: "createModel", request: R(`mutation { createModel(input: { name: "victim" }) { version } }`), expect: FORBID },
      { name: "createModel with overwrite of an existing version", request: R(`mutation { createModel(input: { name: "fixture", version: 1, overwrite: true }) { version } }`), expect: FORBID },
      { name: "createModel in another project", request: R(`mutation { createModel(input: { name: "victim", project: "team-b" }) { version } }`), expect: FORBID },
      { name: "createModel upload", request: upload({ name: "victim" }, [["w.bin", "read-key-bytes"]], "read"), expect: FORBID },
      { name: "deleteModel of an existing version", request: R(`mutation { deleteModel(name: "fixture", version: 1) }`), expect: FORBID },
      { name: "deleteModel of an absent version (no existence leak)", request: R(`mutation { deleteModel(name: "victim", version: 1) }`), expect: FORBID },
      { name: "createProject", request: R(`mutation { createProject(name: "evil") { name } }`), expect: FORBID },
      { name: "createApiKey", request: R(`mutation { createApiKey(input: { name: "x", grants: [{ project: "team-a", role: WRITE }] }) { secret } }`), expect: FORBID },
      { name: "revokeApiKey of the write key", request: () => gqlRequest(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id: keyIds.write }, keys.read), expect: bad("NOT_FOUND", "FORBIDDEN") },
      { name: "revokeApiKey of itself", request: () => gqlRequest(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id: keyIds.read }, keys.read), expect: bad("NOT_FOUND", "FORBIDDEN") },
    ] satisfies Case[];
  });

  // ---------------------------------------------------------------- the rate limiter, on its own gateway

  describe("rate limit (its own gateway, 5 requests a minute)", () => {
    test("a flood gets 429 TOO_MANY_REQUESTS with Retry-After; health and other keys are unaffected", async () => {
      const admin = generateKey();
      const limited = await startTestGateway({ backend, config: { adminKey: admin.token, rateLimit: 5 } });
      try {
        const replies: Reply[] = [];
        for (let i = 0; i < 12; i++) {
          const reply = await send(limited.origin, gqlRequest(CREATE, { input: { name: "../victim" } }, admin.token));
          hostileCount++;
          byCode.set(codeOf(reply), (byCode.get(codeOf(reply)) ?? 0) + 1);
          byStatus.set(reply.status, (byStatus.get(reply.status) ?? 0) + 1);
          replies.push(reply);
          expect(reply.status).not.toBe(500);
          expect(leaksIn(reply, [admin.token])).toEqual([]);
        }
        const tooMany = replies.filter((r) => r.status === 429);
        expect(tooMany.length).toBeGreaterThanOrEqual(6);
        for (const r of tooMany) {
          expect(r.json.errors[0].extensions.code).toBe("TOO_MANY_REQUESTS");
          expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
        }
        expect((await send(limited.origin, { path: "/healthz" })).status).toBe(200);
        const unauthenticated = await send(limited.origin, gqlRequest("{ __typename }", undefined, null));
        expect([401, 429]).toContain(unauthenticated.status);
        const allowed = replies.filter((r) => r.status !== 429);
        for (const r of allowed) expect(r.json.errors[0].extensions.code).toBe("BAD_USER_INPUT");
      } finally {
        await limited.close();
      }
    });
  });

  // ---------------------------------------------------------------- the aftermath

  describe("aftermath", () => {
    test("(c) no partial version: victims are empty everywhere, the database holds only the fixtures", async () => {
      expect(await victimCounts()).toEqual(Object.fromEntries(PROJECTS.flatMap((p) => VICTIMS.map((n) => [`${p}/${n}`, 0]))));
      const rows = await gw.query("select f.project, f.name, m.version from models m join families f on f.id = m.family_id order by 1, 2, 3");
      expect(rows).toEqual([
        { project: "team-a", name: "fixture", version: 1 },
        { project: "team-a", name: "fixture", version: 2 },
        { project: "team-a", name: "other", version: 1 },
        { project: "team-b", name: "secret", version: 1 },
      ]);
      expect(await fs.readdir(path.join(gw.blobDir, ".staging"))).toEqual([]);
      expect(await listBlobFiles(gw.blobDir)).toEqual(baselineBlobs);
      const fixture = await own(get(W_URL)());
      expect(fixture.body.equals(W)).toBe(true);
    });

    test("(d) nothing was written outside the data directory, and no attack file name exists anywhere", async () => {
      expect(await snapshotTree(gw.sentinelRoot, [gw.dataDir])).toEqual(outsideBefore);
      // Inside the data directory only the store's own names exist.
      const inside = (await listAll(gw.dataDir)).map((p) => path.relative(gw.dataDir, p));
      const allowed = /^(registry\.sqlite(-wal|-shm|-journal|-reserve)?|blobs|blobs\/\.staging|blobs\/[0-9a-f]{2}|blobs\/[0-9a-f]{2}\/[0-9a-f]{64})$/;
      expect(inside.filter((p) => !allowed.test(p))).toEqual([]);
      // The marker every attack file name carries appears nowhere we can look.
      const places = [os.tmpdir(), process.cwd(), path.dirname(process.cwd()), "/", os.homedir(), path.join(process.cwd(), "test"), path.join(process.cwd(), "gateway")];
      for (const place of places) {
        const names = await fs.readdir(place).catch(() => [] as string[]);
        expect(names.filter((n) => n.includes(MARK) || n === "evil"), place).toEqual([]);
      }
      const newInTmp = (await fs.readdir(os.tmpdir())).filter((n) => !tmpBefore.has(n));
      expect(newInTmp.filter((n) => n.includes(MARK) || ["passwd", "win.ini", "share", "evil"].includes(n))).toEqual([]);
      expect((await listAll(gw.sentinelRoot)).filter((p) => p.includes(MARK))).toEqual([]);
      const passwd = await fs.stat("/etc/passwd").catch(() => null);
      expect(passwd ? `${passwd.size}@${passwd.mtimeMs}` : "absent").toBe(etcPasswdBefore);
      // The gateway runs in this process: no request may have polluted Object.prototype.
      expect(Object.keys(Object.prototype)).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    test(`at least 150 hostile requests were sent`, () => {
      expect(hostileCount).toBeGreaterThanOrEqual(150);
    });
  });
});
