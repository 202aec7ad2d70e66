import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import WebSocket from "ws";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { subscribe, untilLive } from "./support/subscriber.js";
import { sleep } from "./support/wait.js";

/** A graphql-ws connection past its acknowledgement, keeping every message the server sends and how it closed. */
async function acknowledged(origin: string) {
  const ws = new WebSocket(`${origin.replace("http", "ws")}/graphql`, "graphql-transport-ws");
  const received: any[] = [];
  const closed = new Promise<number>((resolve) => ws.once("close", resolve));
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  ws.on("message", (data: Buffer) => received.push(JSON.parse(data.toString())));
  ws.send(JSON.stringify({ type: "connection_init" }));
  await expect.poll(() => received.length).toBe(1);
  return { ws, received, closed };
}

describe("subscriptions against hostile clients", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => gw?.close());

  test("a subscription whose field is conditional (@skip, @include) is GRAPHQL_VALIDATION_FAILED on the socket and over HTTP, never an internal error", async () => {
    const printed = vi.spyOn(console, "error");
    try {
      const documents = [
        { query: `subscription { modelEvents @skip(if: true) { type } }` },
        { query: `subscription($v: Boolean!) { modelEvents @include(if: $v) { type } }`, variables: { v: true } },
        { query: `subscription($v: Boolean! = true) { modelEvents @include(if: $v) { type } }`, variables: { v: false } },
        { query: `subscription { ... on Subscription @skip(if: true) { modelEvents { type } } }` },
        {
          query: `subscription($v: Boolean!) { ...F } fragment F on Subscription { modelEvents @skip(if: $v) { type } }`,
          variables: { v: false },
        },
      ];
      for (const payload of documents) {
        const { ws, received, closed } = await acknowledged(gw.origin);
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload }));
        await expect.poll(() => received.length).toBe(2);
        expect(received[1]).toMatchObject({ id: "1", type: "error", payload: [{ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }] });
        ws.close();
        expect(await closed).toBe(1005);

        const res = await gw.gql(payload.query, payload.variables);
        expect([res.status, res.errors?.map((e) => e.extensions?.code)]).toEqual([400, ["GRAPHQL_VALIDATION_FAILED"]]);
      }
      expect(printed).not.toHaveBeenCalled();
      // Still serving subscriptions.
      const live = subscribe(gw.origin, { name: "after" });
      await untilLive(live, () => gw.upload({ name: "after" }, { "a.txt": "a" }));
      await live.close();
    } finally {
      printed.mockRestore();
    }
  });

  test("a message only a server sends (connection_ack, next, error) closes its connection as malformed (4400), without a word on the console", async () => {
    const printed = vi.spyOn(console, "error");
    try {
      for (const message of [
        { type: "connection_ack" },
        { type: "next", id: "1", payload: { data: null } },
        { type: "error", id: "1", payload: [{ message: "x" }] },
        // The same, spelled with an escape.
        '{"type":"n\\u0065xt","id":"1","payload":{}}',
      ]) {
        const { ws, closed } = await acknowledged(gw.origin);
        ws.send(typeof message === "string" ? message : JSON.stringify(message));
        expect(await closed).toBe(4400);
      }
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });

  test("a message past 64 KiB closes its connection (1009) as its header arrives: keyless clients cannot make the gateway hold 2 MiB each", async () => {
    // Any client, with no key, may open connections: each was let send a message of up to the
    // HTTP body limit (2 MiB), held in memory until its last byte, so a thousand connections held 2 GiB.
    const { ws, received, closed } = await acknowledged(gw.origin);
    ws.send(JSON.stringify({ type: "ping", payload: { pad: "x".repeat(64 * 1024) } }));
    expect(await Promise.race([closed, sleep(5_000).then(() => "still open")])).toBe(1009);
    ws.terminate();
    expect(received.map((m) => m.type)).toEqual(["connection_ack"]);

    // A message below it is read as ever.
    const within = await acknowledged(gw.origin);
    within.ws.send(JSON.stringify({ type: "ping", payload: { pad: "x".repeat(60 * 1024) } }));
    await expect.poll(() => within.received.map((m) => m.type)).toEqual(["connection_ack", "pong"]);
    within.ws.close();
  });

  test("a subscribe reusing a long id still live closes its connection (4409) with a short reason, never as an internal error", async () => {
    const printed = vi.spyOn(console, "error");
    try {
      for (const id of ["x".repeat(200), "é".repeat(60)]) {
        const { ws, received, closed } = await acknowledged(gw.origin);
        const subscribe = JSON.stringify({ id, type: "subscribe", payload: { query: `subscription { modelEvents { type } }` } });
        ws.send(subscribe);
        await expect.poll(() => gw.gateway.openSubscriptions()).toBeGreaterThan(0);
        const reason = new Promise<string>((resolve) => ws.once("close", (_code, text: Buffer) => resolve(text.toString())));
        ws.send(subscribe);
        expect(await closed).toBe(4409);
        expect(Buffer.byteLength(await reason)).toBeLessThanOrEqual(123);
        expect(received.map((m) => m.type)).toEqual(["connection_ack"]);
      }
      await expect.poll(() => gw.gateway.openSubscriptions()).toBe(0);
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });

  test("a client that resets its connection while answers wait to be sent is no internal error: nothing on the console", async () => {
    const printed = vi.spyOn(console, "error");
    try {
      const { ws } = await acknowledged(gw.origin);
      ws.on("error", () => {});
      (ws as unknown as { _socket: import("node:net").Socket })._socket.pause(); // reads nothing more
      // 18 MiB of pings: their pongs fill both kernels' buffers and wait in the gateway.
      const ping = JSON.stringify({ type: "ping", payload: { pad: "x".repeat(60 * 1024) } });
      for (let i = 0; i < 300; i++) ws.send(ping);
      await new Promise<void>((resolve) => ws.send(ping, () => resolve()));
      await sleep(1_000);
      ws.terminate(); // a reset: the gateway's writes fail
      // The gateway serves on, and has said nothing.
      const live = subscribe(gw.origin, { name: "after-reset" });
      await untilLive(live, () => gw.upload({ name: "after-reset" }, { "a.txt": "a" }));
      await live.close();
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  }, 60_000);
});
