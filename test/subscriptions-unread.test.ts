import fs from "node:fs/promises";
import type net from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";

/** The gateway process's resident memory (Linux). */
async function residentBytes(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Sends `message` once flushed to the kernel; false when it has not left within `stallMs` (the peer stopped reading). */
function sent(ws: WebSocket, message: string, stallMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), stallMs);
    ws.send(message, () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * The compiled gateway as a real process, whose own memory is measured: a client that
 * sends over WebSocket without reading what the gateway answers.
 */
describe("a WebSocket client that never reads its answers", () => {
  let gw: ChildGateway;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await makeTempDir("homer-unread-");
    gw = await startChildGateway({ env: { HOMER_DATA_DIR: dataDir } });
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test("is no longer read once a MiB of answers waits for it: 256 MiB of pings (each answered with its 60 KiB payload) leave the gateway's memory as it was", async () => {
    const ws = new WebSocket(`${gw.origin.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
    ws.on("error", () => {});
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const received: string[] = [];
    ws.on("message", (data: Buffer) => received.push(JSON.parse(data.toString()).type));
    ws.send(JSON.stringify({ type: "connection_init" }));
    await expect.poll(() => received).toEqual(["connection_ack"]);
    const tcp = (ws as unknown as { _socket: net.Socket })._socket;
    tcp.pause(); // reads nothing more: the gateway's answers stay with it

    const before = await residentBytes(gw.pid);
    const ping = JSON.stringify({ type: "ping", payload: { pad: "x".repeat(60 * 1024) } });
    let accepted = 0;
    // Until the gateway stops reading (what it read fills both kernels' socket buffers first), or 256 MiB.
    while (accepted < 256 * 1024 * 1024 && (await sent(ws, ping, 3_000))) accepted += ping.length;
    const grown = (await residentBytes(gw.pid)) - before;
    // Read regardless, the gateway held each pong: 256 MiB of pings grew it by 910 MiB.
    expect(grown).toBeLessThan(96 * 1024 * 1024);

    // Paused, not dropped: once the client reads again, the answers flow and the gateway reads on.
    tcp.resume();
    await expect.poll(() => received.filter((type) => type === "pong").length, { timeout: 30_000 }).toBeGreaterThan(100);
    ws.terminate();
  }, 180_000);

  test("holds one answer in the making or unsent for all its subscriptions: 100 subscriptions' events of 1.5 MiB each leave the gateway's memory as it was, and all arrive once it reads", async () => {
    const ws = new WebSocket(`${gw.origin.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
    ws.on("error", () => {});
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const received: string[] = [];
    let refusal = "";
    // Only each message's type (answers of 1 MiB each are not parsed).
    ws.on("message", (data: Buffer) => {
      if (data.length < 1024 && data.includes("errors")) refusal = data.toString();
      received.push(/^\{(?:"id":"[^"]*",)?"type":"([a-z_]+)"/.exec(data.toString("latin1", 0, 64))![1]!);
    });
    ws.send(JSON.stringify({ type: "connection_init" }));
    await expect.poll(() => received).toEqual(["connection_ack"]);

    // Each event reads the version's 250 KiB input example six times over (aliases).
    const model = Array.from({ length: 6 }, (_, i) => `e${i}: inputExample`).join(" ");
    for (let i = 0; i < 100; i++) {
      const query = `subscription { modelEvents(name: "large") { type version model { ${model} } } }`;
      ws.send(JSON.stringify({ id: String(i), type: "subscribe", payload: { query } }));
    }
    // All set up: the 101st is over the key's limit (100), and refused so.
    ws.send(JSON.stringify({ id: "over", type: "subscribe", payload: { query: `subscription { modelEvents { type } }` } }));
    await expect.poll(() => received, { timeout: 30_000 }).toEqual(["connection_ack", "next", "complete"]);
    expect(refusal).toMatch(/"TOO_MANY_REQUESTS"/);
    const tcp = (ws as unknown as { _socket: net.Socket })._socket;
    tcp.pause(); // reads nothing more: the gateway's answers stay with it

    const before = await residentBytes(gw.pid);
    for (let version = 1; version <= 2; version++) {
      const res = await gw.gql(`mutation($e: JSON) { createModel(input: { name: "large", inputExample: $e }) { version } }`, {
        e: { pad: "x".repeat(250 * 1024) },
      });
      expect(res.data?.createModel).toEqual({ version });
    }
    // Every subscription has its first event to answer (and the gateway what it answers in its kernel's buffers).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const grown = (await residentBytes(gw.pid)) - before;
    // Side by side, each subscription's answer was made and held at once: 199 MiB.
    expect(grown).toBeLessThan(64 * 1024 * 1024);

    tcp.resume();
    // The refusal, then each subscription's two events.
    await expect.poll(() => received.filter((type) => type === "next").length, { timeout: 120_000, interval: 500 }).toBe(1 + 200);
    ws.terminate();
  }, 300_000);
});
