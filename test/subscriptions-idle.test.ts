import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { generateKey } from "../gateway/src/access/api-key.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { subscribe, untilLive } from "./support/subscriber.js";

const IDLE_MS = 400;
const MAX_CONNECTIONS = 8;

/** A graphql-ws connection that sends connection_init (with no key) and is acknowledged, then does nothing. */
async function idleSocket(origin: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`${origin.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
  const closed = new Promise<number>((resolve) => ws.once("close", resolve));
  ws.on("error", () => {});
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  ws.send(JSON.stringify({ type: "connection_init" }));
  const ack = await new Promise<string>((resolve) => ws.once("message", (data: Buffer) => resolve(data.toString("utf8"))));
  expect(JSON.parse(ack).type).toBe("connection_ack");
  return { ws, closed };
}

describe("a WebSocket with no subscription is held no longer than an idle HTTP connection", () => {
  const admin = generateKey();
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      config: { adminKey: admin.token, idleTimeoutMs: IDLE_MS, headersTimeoutMs: IDLE_MS, maxConnections: MAX_CONNECTIONS },
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  test("a socket carrying a subscription stays open past the idle timeout", async () => {
    const s = subscribe(gw.origin, { name: "idle-check" }, { apiKey: admin.token });
    try {
      await untilLive(s, () =>
        gw.gql(`mutation { createModel(input: { name: "idle-check" }) { version } }`, {}, { authorization: `Bearer ${admin.token}` }),
      );
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 4));
      expect(s.isDone()).toBe(false);
      await gw.gql(`mutation { createModel(input: { name: "idle-check" }) { version } }`, {}, { authorization: `Bearer ${admin.token}` });
      await expect.poll(() => s.events.length).toBeGreaterThanOrEqual(1);
    } finally {
      await s.close();
    }
  });

  test("keyless sockets that never subscribe are closed, and cannot lock keyed clients out of every connection slot", async () => {
    const sockets = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => idleSocket(gw.origin)));
    const codes = await Promise.race([
      Promise.all(sockets.map((s) => s.closed)),
      new Promise<"still open">((resolve) => setTimeout(resolve, IDLE_MS * 5, "still open")),
    ]);
    for (const s of sockets) s.ws.terminate();
    expect(codes).toEqual(sockets.map(() => 1000));
    const res = await gw.gql(`{ projects { name } }`, {}, { authorization: `Bearer ${admin.token}` });
    expect(res.status).toBe(200);
  });
});
