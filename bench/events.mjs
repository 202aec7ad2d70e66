// Live events: create→subscriber latency across two gateway processes (replicas) on
// one database, and what 1,000 open subscriptions cost one gateway in memory.
//   node bench/events.mjs            BENCH_QUICK=1 for fewer samples
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { startGatewayProcess, procMemMiB } from "./gateway-process.mjs";
import { createPgDatabase, fmt, header, makeRunDir, QUICK, reportSummary, table } from "./lib.mjs";

const CREATES = QUICK ? 60 : 300;
const SUBSCRIBERS = 1_000;
const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function gql(origin, query, variables) {
  const res = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

function wsClient(origin) {
  return createClient({ url: `${origin.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

/** One subscriber (on its own WebSocket unless `client` is shared); `onEvent(event, arrivedAtMs)` for each. */
function subscriber(origin, name, onEvent, client = wsClient(origin)) {
  client.subscribe(
    { query: `subscription($n: String) { modelEvents(name: $n) { type name version at } }`, variables: { n: name } },
    {
      next: (result) => result.data && onEvent(result.data.modelEvents, Date.now()),
      error: (error) => console.error("subscription failed:", error),
      complete: () => {},
    },
  );
  return client;
}

/** Creates versions of `name` on `origin` until `isLive()` (no subscribe is acknowledged). */
async function untilLive(origin, name, isLive) {
  for (let i = 0; !isLive(); i++) {
    if (i > 100) throw new Error("subscribers never went live");
    await gql(origin, CREATE, { i: { name } });
    const until = Date.now() + 500;
    while (!isLive() && Date.now() < until) await sleep(10);
  }
}

/** Sequential creates on A, one subscriber on B: send→event, commit→event, and the create's own round trip. */
async function latencyAcrossReplicas(backend) {
  const dir = await makeRunDir(`events-${backend}`);
  const database = backend === "postgres" ? await createPgDatabase() : undefined;
  const settings = {
    HOMER_DATABASE_URL: database?.url ?? path.join(dir, "registry.sqlite"),
    HOMER_BLOB_URL: path.join(dir, "blobs"),
  };
  const a = await startGatewayProcess(dir, settings);
  const b = await startGatewayProcess(dir, settings);
  const arrived = new Map();
  const client = subscriber(b.origin, "latency", (event, at) => arrived.set(event.version, { at, committedAt: Date.parse(event.at) }));
  try {
    await untilLive(a.origin, "latency", () => arrived.size > 0);
    const sendToEvent = [];
    const commitToEvent = [];
    const roundTrip = [];
    for (let i = 0; i < CREATES; i++) {
      const sent = Date.now();
      const { version } = (await gql(a.origin, CREATE, { i: { name: "latency" } })).createModel;
      roundTrip.push(Date.now() - sent);
      const deadline = Date.now() + 10_000;
      while (!arrived.has(version)) {
        if (Date.now() > deadline) throw new Error(`event for version ${version} never arrived`);
        await sleep(1);
      }
      const { at, committedAt } = arrived.get(version);
      sendToEvent.push(at - sent);
      commitToEvent.push(at - committedAt);
    }
    return { backend, sendToEvent, commitToEvent, roundTrip };
  } finally {
    await client.dispose();
    await a.stop();
    await b.stop();
    await database?.drop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * 1,000 subscribers on one gateway, each on its own WebSocket (`sockets` =
 * 1,000) or multiplexed over fewer: RSS before and after, and one event's fan-out.
 */
async function memoryOfSubscribers(sockets) {
  const dir = await makeRunDir("events-memory");
  const gw = await startGatewayProcess(dir, {
    HOMER_MAX_SUBSCRIPTIONS_PER_KEY: "5000",
    HOMER_MAX_CONNECTIONS: "5000",
    HOMER_MAX_CONNECTIONS_PER_ADDRESS: "5000",
  });
  const clients = [];
  try {
    // Warm: one subscriber, one event, closed, so the code paths are loaded before the baseline.
    let warm = false;
    const first = subscriber(gw.origin, "fanout", () => (warm = true));
    await untilLive(gw.origin, "fanout", () => warm);
    await first.dispose();
    await sleep(2_000);
    const before = procMemMiB(gw.pid, "VmRSS");

    const seen = new Array(SUBSCRIBERS).fill(null);
    for (let i = 0; i < sockets; i++) clients.push(wsClient(gw.origin));
    for (let i = 0; i < SUBSCRIBERS; i++) {
      subscriber(gw.origin, "fanout", (event, at) => (seen[i] ??= { version: event.version, at }), clients[i % sockets]);
    }
    await untilLive(gw.origin, "fanout", () => seen.every((s) => s !== null));
    await sleep(2_000);
    const after = procMemMiB(gw.pid, "VmRSS");

    // One more event to all of them: when did each get it?
    seen.fill(null);
    const sent = Date.now();
    await gql(gw.origin, CREATE, { i: { name: "fanout" } });
    const deadline = Date.now() + 30_000;
    while (seen.some((s) => s === null) && Date.now() < deadline) await sleep(5);
    const fanout = seen.filter(Boolean).map((s) => s.at - sent);
    return { before, after, perSubscriberBytes: ((after - before) * 2 ** 20) / SUBSCRIBERS, fanout, reached: fanout.length };
  } finally {
    for (const client of clients) await client.dispose();
    await gw.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Retained heap per subscription, measured by events-heap.mjs with a forced GC. */
async function heapPerSubscription(sockets) {
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), "events-heap.mjs");
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", script, String(SUBSCRIBERS), String(sockets)]);
  return JSON.parse(stdout.trim().split("\n").at(-1)).heapBytesPerSubscription;
}

const lines = [];
header(`Live events: ${CREATES} sequential creates on replica A, one subscriber on replica B`);
const rows = [["backend", "send→event p50", "p99", "commit→event p50", "p99", "create round trip p50"]];
for (const backend of ["postgres", "sqlite"]) {
  const r = await latencyAcrossReplicas(backend);
  const row = [
    backend,
    `${fmt(percentile(r.sendToEvent, 50), 0)} ms`,
    `${fmt(percentile(r.sendToEvent, 99), 0)} ms`,
    `${fmt(percentile(r.commitToEvent, 50), 0)} ms`,
    `${fmt(percentile(r.commitToEvent, 99), 0)} ms`,
    `${fmt(percentile(r.roundTrip, 50), 0)} ms`,
  ];
  rows.push(row);
  lines.push(`${backend}: create on A → subscriber on B p50 ${row[1]}, p99 ${row[2]} (commit → event p50 ${row[3]}, p99 ${row[4]})`);
}
console.log(table(rows));

header(`Memory: ${SUBSCRIBERS} subscribers on one gateway (SQLite)`);
const memoryRows = [
  ["WebSockets", "RSS before", "RSS after", "RSS per subscriber", "heap kept (GC'd)", "one event reached", "fan-out p50", "p99"],
];
for (const sockets of [SUBSCRIBERS, 10]) {
  const m = await memoryOfSubscribers(sockets);
  const heap = `${fmt((await heapPerSubscription(sockets)) / 1024, 1)} KiB`;
  const perSubscriber = `${fmt(m.perSubscriberBytes / 1024, 1)} KiB`;
  const [p50, p99] = [50, 99].map((p) => `${fmt(percentile(m.fanout, p), 0)} ms`);
  memoryRows.push([
    String(sockets),
    `${fmt(m.before, 1)} MiB`,
    `${fmt(m.after, 1)} MiB`,
    perSubscriber,
    heap,
    `${m.reached}/${SUBSCRIBERS}`,
    p50,
    p99,
  ]);
  lines.push(
    `${SUBSCRIBERS} subscribers on ${sockets} WebSockets: RSS ${fmt(m.before, 1)} → ${fmt(m.after, 1)} MiB (${perSubscriber} each, ` +
      `${heap} of heap kept after GC); ` +
      `one event reached ${m.reached}, fan-out p50 ${p50}, p99 ${p99}`,
  );
}
console.log(table(memoryRows));
reportSummary("events", lines);
