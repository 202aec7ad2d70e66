/**
 * The fast lane (plain JSON POSTs to /graphql answered without express) and the
 * compiled executor (graphql-jit) must answer exactly as the express route and
 * graphql-js do. Four gateways with the same key and data: lane + jit (the default),
 * lane alone, jit alone, and neither; every request of a corpus of ordinary and
 * hostile calls is sent to each several times (compilation starts on a document's
 * third run) and the answers compared: status, body and headers.
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { COMPILE_AFTER_RUNS } from "../gateway/src/graphql/jit-executor.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const admin = generateKey();
const RUNS = COMPILE_AFTER_RUNS + 2;
/** Headers whose values differ per response or per process. */
const VARYING = new Set(["date", "x-request-id", "etag", "keep-alive", "connection"]);

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

interface Call {
  readonly name: string;
  /** JSON text, or the parts of a multipart upload (field name, then text or a file's bytes). */
  readonly body: string | readonly (readonly [string, string | Uint8Array])[];
  readonly headers?: Record<string, string>;
  readonly search?: string;
  /** Whether the error's message may differ (the same code): body-parser's and JSON.parse's wording. */
  readonly codeOnly?: boolean;
}

const json = (query: string, variables?: unknown, operationName?: string) => JSON.stringify({ query, variables, operationName });
const auth = { authorization: `Bearer ${admin.token}` };

const UPLOAD = `mutation($input: CreateModelInput!) { createModel(input: $input) { name version sizeBytes files { path sizeBytes sha256 downloadUrl } } }`;
const uploadOps = (name: string, paths: string[]) =>
  JSON.stringify({
    query: UPLOAD,
    variables: { input: { name, version: 1, overwrite: true, files: paths.map((path) => ({ path, file: null })) } },
  });
const preflight = { "apollo-require-preflight": "true" };
const bytes = (text: string) => new TextEncoder().encode(text);

const CORPUS: Call[] = [
  {
    name: "multipart upload",
    body: [
      ["operations", uploadOps("up", ["a.bin", "b/c.txt"])],
      ["map", JSON.stringify({ 0: ["variables.input.files.0.file"], 1: ["variables.input.files.1.file"] })],
      ["0", bytes("weights")],
      ["1", bytes("config")],
    ],
    headers: preflight,
  },
  {
    name: "multipart without the CSRF preflight header",
    body: [
      ["operations", uploadOps("csrf", ["a"])],
      ["map", JSON.stringify({ 0: ["variables.input.files.0.file"] })],
      ["0", bytes("x")],
    ],
  },
  {
    name: "multipart operations not JSON",
    body: [
      ["operations", "{nope"],
      ["map", "{}"],
    ],
    headers: preflight,
  },
  {
    name: "multipart map naming a missing file",
    body: [
      ["operations", uploadOps("missing", ["a"])],
      ["map", JSON.stringify({ 0: ["variables.input.files.0.file"] })],
    ],
    headers: preflight,
  },
  {
    name: "multipart map planting a file in a scalar",
    body: [
      ["operations", uploadOps("plant", ["a"])],
      ["map", JSON.stringify({ 0: ["variables.input.name"] })],
      ["0", bytes("x")],
    ],
    headers: preflight,
  },
  {
    name: "multipart file the map does not name",
    body: [
      ["operations", uploadOps("extra", ["a"])],
      ["map", JSON.stringify({ 0: ["variables.input.files.0.file"] })],
      ["0", bytes("x")],
      ["9", bytes("y")],
    ],
    headers: preflight,
  },
  { name: "multipart with no parts", body: [], headers: preflight },
  {
    name: "sorted page",
    body: json(
      `{ models(name: "m", sortKey: "acc", first: 3) { totalCount nodes { id version metric(key: "acc") metrics { key value } } pageInfo { hasNextPage endCursor } } }`,
    ),
  },
  {
    name: "every Model field",
    body: json(
      `{ models(name: "m") { nodes { id project name version description framework status sizeBytes createdAt tags signature inputExample archiveUrl metrics { key value } files { path sizeBytes sha256 downloadUrl } } } }`,
    ),
  },
  {
    name: "fragments, aliases, directives",
    body: json(
      `query Q($skip: Boolean!) { a: bestModel(name: "m", metric: "acc") { ...F } b: bestModel(name: "m", metric: "acc", direction: ASC) { ...F version @skip(if: $skip) } } fragment F on Model { name metric(key: "acc") }`,
      { skip: true },
    ),
  },
  {
    name: "variables",
    body: json(`query($n: String!, $v: Int!) { model(name: $n, version: $v) { version description } }`, { n: "m", v: 2 }),
  },
  { name: "absent version is null", body: json(`{ model(name: "m", version: 999) { version } }`) },
  { name: "missing family", body: json(`{ models(name: "nothing-here") { totalCount nodes { version } } }`) },
  { name: "resolver error (first too large)", body: json(`{ models(name: "m", first: 501) { totalCount } }`) },
  {
    name: "resolver error with data beside it",
    body: json(`{ ok: model(name: "m", version: 1) { version } bad: models(name: "m", after: "not-a-cursor") { totalCount } }`),
  },
  { name: "bad name", body: json(`{ model(name: "../etc", version: 1) { version } }`) },
  { name: "wrong variable type", body: json(`query($v: Int!) { model(name: "m", version: $v) { version } }`, { v: "two" }) },
  { name: "missing variable", body: json(`query($v: Int!) { model(name: "m", version: $v) { version } }`) },
  // graphql-jit 0.8 took an array for an input object (as {}: on updateModel, "remove the lineage").
  {
    name: "an array for a nested input object",
    body: json(`mutation($i: UpdateModelInput!) { updateModel(name: "m", version: 1, input: $i) { revision lineage { run { id } } } }`, {
      i: { description: "edited", lineage: [] },
    }),
  },
  {
    name: "an array for an input object",
    body: json(`query($f: ModelFilter) { bestModel(name: "m", metric: "acc", filter: $f) { version } }`, { f: [] }),
  },
  // graphql-jit parsed a scalar's literal without the variables: the filter lost its tag and matched every version.
  {
    name: "a variable inside a JSON literal",
    body: json(`query($run: JSON) { bestModel(name: "m", metric: "acc", filter: { tags: { run: $run } }) { version tags } }`, { run: "0" }),
  },
  // graphql-jit turned a string equal to its NaN marker into NaN, which the name rule took as "NaN".
  {
    name: "a name holding graphql-jit's marker",
    body: json(`{ model(name: "__MAGIC_NAN__57f286b9_4c20_487f_b409_79804ddcb4f8", version: 1) { version } }`),
  },
  // graphql-jit's object literals took a key __proto__ for the prototype: the tag condition, and the aliased field, were lost.
  {
    name: "__proto__ as a JSON literal's key and as an alias",
    body: json(`{ bestModel(name: "m", metric: "acc", filter: { tags: { __proto__: "0" } }) { version __proto__: name } }`),
  },
  { name: "unknown field", body: json(`{ models(name: "m") { nodes { nope } } }`) },
  { name: "syntax error", body: json(`{ models(name: "m") { nodes { version } `) },
  { name: "two operations, none named", body: json(`query A { __typename } query B { __typename }`) },
  {
    name: "operation chosen by name",
    body: json(`query A { __typename } query B { models(name: "m", first: 1) { nodes { version } } }`, undefined, "B"),
  },
  { name: "unknown operation name", body: json(`query A { __typename }`, undefined, "Z") },
  { name: "mutation error", body: json(`mutation { deleteModel(name: "m", version: 999) }`) },
  {
    name: "too costly",
    body: json(
      `{ ${Array.from({ length: 8 }, (_, i) => `p${i}: models(name: "m", first: 500) { nodes { files { path } metrics { key } } }`).join(" ")} }`,
    ),
  },
  { name: "subscription over HTTP", body: json(`subscription { modelEvents { kind } }`) },
  { name: "introspection", body: json(`{ __schema { queryType { name } } }`) },
  { name: "query string on a POST", body: json(`{ __typename }`), search: "?x=1" },
  { name: "malformed JSON", body: `{not json`, codeOnly: true },
  { name: "JSON that is not an object", body: `"a string"`, codeOnly: true },
  { name: "batched array", body: JSON.stringify([{ query: "{ __typename }" }, { query: "{ __typename }" }]) },
  { name: "no query", body: JSON.stringify({ variables: {} }) },
  { name: "a sane request id is echoed", body: json(`{ __typename }`), headers: { "x-request-id": "trace-123" } },
  { name: "no key", body: json(`{ __typename }`), headers: { authorization: "" } },
  { name: "unknown key", body: json(`{ __typename }`), headers: { authorization: `Bearer hmr_${"A".repeat(16)}_${"b".repeat(43)}` } },
  { name: "malformed key", body: json(`{ __typename }`), headers: { authorization: "Bearer nope" } },
  { name: "charset in content-type", body: json(`{ __typename }`), headers: { "content-type": "application/json; charset=UTF-8" } },
  { name: "a UTF-8 byte order mark before the JSON", body: `\ufeff${json(`{ __typename }`)}` },
];

describe("the GraphQL lane and the compiled executor answer as express and graphql-js do", () => {
  const gateways: Record<string, TestGateway> = {};
  const logs: Record<string, Record<string, unknown>[]> = {};
  const VARIANTS = {
    "lane+jit": { graphqlLane: true, graphqlJit: true },
    lane: { graphqlLane: true, graphqlJit: false },
    jit: { graphqlLane: false, graphqlJit: true },
    express: { graphqlLane: false, graphqlJit: false },
  } as const;

  beforeAll(async () => {
    for (const [name, flags] of Object.entries(VARIANTS)) {
      logs[name] = [];
      const sink = new Writable({
        write(chunk, _e, done) {
          logs[name]!.push(JSON.parse(String(chunk)));
          done();
        },
      });
      const gw = await startTestGateway({ config: { adminKey: admin.token, ...flags }, logger: pino({ level: "info" }, sink) });
      gateways[name] = gw;
      for (const [i, acc] of [0.5, 0.9, 0.7, 0.9].entries()) {
        const res = await fetch(gw.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...auth },
          body: json(
            `mutation($d: String) { createModel(input: { name: "m", description: $d, metrics: [{ key: "acc", value: ${acc} }, { key: "loss", value: ${i} }], tags: { run: "${i}" } }) { version } }`,
            {
              d: `version ${i + 1}`,
            },
          ),
        });
        expect(res.status).toBe(200);
      }
    }
  });
  afterAll(async () => {
    for (const gw of Object.values(gateways)) await gw.close();
  });

  async function send(gw: TestGateway, call: Call): Promise<Answer> {
    const headers: Record<string, string> = { ...auth, ...call.headers };
    if (headers.authorization === "") delete headers.authorization;
    let sent: string | FormData;
    if (typeof call.body === "string") {
      sent = call.body;
      headers["content-type"] ??= "application/json";
    } else {
      const form = new FormData();
      for (const [name, value] of call.body) {
        if (typeof value === "string") form.append(name, value);
        else form.append(name, new Blob([new Uint8Array(value)]), `file-${name}`);
      }
      sent = form;
    }
    const res = await fetch(`${gw.url}${call.search ?? ""}`, { method: "POST", headers, body: sent });
    const text = await res.text();
    const kept: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      if (!VARYING.has(name)) kept[name] = value;
    });
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text: compared as such
    }
    // Download links name each gateway's own port.
    return { status: res.status, body: JSON.parse(JSON.stringify(body).replaceAll(gw.origin, "ORIGIN")), headers: kept };
  }

  const normalise = (answer: Answer, call: Call): Answer => {
    if (!call.codeOnly) return answer;
    const errors = (answer.body as { errors?: { extensions?: { code?: string } }[] }).errors;
    const { "content-length": _, ...headers } = answer.headers;
    return { ...answer, body: errors?.map((e) => e.extensions?.code), headers };
  };

  test.each(CORPUS.map((call) => [call.name, call] as const))("%s", async (_, call) => {
    const reference = normalise(await send(gateways.express!, call), call);
    for (const name of Object.keys(VARIANTS)) {
      for (let run = 0; run < RUNS; run++) {
        const answer = normalise(await send(gateways[name]!, call), call);
        if (JSON.stringify(answer) !== JSON.stringify(reference))
          console.log("DIFF", name, run, JSON.stringify(answer), "\nREF ", JSON.stringify(reference));
        expect({ variant: name, run, ...answer }).toEqual({ variant: name, run, ...reference });
      }
    }
  });

  test("the lane, not express, answers a script's JSON and multipart POSTs; a browser's (Origin) takes express", async () => {
    // Express's res.send adds a weak ETag to every body it sends; the lane sends none.
    const post = (gw: TestGateway, headers: Record<string, string>, body: string | FormData) =>
      fetch(gw.url, { method: "POST", headers: { ...auth, ...headers }, body }).then((res) => res.headers.get("etag"));
    const form = () => {
      const f = new FormData();
      f.append("operations", uploadOps("etag", ["a"]));
      f.append("map", JSON.stringify({ 0: ["variables.input.files.0.file"] }));
      f.append("0", new Blob(["x"]), "a");
      return f;
    };
    const lane = gateways["lane+jit"]!;
    const express = gateways.express!;
    expect(await post(lane, { "content-type": "application/json" }, json(`{ __typename }`))).toBeNull();
    expect(await post(lane, preflight, form())).toBeNull();
    expect(await post(express, { "content-type": "application/json" }, json(`{ __typename }`))).toMatch(/^W\//);
    expect(await post(express, preflight, form())).toMatch(/^W\//);
    expect(await post(lane, { "content-type": "application/json", origin: lane.origin }, json(`{ __typename }`))).toMatch(/^W\//);
  });

  test("the lane logs each request as express does, with the request id and no key", async () => {
    for (const name of ["lane+jit", "express"]) {
      const before = logs[name]!.length;
      await send(gateways[name]!, { name: "log", body: json(`{ __typename }`), headers: { "x-request-id": "log-check-1" } });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const lines = logs[name]!.slice(before).filter((l) => l.msg === "request");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ reqId: "log-check-1", method: "POST", url: "/graphql", status: 200, aborted: false });
      expect(JSON.stringify(lines[0])).not.toContain(admin.token);
    }
  });

  test("a client that goes away mid-body is no error of the gateway's: nothing logged at error level, lane or express", async () => {
    const { default: net } = await import("node:net");
    for (const [name, extra] of [
      ["lane+jit", ""],
      ["express", `origin: ${gateways["lane+jit"]!.origin}\r\n`],
    ] as const) {
      const gw = gateways[name]!;
      const before = logs[name]!.length;
      const body = json(`{ version { gateway } }`);
      const socket = net.connect(Number(new URL(gw.origin).port), "127.0.0.1");
      socket.write(
        `POST /graphql HTTP/1.1\r\nhost: ${new URL(gw.origin).host}\r\nauthorization: ${auth.authorization}\r\n${extra}` +
          `content-type: application/json\r\ncontent-length: ${body.length + 100}\r\n\r\n${body}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.destroy();
      await expect.poll(() => logs[name]!.slice(before).some((l) => l.msg === "request"), { timeout: 5000 }).toBe(true);
      const errors = logs[name]!.slice(before).filter((l) => (l.level as number) >= 50);
      expect({ name, errors }).toEqual({ name, errors: [] });
    }
  });

  test("a refused key is charged to the address on the lane too (429 once the budget is spent)", async () => {
    const gw = await startTestGateway({ config: { adminKey: admin.token, authFailureLimit: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push(
          (
            await send(gw, {
              name: "guess",
              body: json(`{ __typename }`),
              headers: { authorization: `Bearer hmr_${"A".repeat(16)}_${"c".repeat(43)}` },
            })
          ).status,
        );
      }
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      // The right key still passes.
      expect((await send(gw, { name: "ok", body: json(`{ __typename }`) })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  test("the request rate limit holds on the lane, with Retry-After", async () => {
    const gw = await startTestGateway({ config: { adminKey: admin.token, rateLimit: 4 } });
    try {
      const answers: Answer[] = [];
      for (let i = 0; i < 6; i++) answers.push(await send(gw, { name: "burst", body: json(`{ __typename }`) }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429, 429]);
      expect(Number(answers[5]!.headers["retry-after"])).toBeGreaterThan(0);
      expect((answers[5]!.body as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("TOO_MANY_REQUESTS");
    } finally {
      await gw.close();
    }
  });

  test("a refusal before the body is read leaves the keep-alive connection usable", async () => {
    const gw = gateways["lane+jit"]!;
    const big = json(`{ __typename }`, { pad: "x".repeat(200_000) });
    // Unauthenticated: refused before the body is read; the next request on the same agent works.
    const first = await fetch(gw.url, { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect(first.status).toBe(401);
    await first.text();
    const second = await fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: json(`{ __typename }`),
    });
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ data: { __typename: "Query" } });
  });
});
