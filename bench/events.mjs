// Live events: create→subscriber latency across two gateway processes (replicas) on
// one database, and what 1,000 open subscriptions cost one gateway in memory.
//   node bench/events.mjs            BENCH_QUICK=1 for fewer samples
import fs from "node:fs/promises";
import path from "node:path";
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

/** One subscriber on its own WebSocket; `onEvent(event, arrivedAtMs)` for each. */
function subscriber(origin, name, onEvent) {
  const client = createClient({ url: `${origin.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
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

/** 1,000 subscribers (each its own WebSocket) on one gateway: RSS before and after, and one event's fan-out. */
async function memoryOfSubscribers() {
  const dir = await makeRunDir("events-memory");
  const gw = await startGatewayProcess(dir, { HOMER_MAX_SUBSCRIPTIONS_PER_KEY: "5000", HOMER_MAX_CONNECTIONS: "5000" });
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
    for (let i = 0; i < SUBSCRIBERS; i++)
      clients.push(subscriber(gw.origin, "fanout", (event, at) => (seen[i] ??= { version: event.version, at })));
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

header(`Memory: ${SUBSCRIBERS} subscribers (one WebSocket each) on one gateway (SQLite)`);
const m = await memoryOfSubscribers();
console.log(
  table([
    ["RSS before", "RSS after", "per subscriber", "one event reached", "fan-out p50", "p99"],
    [
      `${fmt(m.before, 1)} MiB`,
      `${fmt(m.after, 1)} MiB`,
      `${fmt(m.perSubscriberBytes / 1024, 1)} KiB`,
      `${m.reached}/${SUBSCRIBERS}`,
      `${fmt(percentile(m.fanout, 50), 0)} ms`,
      `${fmt(percentile(m.fanout, 99), 0)} ms`,
    ],
  ]),
);
lines.push(
  `${SUBSCRIBERS} subscribers: RSS ${fmt(m.before, 1)} → ${fmt(m.after, 1)} MiB (${fmt(m.perSubscriberBytes / 1024, 1)} KiB each); ` +
    `one event reached ${m.reached}, fan-out p50 ${fmt(percentile(m.fanout, 50), 0)} ms, p99 ${fmt(percentile(m.fanout, 99), 0)} ms`,
);
reportSummary("events", lines);
