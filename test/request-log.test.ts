import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { captureLog } from "./support/log-capture.js";
import { parsePrometheusText, valueOf } from "./support/prometheus.js";
import { rawConnection } from "./support/raw-socket.js";
import { waitFor } from "./support/wait.js";

/** The request log as an operator reads it: one line per request, its level by the path the client asked. */
describe("request log", () => {
  const log = captureLog("trace");
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ logger: log.logger });
  });
  afterAll(() => gw?.close());

  const requestLines = (path: string) => log.parsed().filter((line) => line.msg === "request" && line.url === path);

  test("only the health probes' lines are debug: a GraphQL request at /graphql/healthz is not hidden among them", async () => {
    // Express serves /graphql below its mount point too: the path the router leaves on the request is "/healthz".
    for (const path of ["/graphql/healthz", "/GRAPHQL/readyz/", "/healthz"]) {
      const res = await fetch(`${gw.origin}${path}`, {
        method: path === "/healthz" ? "GET" : "POST",
        headers: { "content-type": "application/json" },
        ...(path === "/healthz" ? {} : { body: JSON.stringify({ query: "mutation { __typename }" }) }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      await waitFor(`the request line of ${path}`, () => requestLines(path).length === 1);
    }
    expect(requestLines("/graphql/healthz")[0]!.level).toBe(30);
    expect(requestLines("/GRAPHQL/readyz/")[0]!.level).toBe(30);
    expect(requestLines("/healthz")[0]!.level).toBe(20);
  });

  test("a request express never routes (a target with no path) is still a line of the log and a count of the metrics", async () => {
    const scrape = async () => parsePrometheusText(await (await fetch(`${gw.origin}/metrics`)).text());
    const counted = () => scrape().then((samples) => valueOf(samples, "homer_http_requests_total", { route: "other", status: "400" }) ?? 0);
    const before = await counted();
    const conn = rawConnection(gw.origin);
    await conn.connected;
    conn.write(`GET http://[/graphql HTTP/1.1\r\nHost: ${new URL(gw.origin).host}\r\nX-Request-Id: no-path-1\r\nConnection: close\r\n\r\n`);
    await conn.closed;
    expect(conn.received().toString("utf8")).toMatch(/^HTTP\/1\.1 400 [^]*\r\nx-request-id: no-path-1\r\n/i);
    const line = await waitFor("the request line of a target with no path", () =>
      log.parsed().find((entry) => entry.msg === "request" && entry.reqId === "no-path-1"),
    );
    expect(line).toMatchObject({ level: 30, method: "GET", url: "http://[/graphql", status: 400, remoteAddress: "127.0.0.1" });
    await waitFor("the request counted", async () => (await counted()) === before + 1);
  });
});
