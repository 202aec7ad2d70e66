// Large transfers through one long-lived gateway process, back to back and after the
// gateway sat idle, with V8's default collector settings and with the variants that
// BENCHMARKS.md §5 ("Large transfers after an idle spell") measured. On Node 20 a
// process with a heap of the gateway's size slows its next 1 GiB upload or download
// down after a few idle seconds (back-to-back full collections) until it restarts;
// `regressions` met that state in some rounds and not in others.
//   Per variant: a fresh gateway (SQLite + local blobs); ROUNDS uploads and downloads
//   back to back, then ROUNDS of (idle, upload, idle, download). Downloads go to
//   /dev/null with curl, so the figures are the server's. User CPU is the gateway's own.
//   BENCH_ROUNDS=N (3, or 1 quick); BENCH_IDLE_FLAGS='a|b' replaces the variants
//   (node flags, "" for the defaults).
import fs from "node:fs/promises";
import path from "node:path";
import { cpuTimes, startGatewayProcess } from "./gateway-process.mjs";
import { fmt, header, makeBigFile, makeRunDir, median, MiB, QUICK, reportSummary, settle, sh, table, timed } from "./lib.mjs";
import { uploadFile } from "./upload.mjs";

const FILE_BYTES = (QUICK ? 256 : 1024) * MiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 20)
  throw new Error(`BENCH_ROUNDS must be an integer from 1 to 20, got ${process.env.BENCH_ROUNDS}`);
/** Longer than V8's idle heuristics take to shrink the young generation (a few seconds). */
const IDLE_MS = 10_000;
const VARIANTS = (process.env.BENCH_IDLE_FLAGS ?? "|--no-concurrent-array-buffer-sweeping|--single-threaded-gc").split("|");
const idle = () => new Promise((resolve) => setTimeout(resolve, IDLE_MS));

/** `fn` timed, with the gateway's user CPU seconds spent meanwhile. */
async function measured(pid, fn) {
  await settle();
  const before = cpuTimes(pid);
  const run = await timed(fn);
  const after = cpuTimes(pid);
  return { seconds: run.seconds, user: after.user - before.user, system: after.system - before.system, result: run.result };
}

async function upload(homer, source) {
  const run = await measured(homer.pid, () => uploadFile(homer.origin, source, FILE_BYTES));
  if (run.result.status !== 200) throw new Error(`upload answered ${run.result.status}: ${run.result.body.slice(0, 400)}`);
  return { ...run, url: JSON.parse(run.result.body).data.createModel.files[0].downloadUrl };
}

const cpu = (run) => `user ${fmt(run.user)} s, sys ${fmt(run.system)} s`;

const download = (homer, url) => measured(homer.pid, () => sh(`curl -sf -o /dev/null '${url}'`));

async function variant(dir, source, flags) {
  const dataDir = await fs.mkdtemp(path.join(dir, "homer-"));
  const homer = await startGatewayProcess(dataDir, {}, flags.split(" ").filter(Boolean));
  const runs = { busyUp: [], busyDown: [], idleUp: [], idleDown: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const up = await upload(homer, source);
      runs.busyUp.push(up);
      runs.busyDown.push(await download(homer, up.url));
    }
    for (let round = 0; round < ROUNDS; round++) {
      await idle();
      const up = await upload(homer, source);
      runs.idleUp.push(up);
      await idle();
      runs.idleDown.push(await download(homer, up.url));
      console.log(
        `${flags || "defaults"}, round ${round + 1}/${ROUNDS}: after idle upload ${fmt(up.seconds)} s (${cpu(up)}), ` +
          `download ${fmt(runs.idleDown.at(-1).seconds)} s (${cpu(runs.idleDown.at(-1))})`,
      );
    }
  } finally {
    await homer.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
  return runs;
}

const dir = await makeRunDir("idle-transfer");
try {
  header(
    `${FILE_BYTES / MiB} MiB transfers through one gateway (Node ${process.versions.node}): back to back, and after ${IDLE_MS / 1000} s idle`,
  );
  const source = path.join(dir, "big.bin");
  await makeBigFile(source, FILE_BYTES);
  const rows = [];
  const summary = [];
  for (const flags of VARIANTS) {
    const runs = await variant(dir, source, flags);
    const m = (list, key) => median(list.map((r) => r[key]));
    const cell = (list) => `${fmt(m(list, "seconds"))} s, user ${fmt(m(list, "user"))}, sys ${fmt(m(list, "system"))}`;
    const name = flags || "V8 defaults";
    rows.push([name, cell(runs.busyUp), cell(runs.idleUp), cell(runs.busyDown), cell(runs.idleDown)]);
    summary.push(
      `${name}: upload ${fmt(m(runs.busyUp, "seconds"))} s back to back, ${fmt(m(runs.idleUp, "seconds"))} s after idle ` +
        `(${fmt(m(runs.idleUp, "seconds") / m(runs.busyUp, "seconds"))}x); download ${fmt(m(runs.busyDown, "seconds"))} s, ` +
        `${fmt(m(runs.idleDown, "seconds"))} s (${fmt(m(runs.idleDown, "seconds") / m(runs.busyDown, "seconds"))}x)`,
    );
  }
  console.log(`\nmedians of ${ROUNDS} round(s); user, sys = the gateway's user and system CPU seconds\n`);
  console.log(
    table([
      ["gateway's node flags", "upload, back to back", "upload after idle", "download, back to back", "download after idle"],
      ...rows,
    ]),
  );
  reportSummary("idle-transfer", summary);
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
