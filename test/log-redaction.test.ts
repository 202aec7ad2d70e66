import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { redactUrl } from "../gateway/src/http/redact.js";
import { apolloLogger, redactingLogger } from "../gateway/src/http/safe-log.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { captureLog } from "./support/log-capture.js";

const admin = generateKey();
const stranger = generateKey();
const VARIABLE_QUERY = "query($n: String!) { model(name: $n, version: 1) { version } }";
/** Percent-encodes every character, letters included. */
const encodeAll = (text: string) => [...text].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");
/** What must never appear in any log line, in any of these spellings. */
const SECRETS = [
  admin.token,
  admin.token.slice(4),
  admin.token.split("_").slice(2).join("_"),
  stranger.token,
  stranger.token.slice(4),
  stranger.token.split("_").slice(2).join("_"),
  encodeAll(admin.token),
  encodeURIComponent(encodeURIComponent(stranger.token)),
  ...Array.from({ length: 9 }, (_, i) => `opaque-secret-${i}`),
  "cookie-secret",
  "marker-refused-query",
];

/** One request exactly as given (fetch would drop a fragment and normalise the target). */
function raw(origin: string, target: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}/`, { path: target, headers: { "apollo-require-preflight": "1", ...headers } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("no secret reaches the log", () => {
  const log = captureLog("trace");
  let gw: TestGateway;
  const valid = { authorization: `Bearer ${admin.token}`, cookie: "session=cookie-secret; other=cookie-secret" };
  const query = encodeURIComponent("{ __typename }");

  beforeAll(async () => {
    gw = await startTestGateway({ config: { adminKey: admin.token }, logger: log.logger });
  });
  afterAll(() => gw?.close());

  test("key-shaped values and credential parameters in every part of the URL, refused or not", async () => {
    const shapes: [string, Record<string, string>][] = [
      [`/graphql?query=${query}&api_key=${admin.token}`, {}],
      [`/graphql?query=${query}&apiKey=${stranger.token}`, valid],
      [`/graphql?query=${query}&access_token=opaque-secret-0`, valid],
      [`/graphql?query=${query}&ToKeN=opaque-secret-1&token=opaque-secret-2&token=opaque-secret-3`, valid],
      [`/graphql?query=${query}&key=opaque-secret-4;password=opaque-secret-5&AUTH=opaque-secret-6`, valid],
      [`/graphql?query=${query}&x=${stranger.token.replace("_", "%5F")}`, valid],
      [`/graphql?query=${query}&x=${encodeAll(admin.token)}`, valid],
      [`/graphql?query=${query}&x=${encodeURIComponent(encodeURIComponent(stranger.token))}`, valid],
      [`/graphql?query=${query}#access_token=opaque-secret-7`, valid],
      [`/graphql#x&secret=opaque-secret-8&${stranger.token}`, valid],
      [`/files/default/${stranger.token}/1/model.pt`, valid],
      [`/files/default/m/1/${encodeURIComponent(admin.token)}`, valid],
      [
        `/graphql?query=${encodeURIComponent(VARIABLE_QUERY)}&variables=${encodeURIComponent(JSON.stringify({ n: stranger.token }))}`,
        valid,
      ],
      [`/graphql?note=marker-refused-query&query=${query}`, { authorization: `Bearer ${stranger.token}` }],
      [`/no-route/${admin.token}?password=opaque-secret-0`, valid],
      // A key sent as the request id would be bound to every line of its request.
      [`/graphql?query=${query}&token=opaque-secret-1`, { ...valid, "x-request-id": stranger.token }],
    ];
    const statuses = [];
    for (const [target, headers] of shapes) statuses.push(await raw(gw.origin, target, headers));
    expect(statuses).toContain(200);
    expect(statuses).toContain(401);
    const text = log.lines.join("\n");
    for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
    expect(text).not.toMatch(/hmr_(?!\[redacted\])/);
    expect(text).not.toMatch(/authorization|cookie/i);
    // Every shape was logged, redacted rather than left out.
    const requestLines = log.parsed().filter((l) => l.msg === "request");
    expect(requestLines.filter((l) => String(l.url).includes("[redacted]")).length).toBeGreaterThanOrEqual(shapes.length);
  });

  test("the URL a refused attempt logs has no query string at all", () => {
    const refused = log.parsed().filter((l) => l.msg === "request" && l.status === 401);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (const line of refused) expect(line.url).toMatch(/^\/graphql\?\[redacted\]$/);
  });
});

describe("logged objects carrying requests, headers and errors", () => {
  test("a request inside an error or a field shrinks to method and redacted URL; headers never appear", async () => {
    const log = captureLog("trace");
    const safe = redactingLogger(log.logger);
    const server = http.createServer((req, res) => {
      const err = Object.assign(new Error(`GET ${req.url} failed with Authorization: Bearer ${admin.token}`), {
        req,
        headers: req.headers,
      });
      safe.error(
        { err, req, headers: req.headers, cookie: req.headers.cookie, note: `retry with ?access_token=opaque-secret-0` },
        "internal error",
      );
      safe.warn({ nested: { deeper: [{ authorization: req.headers.authorization, password: "opaque-secret-1" }] } }, "nested");
      apolloLogger(safe).error(`Unexpected error processing ${req.url}: Bearer ${stranger.token}`);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await raw(`http://127.0.0.1:${port}`, `/graphql?api_key=${stranger.token}&x=${encodeAll(admin.token)}`, {
        authorization: `Bearer ${admin.token}`,
        cookie: "session=cookie-secret",
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const [error, nested, apollo] = log.parsed();
    expect(error!.err.stack).toMatch(/Error: GET \/graphql\?api_key=\[redacted\]/);
    expect(error!.req).toEqual({ method: "GET", url: "/graphql?api_key=[redacted]&x=[redacted]" });
    expect(error!.err.req).toEqual(error!.req);
    expect(nested!.nested.deeper[0]).toEqual({ authorization: "[redacted]", password: "[redacted]" });
    expect(apollo!.msg).toMatch(/^Unexpected error processing/);
    const text = log.lines.join("\n");
    for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
  });

  test("redactUrl keeps what is not secret", () => {
    expect(redactUrl("/files/default/mnist/1/conf/params.json?download=1")).toBe("/files/default/mnist/1/conf/params.json?download=1");
    expect(redactUrl("/graphql?query=%7B%20__typename%20%7D&sortKey=accuracy")).toBe(
      "/graphql?query=%7B%20__typename%20%7D&sortKey=accuracy",
    );
    expect(redactUrl("/graphql?api_key=x&page=2", { dropQuery: true })).toBe("/graphql?[redacted]");
  });
});
