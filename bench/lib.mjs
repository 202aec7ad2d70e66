// Helpers shared by the benchmarks: timing statistics, tables, temp dirs, PostgreSQL admin.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import pg from "pg";

export const QUICK = /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? "");
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Gitignored, and on the same filesystem as the repository (checked in upload.mjs). */
export const DATA_ROOT = path.join(ROOT, "bench", ".data");
export const PG_ADMIN_URL = process.env.HOMER_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export const MiB = 2 ** 20;

/** A TCP port nothing listens on right now (the kernel picks it), for tools that need a port up front. */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Nearest-rank percentile of an already sorted array. */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Runs each of `fns` `warmup` times unmeasured, then `iterations` rounds calling each
 * once in turn; returns ms statistics per fn. Interleaving keeps background load on
 * a shared machine from landing on one side of a ratio.
 */
export async function measure(fns, { warmup, iterations }) {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const samples = fns.map(() => []);
  for (let i = 0; i < iterations; i++) {
    for (const [k, fn] of fns.entries()) {
      const start = process.hrtime.bigint();
      await fn();
      samples[k].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return samples.map((s) => {
    s.sort((a, b) => a - b);
    return { median: percentile(s, 50), p95: percentile(s, 95), min: s[0], n: s.length };
  });
}

/** Wall time of one async call, in seconds, plus its result. */
export async function timed(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, result };
}

export const fmt = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

/** A plain-text table: first row is the header; numbers are right-aligned. */
export function table(rows) {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) =>
    r
      .map((c, i) => (i > 0 && /^[-\d.,x×%]+$/.test(c) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

export function header(title) {
  const bar = "=".repeat(Math.max(60, title.length + 4));
  console.log(`\n${bar}\n  ${title}\n${bar}`);
}

export async function makeRunDir(prefix) {
  await fs.mkdir(DATA_ROOT, { recursive: true });
  return fs.mkdtemp(path.join(DATA_ROOT, `${prefix}-`));
}

async function withAdmin(run) {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A fresh PostgreSQL database, as test/support/backends.ts makes them. */
export async function createPgDatabase() {
  const name = `homer_bench_${randomBytes(6).toString("hex")}`;
  await withAdmin((c) => c.query(`create database ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => withAdmin((c) => c.query(`drop database if exists ${name} with (force)`)) };
}

/** Deterministic PRNG (mulberry32), so both backends hold the same data. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reports a benchmark's summary lines to run.mjs (forked with IPC) or prints them. */
export function reportSummary(name, lines) {
  if (process.send) process.send({ bench: name, lines });
  else {
    header(`Summary: ${name}`);
    for (const l of lines) console.log(`  ${l}`);
  }
}

/** Random 1 MiB block, stamped with its index so no two blocks (or blobs) repeat; returns the sha256. */
export async function makeBigFile(file, bytes) {
  const block = randomBytes(MiB);
  const hash = createHash("sha256");
  const handle = await fs.open(file, "w");
  try {
    for (let i = 0; i * MiB < bytes; i++) {
      block.writeBigUInt64LE(BigInt(i), 0);
      const chunk = block.subarray(0, Math.min(MiB, bytes - i * MiB));
      hash.update(chunk);
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

/** Runs a shell command, its output inherited; rejects on a non-zero exit. */
export const sh = (script) =>
  new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", script], { stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${script}: exit ${code}`))));
  });

/** Flushes earlier writes (untimed), so one phase's dirty pages do not bill the next. */
export const settle = () => sh("sync");

/** sha256 (hex) and size of a file, streamed. */
export async function sha256OfFile(file) {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

/**
 * Writes `n` into bytes 8–15 of `file` (makeBigFile's first block keeps its index in 0–7) and
 * returns its new sha256: an upload of the file is then new bytes to the registry, which
 * otherwise takes the path of a blob it already holds.
 */
export async function stampFile(file, n) {
  const handle = await fs.open(file, "r+");
  try {
    const stamp = Buffer.alloc(8);
    stamp.writeBigUInt64LE(BigInt(n));
    await handle.write(stamp, 0, 8, 8);
  } finally {
    await handle.close();
  }
  return (await sha256OfFile(file)).sha256;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Each stack's interleaved rounds (`{ rps, cpuUsPerReq, p50 }`) against the stack
 * with id "floor": median rate with min–max, the median's ratio to the floor's median
 * ("vs floor"), the median of the per-round ratios (each round against the floor's run
 * in the same round) with their min–max, and CPU per request with its ratio. The two
 * ratios differ when the rounds spread; both are printed.
 */
export function againstFloor(stacks) {
  const floor = stacks.find((s) => s.id === "floor");
  const floorRps = median(floor.rounds.map((r) => r.rps));
  const floorCpu = median(floor.rounds.map((r) => r.cpuUsPerReq));
  return stacks.map((s) => {
    const rps = s.rounds.map((r) => r.rps);
    const ratios = s.rounds.map((r, i) => r.rps / floor.rounds[i].rps);
    const cpu = median(s.rounds.map((r) => r.cpuUsPerReq));
    return {
      id: s.id,
      label: s.label,
      rps: median(rps),
      rpsMin: Math.min(...rps),
      rpsMax: Math.max(...rps),
      ratio: median(rps) / floorRps,
      ratioPerRound: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      cpuUsPerReq: cpu,
      cpuRatio: cpu / floorCpu,
      p50: median(s.rounds.map((r) => r.p50)),
      bytes: s.bytes,
      sameBytes: s.sameBytes,
    };
  });
}

/** `againstFloor`'s entries as table rows (`unit`: "req" or "reg"); `extra` adds columns per entry. */
export function floorTableRows(results, unit, extra) {
  const head = [
    "stack",
    `${unit}/s median`,
    "min–max",
    "vs floor",
    "per-round median",
    "ratio min–max",
    `CPU µs/${unit}`,
    "vs floor CPU",
    "p50 ms",
  ];
  const rows = [extra ? [...head, ...extra.header] : head];
  for (const entry of results) {
    const row = [
      entry.label,
      fmt(entry.rps, 0),
      `${fmt(entry.rpsMin, 0)}–${fmt(entry.rpsMax, 0)}`,
      `${fmt(entry.ratio * 100, 0)} %`,
      `${fmt(entry.ratioPerRound * 100, 0)} %`,
      `${fmt(entry.ratioMin * 100, 0)}–${fmt(entry.ratioMax * 100, 0)} %`,
      fmt(entry.cpuUsPerReq, 0),
      `${fmt(entry.cpuRatio, 2)}x`,
      fmt(entry.p50, 1),
    ];
    rows.push(extra ? [...row, ...extra.cells(entry)] : row);
  }
  return rows;
}

/** `connections` keep-alive clients POSTing the JSON `body` to `origin`/graphql for `seconds` (autocannon's result). */
export function postLoad(origin, body, connections, seconds) {
  return autocannon({
    url: `${origin}/graphql`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections,
    duration: seconds,
  });
}

/**
 * The Homer builds a pair bench compares: `BENCH_HOMER=label=path/to/main.js,…` (default:
 * this tree's gateway/dist as "homer"). Node flags and environment variables may follow a
 * build's script: `big=gateway/dist/main.js|--max-semi-space-size=32|UV_THREADPOOL_SIZE=8`.
 */
export function homerBuilds() {
  return (process.env.BENCH_HOMER ?? `homer=${path.join(ROOT, "gateway", "dist", "main.js")}`).split(",").map((entry) => {
    const at = entry.indexOf("=");
    if (at <= 0) throw new Error(`BENCH_HOMER: expected label=path/to/main.js, got ${entry}`);
    const [main, ...extra] = entry.slice(at + 1).split("|");
    const nodeArgs = extra.filter((arg) => arg.startsWith("-"));
    const bad = extra.find((arg) => !arg.startsWith("-") && arg.indexOf("=") <= 0);
    if (bad !== undefined) throw new Error(`BENCH_HOMER: ${bad} is neither a node flag nor NAME=value`);
    const env = Object.fromEntries(
      extra.filter((arg) => !arg.startsWith("-")).map((arg) => [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]),
    );
    return { label: entry.slice(0, at), main: path.resolve(ROOT, main), nodeArgs, env };
  });
}
