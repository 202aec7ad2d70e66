// Runs the benchmarks, each in its own Node process so that one's memory (a loaded
// 100k-version SQLite, a 1 GiB stream) does not show in the other's figures.
//   node bench/run.mjs [listing] [upload] [sdk] [sdk-download-pair] [s3] [events] [replicas] [floors] [registration] [family-size] [regressions] [profile-pair] [registration-pair] [page-pair] [filtered] [promotion] [pg-thread] [idle-transfer]
//   BENCH_QUICK=1 for a smaller, faster run; BENCH_BACKENDS=sqlite|postgres narrows listing,
//   floors, family-size and regressions.
import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fmt, header, QUICK } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Benchmark name -> its script in bench/. */
const SCRIPTS = {
  listing: "listing.mjs",
  upload: "upload.mjs",
  sdk: "sdk-upload.mjs",
  "sdk-download-pair": "sdk-download-pair.mjs",
  s3: "s3.mjs",
  events: "events.mjs",
  replicas: "replicas.mjs",
  floors: "floors.mjs",
  registration: "registration.mjs",
  "family-size": "family-size.mjs",
  regressions: "regressions.mjs",
  "profile-pair": "profile-pair.mjs",
  "registration-pair": "registration-pair.mjs",
  "page-pair": "page-pair.mjs",
  filtered: "filtered.mjs",
  promotion: "promotion.mjs",
  "pg-thread": "pg-thread.mjs",
  "idle-transfer": "idle-transfer.mjs",
};
const ALL = Object.keys(SCRIPTS);
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !ALL.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; choose from: ${ALL.join(", ")}`);
  process.exit(2);
}

function runOne(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    let lines = null;
    const child = fork(path.join(HERE, SCRIPTS[name]), [], { stdio: "inherit" });
    child.on("message", (message) => {
      if (message?.bench === name) lines = message.lines;
    });
    child.once("exit", (code, signal) => {
      const seconds = (Date.now() - started) / 1000;
      resolve({ name, ok: code === 0 && lines !== null, lines: lines ?? [`FAILED (${code ?? signal})`], seconds });
    });
  });
}

const results = [];
for (const name of chosen.length > 0 ? chosen : ALL) results.push(await runOne(name));

header(`Summary${QUICK ? " (BENCH_QUICK)" : ""}`);
for (const r of results) {
  console.log(`\n[${r.name}] (${fmt(r.seconds, 1)} s)`);
  for (const line of r.lines) console.log(`  ${line}`);
}
console.log("");
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
