import net from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { sleep } from "./support/wait.js";

/**
 * A refused WebSocket upgrade (another path, a foreign Origin) is answered and ended
 * by the gateway. The HTTP server's sockets allow half-open connections and no HTTP
 * timeout watches a socket once it asked for an upgrade: a client that never closes
 * its side must not keep the connection, and its slot under the connection cap, for good.
 */
describe("refused WebSocket upgrades", () => {
  let gw: TestGateway | undefined;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await gw?.close();
    gw = undefined;
  });

  /** Asks for an upgrade and never closes its own side; resolves with what it read once the server ended its side. */
  function halfOpenUpgrade(origin: string, path: string, headers = ""): Promise<string> {
    const { port } = new URL(origin);
    const socket = net.connect({ host: "127.0.0.1", port: Number(port), allowHalfOpen: true });
    sockets.push(socket);
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("error", () => {});
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${new URL(origin).host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${headers}\r\n`,
    );
    return new Promise((resolve) => socket.once("end", () => resolve(received)));
  }

  test("clients that never close their side do not hold the connection cap", async () => {
    gw = await startTestGateway({ config: { maxConnections: 3, idleTimeoutMs: 500, headersTimeoutMs: 500 } });
    const refused = [
      halfOpenUpgrade(gw.origin, "/"),
      halfOpenUpgrade(gw.origin, "/files/x"),
      halfOpenUpgrade(gw.origin, "/graphql", "Origin: http://elsewhere.example\r\n"),
    ];
    const answers = await Promise.all(refused);
    expect(answers.map((text) => text.split("\r\n")[0])).toEqual([
      "HTTP/1.1 404 Not Found",
      "HTTP/1.1 404 Not Found",
      "HTTP/1.1 403 Forbidden",
    ]);
    // The three hold every slot until the gateway lets go of them: a fresh connection is served afterwards.
    await sleep(2_000);
    const res = await fetch(`${gw.origin}/healthz`, { headers: { connection: "close" }, signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
  });
});
