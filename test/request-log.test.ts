import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { captureLog } from "./support/log-capture.js";
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
});
