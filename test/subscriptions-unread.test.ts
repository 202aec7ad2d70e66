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
});
