import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { MAX_OPERATION_NAMES } from "../gateway/src/metrics/index.js";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { waitFor } from "./support/wait.js";
import { subscribe } from "./support/subscriber.js";
import { parsePrometheusText, valueOf, type Sample } from "./support/prometheus.js";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function scrape(gw: TestGateway, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await fetch(`${gw.origin}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

describe.each(BACKENDS)("/metrics (%s)", (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
  });
  afterAll(() => gw?.close());

  test("the scrape is Prometheus text, with the process defaults and the pool where there is one", async () => {
    const samples = await scrape(gw);
    expect(valueOf(samples, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === "nodejs_heap_size_used_bytes")).toBe(true);
    expect(valueOf(samples, "homer_uploads_in_flight")).toBe(0);
    const pool = samples.filter((s) => s.name === "homer_db_pool_connections");
    if (backend === "postgres") {
      expect(pool.map((s) => s.labels.state).sort()).toEqual(["idle", "total", "waiting"]);
      expect(valueOf(samples, "homer_db_pool_connections", { state: "total" })).toBeGreaterThanOrEqual(1);
    } else {
      expect(pool).toEqual([]);
    }
  });

  test("operations, HTTP routes, uploads and downloads move their counters", async () => {
    const before = await scrape(gw);
    const ops = (s: Sample[], labels: Record<string, string>) => valueOf(s, "homer_graphql_operations_total", labels);
    const created = await gw.upload({ name: "counted", version: 1 }, { "w.bin": Buffer.alloc(10_000, 7) }, "files { downloadUrl }");
    expect(created.errors).toBeUndefined();
    expect((await gw.gql(`query ListThem { models(name: "counted") { totalCount } }`)).data.models.totalCount).toBe(1);
    expect((await gw.gql(`{ model(name: "counted", version: 1) { version } }`)).data.model.version).toBe(1);
    expect((await gw.gql(`mutation Gone { deleteModel(name: "counted", version: 9) }`)).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect((await gw.gql(`query Broken { models(name: `)).status).toBe(400);
    const download = await fetch(created.data.createModel.files[0].downloadUrl);
    expect((await download.arrayBuffer()).byteLength).toBe(10_000);
    expect((await fetch(`${gw.origin}/files/default/counted/1/absent.bin`)).status).toBe(404);

    // A request is counted when the server closes its response, which may be just after the client read it.
    // Both downloads are waited for: a response's close may come after the next request's.
    const grew = (s: Sample[], name: string, labels: Record<string, string>) => valueOf(s, name, labels) > valueOf(before, name, labels);
    const settled = (s: Sample[]) =>
      grew(s, "homer_http_requests_total", { route: "files", status: "404" }) &&
      grew(s, "homer_http_requests_total", { route: "files", status: "200" }) &&
      valueOf(s, "homer_download_bytes_total", { route: "files" }) - valueOf(before, "homer_download_bytes_total", { route: "files" }) >=
        10_000;
    const after = await waitFor("both downloads to be counted", async () => {
      const s = await scrape(gw);
      return settled(s) ? s : null;
    });
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(ops(after, { operation: "ListThem", type: "query", outcome: "ok" })).toBe(1);
    expect(delta("homer_graphql_operations_total", { operation: "anonymous", type: "query", outcome: "ok" })).toBe(1);
    expect(delta("homer_graphql_operations_total", { operation: "anonymous", type: "mutation", outcome: "ok" })).toBe(1);
    expect(ops(after, { operation: "Gone", type: "mutation", outcome: "NOT_FOUND" })).toBe(1);
    expect(delta("homer_graphql_operations_total", { operation: "unknown", type: "unknown", outcome: "GRAPHQL_PARSE_FAILED" })).toBe(1);
    expect(valueOf(after, "homer_graphql_operation_duration_seconds_count", { operation: "ListThem", type: "query", outcome: "ok" })).toBe(
      1,
    );
    expect(delta("homer_http_requests_total", { route: "files", status: "200" })).toBe(1);
    expect(delta("homer_http_requests_total", { route: "files", status: "404" })).toBe(1);
    expect(delta("homer_http_requests_total", { route: "graphql", status: "200" })).toBeGreaterThanOrEqual(4);
    expect(delta("homer_download_bytes_total", { route: "files" })).toBe(10_000);
    expect(delta("homer_upload_bytes_total")).toBeGreaterThan(10_000);
    expect(valueOf(after, "homer_uploads_in_flight")).toBe(0);
  });

  test("a path express serves whatever its case or a trailing slash is labelled with its route", async () => {
    const before = await scrape(gw);
    for (const path of ["/READYZ", "/healthz/", "/Metrics/"]) expect((await fetch(`${gw.origin}${path}`)).status).toBe(200);
    const after = await waitFor("the probes to be counted", async () => {
      const s = await scrape(gw);
      const grew = (route: string) =>
        valueOf(s, "homer_http_requests_total", { route, status: "200" }) -
        valueOf(before, "homer_http_requests_total", { route, status: "200" });
      return grew("health") >= 2 && grew("metrics") >= 1 ? s : null;
    });
    expect(valueOf(after, "homer_http_requests_total", { route: "other", status: "200" })).toBe(
      valueOf(before, "homer_http_requests_total", { route: "other", status: "200" }),
    );
  });

  test("an answer the client left before its end is counted as 499, not as the status it began with", async () => {
    const created = await gw.upload({ name: "left", version: 1 }, { "big.bin": Buffer.alloc(32 * 2 ** 20, 3) }, "files { downloadUrl }");
    expect(created.errors).toBeUndefined();
    const before = await scrape(gw);
    const count = (s: Sample[], status: string) => valueOf(s, "homer_http_requests_total", { route: "files", status });
    // Reads the head and one chunk, then goes away (a throttled download keeps the rest unsent).
    await new Promise<void>((resolve, reject) => {
      const req = http.get(created.data.createModel.files[0].downloadUrl, { headers: { range: "bytes=0-" } }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.once("error", (error) => (req.destroyed ? undefined : reject(error)));
    });
    const after = await waitFor("the abandoned download to be counted", async () => {
      const s = await scrape(gw);
      return count(s, "499") > count(before, "499") ? s : null;
    });
    expect(count(after, "499") - count(before, "499")).toBe(1);
    expect(count(after, "200") + count(after, "206")).toBe(count(before, "200") + count(before, "206"));
  });

  test("hostile operation names never become unbounded label values", async () => {
    const hostile = [...Array.from({ length: MAX_OPERATION_NAMES + 50 }, (_, i) => `Flood${i}`), `Long${"x".repeat(200)}`, 'Bad\\"Name'];
    for (let i = 0; i < hostile.length; i += 25) {
      await Promise.all(hostile.slice(i, i + 25).map((name) => gw.gql(`query ${name.replace(/[^A-Za-z0-9_]/g, "_")} { __typename }`)));
    }
    // An unparseable name, and one that is only in the request's operationName.
    await gw.gql(`query "x\\n}" { __typename }`);
    const res = await fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }", operationName: 'Injected"} 1\nfake_metric 1' }),
    });
    expect(res.status).toBe(400);
    const samples = await scrape(gw);
    const names = new Set(samples.filter((s) => s.name === "homer_graphql_operations_total").map((s) => s.labels.operation!));
    expect(names.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 3); // + anonymous, unknown, other
    expect(names.has("other")).toBe(true);
    expect([...names].every((n) => n.length <= 64 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(n))).toBe(true);
    expect(samples.some((s) => s.name === "fake_metric")).toBe(false);
  });

  test("the subscriber gauge counts the process's live subscriptions", async () => {
    expect(valueOf(await scrape(gw), "homer_event_subscribers")).toBe(0);
    const subscribers = [subscribe(gw.origin, { name: "gauge" }), subscribe(gw.origin, {}), subscribe(gw.origin, { name: "gauge" })];
    try {
      await waitFor("three subscriptions counted", async () => valueOf(await scrape(gw), "homer_event_subscribers") === 3 || null);
    } finally {
      for (const s of subscribers) await s.client.dispose();
    }
    await waitFor("closed subscriptions uncounted", async () => valueOf(await scrape(gw), "homer_event_subscribers") === 0 || null);
  });
});

describe("who may scrape", () => {
  const admin = generateKey();
  const token = "prometheus-scrape-token-0123456789";
  let gw: TestGateway;
  let readKey: string;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { adminKey: admin.token, metricsToken: token } });
    const res = await gw.gql(
      `mutation { createApiKey(input: { name: "reader", grants: [{ project: "default", role: READ }] }) { secret } }`,
      {},
      bearer(admin.token),
    );
    readKey = res.data.createApiKey.secret;
  });
  afterAll(() => gw?.close());

  const status = async (headers: Record<string, string> = {}) => (await fetch(`${gw.origin}/metrics`, { headers })).status;

  test("with keys in force: the metrics token or an admin key; nobody else", async () => {
    expect(await status()).toBe(401);
    expect(await status(bearer(readKey))).toBe(403);
    expect(await status(bearer(`${token}x`))).toBe(401);
    expect(await status(bearer(token))).toBe(200);
    expect(await status(bearer(admin.token))).toBe(200);
    // The token opens /metrics only, not the API.
    expect((await gw.gql(`{ __typename }`, {}, bearer(token))).status).toBe(401);
  });

  test("the token is taken as keys are: the scheme in any case, any spacing after it; a scraper's spelling is no failed login", async () => {
    for (const authorization of [`bearer ${token}`, `BEARER ${token}`, `Bearer  ${token}`, `Bearer\t${token}`]) {
      expect([authorization, await status({ authorization })]).toEqual([authorization, 200]);
    }
    expect(await status({ authorization: `Basic ${token}` })).toBe(401);
    expect(await status({ authorization: `bearer ${token} extra` })).toBe(401);
    // The token itself is compared exactly.
    expect(await status({ authorization: `bearer ${token.toUpperCase()}` })).toBe(401);
  });

  test("a key's scrapes are requests of its rate limit, as on every other route; the metrics token's are not", async () => {
    const owner = generateKey();
    const limited = await startTestGateway({ config: { adminKey: owner.token, metricsToken: token, rateLimit: 3 } });
    try {
      const scrape = async (headers: Record<string, string>) => (await fetch(`${limited.origin}/metrics`, { headers })).status;
      const byKey = [];
      for (let i = 0; i < 5; i++) byKey.push(await scrape(bearer(owner.token)));
      expect(byKey).toEqual([200, 200, 200, 429, 429]);
      const byToken = [];
      for (let i = 0; i < 5; i++) byToken.push(await scrape(bearer(token)));
      expect(byToken).toEqual([200, 200, 200, 200, 200]);
    } finally {
      await limited.close();
    }
  });

  test("HOMER_METRICS=false: no /metrics at all", async () => {
    const off = await startTestGateway({ config: { metrics: false } });
    try {
      expect((await fetch(`${off.origin}/metrics`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
