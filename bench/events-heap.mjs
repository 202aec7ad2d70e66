// The gateway in this process (run with --expose-gc), its subscribers in another:
// the JavaScript heap one subscription keeps after garbage collection, which RSS
// (heap slack, allocator pages) cannot tell. Prints one JSON line for events.mjs.
import { fork } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { startGateway } from "../gateway/dist/app.js";
import { loadConfig } from "../gateway/dist/config.js";
import { makeRunDir } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const [count, sockets] = [Number(process.argv[2]), Number(process.argv[3])];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const settledHeap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

const dir = await makeRunDir("events-heap");
const config = {
  ...loadConfig(["--port", "0", "--data-dir", dir], {}),
  maxSubscriptionsPerKey: count + 10,
  maxConnections: count + 100,
  maxConnectionsPerAddress: count + 100,
};
const gw = await startGateway(config, { log: pino({ level: "silent" }) });

async function subscribe(n, over) {
  const child = fork(path.join(HERE, "events-clients.mjs"), [gw.origin, String(n), String(over)]);
  await new Promise((resolve) => child.once("message", resolve));
  while (gw.openSubscriptions() < n) await sleep(50);
  return child;
}

try {
  // One subscription first and gone again, so every code path is loaded before the baseline.
  const warm = await subscribe(1, 1);
  warm.kill();
  while (gw.openSubscriptions() > 0) await sleep(50);
  await sleep(500);
  const before = settledHeap();
  const clients = await subscribe(count, sockets);
  await sleep(500);
  const after = settledHeap();
  clients.kill();
  console.log(JSON.stringify({ count, sockets, heapBytesPerSubscription: (after - before) / count }));
} finally {
  await gw.close();
  await fs.rm(dir, { recursive: true, force: true });
}
