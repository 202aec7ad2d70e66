import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { rawConnection } from "./support/raw-socket.js";

/**
 * `curl --http2` and Java's HttpClient ask to upgrade a plain-HTTP request to HTTP/2
 * (`Upgrade: h2c`), and docker/nginx.conf passes any Upgrade on. The gateway speaks
 * no h2c: it ignores the header, as RFC 9110 §7.8 lets a server, and answers the
 * request as if it had not asked. Only a WebSocket upgrade is one.
 */
describe("an upgrade to a protocol the gateway does not speak is ignored", () => {
  let gw: TestGateway;
  let host: string;
  beforeAll(async () => {
    gw = await startTestGateway();
    host = new URL(gw.origin).host;
  });
  afterAll(() => gw?.close());

  const H2C = "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n";

  test("a GET asking for h2c is answered, with the security headers, on a connection that stays usable", async () => {
    const conn = rawConnection(gw.origin);
    await conn.connected;
    conn.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n${H2C}\r\nGET /readyz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const health = await conn.response(0);
    expect([health.status, JSON.parse(health.body).status]).toEqual([200, "ok"]);
    expect(health.headers["content-security-policy"]).toMatch(/default-src 'self'/);
    expect(health.headers["x-request-id"]).toBeDefined();
    const ready = await conn.response(1);
    expect([ready.status, JSON.parse(ready.body).status]).toEqual([200, "ready"]);
    conn.socket.destroy();
  });

  test("a GraphQL POST asking for h2c is answered, its body read as sent", async () => {
    const body = JSON.stringify({ query: "{ __typename }" });
    for (const origin of ["", `Origin: ${gw.origin}\r\n`]) {
      const conn = rawConnection(gw.origin);
      await conn.connected;
      conn.write(
        `POST /graphql HTTP/1.1\r\nHost: ${host}\r\n${origin}${H2C}Content-Type: application/json\r\n` +
          `Content-Length: ${body.length}\r\n\r\n${body}`,
      );
      const answer = await conn.response(0);
      expect([answer.status, JSON.parse(answer.body)], origin).toEqual([200, { data: { __typename: "Query" } }]);
      conn.socket.destroy();
    }
  });

  test("a download asking for h2c gets its bytes", async () => {
    await gw.upload({ name: "h2c" }, { "w.bin": "the weights" });
    const conn = rawConnection(gw.origin);
    await conn.connected;
    conn.write(`GET /files/default/h2c/1/w.bin HTTP/1.1\r\nHost: ${host}\r\n${H2C}Range: bytes=4-\r\n\r\n`);
    const answer = await conn.response(0);
    expect([answer.status, answer.body]).toEqual([206, "weights"]);
    conn.socket.destroy();
  });
});
