// Replicas: registrations/s and sorted-query req/s with 2 gateway processes vs 1,
// on one PostgreSQL database and one blob directory. Both gateways run throughout;
// a "1 replica" round sends all load to the first, a "2 replicas" round splits it
// round robin. Rounds alternate (1, 2, 1, 2, …) so background load on a shared
// machine lands on both sides of the ratio; each figure is the median of its rounds.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { cpuSeconds, startGatewayProcess } from "./gateway-process.mjs";
import { createPgDatabase, fmt, header, makeRunDir, measure, QUICK, reportSummary, table } from "./lib.mjs";

const CLIENTS = 16;
const ROUND_SECONDS = QUICK ? 4 : 10;
const ROUNDS = QUICK ? 2 : 3;
const SEEDED = QUICK ? 1_000 : 5_000;
/** Registrations go to several families: one family's creates serialise on its row by design. */
const FAMILIES = 8;
const FILE_BYTES = 4096;

/**
 * A Redis server of the bench's own (Debian's redis-server on a free port, no
 * persistence), for the limiter's latency in Redis; null when there is none.
 */
async function startRedis() {
  const port = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const ready = await new Promise((resolve) => {
    let output = "";
    child.once("error", () => resolve(false));
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (/Ready to accept connections/.test(output)) resolve(true);
    });
    setTimeout(() => resolve(false), 10_000);
  });
  if (!ready) {
    child.kill("SIGKILL");
    return null;
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill("SIGKILL") };
}

const REGISTER = `mutation Register($input: CreateModelInput!) { createModel(input: $input) { version } }`;
const SORTED = `query Sorted { models(name: "sorted", sortKey: "accuracy", first: 50) { nodes { version metrics { key value } } } }`;

async function register(origin, family, i) {
  const form = new FormData();
  const input = { name: family, metrics: [{ key: "accuracy", value: Math.random() }], files: [{ path: "w.bin", file: null }] };
  form.set("operations", JSON.stringify({ query: REGISTER, variables: { input } }));
  form.set("map", JSON.stringify({ 0: ["variables.input.files.0.file"] }));
  const bytes = randomBytes(FILE_BYTES);
  bytes.writeUInt32LE(i, 0);
  form.set("0", new Blob([bytes]), "w.bin");
  const res = await fetch(`${origin}/graphql`, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form });
  const body = await res.json();
  if (body.errors) throw new Error(`registration failed: ${JSON.stringify(body.errors)}`);
}

async function sortedQuery(origin) {
  const res = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: SORTED }),
  });
  const body = await res.json();
  if (body.errors || body.data.models.nodes.length !== 50) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
}

/**
 * `CLIENTS` loops calling `op(origin, n)` for `seconds`, spread round robin over
 * `origins`; returns completed ops per second and the gateways' CPU ms per op.
 */
async function load(origins, seconds, op) {
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const cpuBefore = gateways.reduce((sum, g) => sum + cpuSeconds(g.pid), 0);
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let n = 0; Date.now() < deadline; n++) {
        await op(origins[(client + n) % origins.length], client, n);
        done++;
      }
    }),
  );
  const perSecond = done / (Number(process.hrtime.bigint() - started) / 1e9);
  const cpuMs = ((gateways.reduce((sum, g) => sum + cpuSeconds(g.pid), 0) - cpuBefore) * 1000) / done;
  return { perSecond, cpuMs };
}

/** The round with the median rate (its CPU figure goes with it). */
const median = (xs) => [...xs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor((xs.length - 1) / 2)];

header(`Replicas on PostgreSQL: 2 gateways vs 1 (${os.cpus().length} CPUs, ${CLIENTS} clients, ${ROUNDS}×${ROUND_SECONDS} s rounds)`);
const database = await createPgDatabase();
const dataDir = await makeRunDir("replicas");
const settings = { HOMER_DATABASE_URL: database.url, HOMER_BLOB_URL: path.join(dataDir, "blobs"), HOMER_RATE_LIMIT: "0" };
const gateways = [];
let redis = null;
try {
  gateways.push(await startGatewayProcess(path.join(dataDir, "a"), settings));
  gateways.push(await startGatewayProcess(path.join(dataDir, "b"), settings));
  const [a, b] = gateways.map((g) => g.origin);

  let seeded = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      while (seeded < SEEDED) await register(seeded++ % 2 ? a : b, "sorted", client * 1e6 + seeded);
    }),
  );
  console.log(`seeded family "sorted" with ${seeded} versions`);

  const results = { reg1: [], reg2: [], q1: [], q2: [] };
  let counter = 0;
  const registerOp = (origin, client) => register(origin, `reg-${client % FAMILIES}`, ++counter);
  for (let round = 0; round < ROUNDS; round++) {
    results.reg1.push(await load([a], ROUND_SECONDS, registerOp));
    results.reg2.push(await load([a, b], ROUND_SECONDS, registerOp));
    results.q1.push(await load([a], ROUND_SECONDS, sortedQuery));
    results.q2.push(await load([a, b], ROUND_SECONDS, sortedQuery));
    console.log(
      `round ${round + 1}: registrations/s ${fmt(results.reg1.at(-1).perSecond, 1)} vs ${fmt(results.reg2.at(-1).perSecond, 1)}; ` +
        `sorted queries/s ${fmt(results.q1.at(-1).perSecond, 1)} vs ${fmt(results.q2.at(-1).perSecond, 1)}`,
    );
  }
  const row = (label, one, two) => [
    label,
    fmt(one.perSecond, 1),
    fmt(two.perSecond, 1),
    `${fmt(two.perSecond / one.perSecond)}x`,
    fmt(one.cpuMs, 2),
    fmt(two.cpuMs, 2),
  ];
  const rows = [
    ["workload", "1 replica /s", "2 replicas /s", "ratio", "gw CPU ms/op (1)", "(2)"],
    row("registrations (4 KiB file)", median(results.reg1), median(results.reg2)),
    row("sorted query (first 50 + metrics)", median(results.q1), median(results.q2)),
  ];
  console.log(`\n${table(rows)}`);

  // What the shared rate limit costs one request: the same query, one client at a
  // time, on three fresh (equally cold) gateways with the limit off, at 199/min (a
  // PostgreSQL round trip per request) and at the default 1200/min (tokens taken
  // 12 at a time). 160 requests stay within the smallest budget.
  const variants = [
    { label: "rate limit off", env: { HOMER_RATE_LIMIT: "0" } },
    { label: "199/min in PostgreSQL (a take per request)", env: { HOMER_RATE_LIMIT: "199" } },
    { label: "1200/min in PostgreSQL (12 tokens a take)", env: { HOMER_RATE_LIMIT: "1200" } },
  ];
  redis = await startRedis();
  if (redis)
    variants.push({ label: "199/min in Redis (a take per request)", env: { HOMER_RATE_LIMIT: "199", HOMER_REDIS_URL: redis.url } });
  const fresh = await Promise.all(variants.map((v, i) => startGatewayProcess(path.join(dataDir, `limit-${i}`), { ...settings, ...v.env })));
  gateways.push(...fresh);
  const stats = await measure(
    fresh.map((g) => () => sortedQuery(g.origin)),
    { warmup: 10, iterations: 150 },
  );
  const latency = [
    ["sorted query, one client", "p50 ms", "p95 ms"],
    ...variants.map((v, i) => [v.label, fmt(stats[i].median), fmt(stats[i].p95)]),
  ];
  console.log(`\n${table(latency)}`);
  reportSummary("replicas", [
    `${os.cpus().length} CPUs shared with the load generator and PostgreSQL; ${CLIENTS} clients; median of ${ROUNDS} rounds of ${ROUND_SECONDS} s`,
    ...table(rows).split("\n"),
    "",
    ...table(latency).split("\n"),
  ]);
} finally {
  await Promise.all(gateways.map((g) => g.stop()));
  redis?.stop();
  await database.drop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
