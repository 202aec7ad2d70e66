// How much of each request outlives the young generation: bytes V8 promotes to the old
// generation per request (summed from `--trace-gc-nvp`'s scavenges) and the scavenges'
// pause per 1,000 requests, Homer against its floor, for the sorted first page (as
// `floors`: 10k versions, 32 connections) and for small registrations (as
// `registration`: 16 clients, 3 files each), both on SQLite. A request's objects
// should die young; bytes promoted per request far above the floor's mean something
// keeps requests alive past two scavenges (see BENCHMARKS.md §1, "What outlived the request").
//   BENCH_QUICK=1: 1 round of 3 s per stack (else 3 rounds of 6 s, the order alternating).
// Registrations warm up until the process has run WARM_SCAVENGES scavenges: the first ~22
// of a fresh gateway promote far more than later ones (a start-up phase, also in the floor
// but shorter; notes/reg-promo.md), and a short warm-up would measure that phase instead.
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { serverEnv, startGatewayProcess } from "./gateway-process.mjs";
import { fmt, header, makeRunDir, median, postLoad, QUICK, reportSummary, ROOT, table } from "./lib.mjs";
import { loadSortedPageData, openBackend, SORTED_PAGE_QUERY } from "./listing-data.mjs";
import { freshStore, load } from "./registration-load.mjs";

const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 3 : 6;
const PAGE = JSON.stringify({ query: SORTED_PAGE_QUERY });
const NVP = ["--trace-gc-nvp"];
const WARM_SCAVENGES = 30;
const MAX_WARM_MS = 20_000;

/** Promoted bytes and scavenge pauses in `text` (the nvp lines a process printed). */
function scavenges(text) {
  let promoted = 0;
  let pauseMs = 0;
  let count = 0;
  for (const line of text.split("\n")) {
    if (!line.includes("gc=s ")) continue;
    count++;
    promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
    pauseMs += Number(/^pause=([\d.]+)| pause=([\d.]+)/.exec(line)?.slice(1).find(Boolean) ?? 0);
  }
  return { promoted, pauseMs, count };
}

/**
 * A floor script of bench/floors with `args`; resolves once it listens. Its stdout (where
 * V8 prints the trace) goes to `<dir>/<name>.out`, read back by `output()`.
 */
async function startFloor(script, args, outFile) {
  const out = await fs.open(outFile, "w");
  const child = spawn(process.execPath, [...NVP, path.join(ROOT, "bench", "floors", script), ...args], {
    env: serverEnv(),
    stdio: ["ignore", out.fd, "inherit"],
  });
  await out.close();
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode})`);
    const match = /listening (\d+)/.exec(await fs.readFile(outFile, "utf8"));
    if (match) {
      return {
        origin: `http://127.0.0.1:${match[1]}`,
        output: () => fs.readFile(outFile, "utf8"),
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", done);
            child.kill("SIGTERM");
          }),
      };
    }
    if (Date.now() > deadline) throw new Error(`${script} did not listen within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The gateway, its stdout kept (`output()`), for `measure`. */
async function startHomer(dataDir, env) {
  const server = await startGatewayProcess(dataDir, env, NVP);
  let text = "";
  server.child.stdout.on("data", (chunk) => (text += chunk));
  return { ...server, output: async () => text };
}

/** Runs `drive` against a started process, counting only the scavenges of the measured window. */
async function measure(server, warm, drive) {
  await warm(server);
  const before = (await server.output()).length;
  const requests = await drive(server.origin);
  const text = (await server.output()).slice(before);
  await server.stop();
  const gc = scavenges(text);
  return { requests, promotedKiB: gc.promoted / 1024 / requests, pausePer1k: (gc.pauseMs / requests) * 1000, scavenges: gc.count };
}

const dir = await makeRunDir("promotion");
const results = {};
try {
  const backend = await openBackend("sqlite", dir);
  // The gateway runs in a data dir of its own: it is pointed at the file.
  const env = { ...(await loadSortedPageData(backend)), HOMER_DATABASE_URL: backend.target };

  let stores = 0;
  const page = {
    homer: () => startHomer(path.join(dir, "page-homer"), env),
    floor: () => startFloor("graphql-js.mjs", [backend.target], path.join(dir, `page-floor-${stores++}.out`)),
  };
  const pageLoad = async (origin) => (await postLoad(origin, PAGE, 32, SECONDS)).requests.total;
  const pageWarm = (server) => postLoad(server.origin, PAGE, 32, 2);

  const registration = {
    homer: async () => {
      const store = await freshStore("sqlite", dir, `reg-homer-${stores++}`);
      return startHomer(path.join(dir, `reg-homer-data-${stores}`), {
        HOMER_RATE_LIMIT: "0",
        HOMER_DATABASE_URL: store.database,
        HOMER_BLOB_URL: store.blobs,
      });
    },
    floor: async () => {
      const store = await freshStore("sqlite", dir, `reg-floor-${stores++}`);
      return startFloor("registration.mjs", [store.database, store.blobs], path.join(dir, `reg-floor-${stores}.out`));
    },
  };
  const regLoad = async (origin) => (await load(origin, `m${stores}`, SECONDS)).ok;
  const regWarm = async (server) => {
    const deadline = Date.now() + MAX_WARM_MS;
    let run = 0;
    do await load(server.origin, `w${stores}-${run++}`, 1);
    while (scavenges(await server.output()).count < WARM_SCAVENGES && Date.now() < deadline);
  };

  for (const { workload, starts, warm, drive } of [
    { workload: "sorted first page", starts: page, warm: pageWarm, drive: pageLoad },
    { workload: "registration", starts: registration, warm: regWarm, drive: regLoad },
  ]) {
    header(`Bytes promoted per request: ${workload} (SQLite), ${ROUNDS} round(s) of ${SECONDS} s per stack`);
    const runs = { homer: [], floor: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const stack of round % 2 === 0 ? ["homer", "floor"] : ["floor", "homer"]) {
        const run = await measure(await starts[stack](), warm, drive);
        runs[stack].push(run);
        console.log(
          `round ${round + 1}: ${stack} ${run.requests} requests, ${run.scavenges} scavenges, ` +
            `${fmt(run.promotedKiB, 2)} KiB promoted per request, ${fmt(run.pausePer1k, 1)} ms of scavenge per 1k`,
        );
      }
    }
    const row = (stack) => [
      stack,
      fmt(median(runs[stack].map((r) => r.promotedKiB)), 2),
      fmt(median(runs[stack].map((r) => r.pausePer1k)), 1),
      String(median(runs[stack].map((r) => r.requests))),
    ];
    console.log(
      table([
        ["stack", "KiB promoted per request (median)", "scavenge ms per 1k requests", "requests per run"],
        row("homer"),
        row("floor"),
      ]),
    );
    results[workload] = Object.fromEntries(
      Object.entries(runs).map(([stack, list]) => [
        stack,
        { promotedKiB: median(list.map((r) => r.promotedKiB)), pausePer1k: median(list.map((r) => r.pausePer1k)) },
      ]),
    );
  }
  await fs.writeFile(path.join(ROOT, "bench", ".data", "promotion-results.json"), JSON.stringify(results, null, 2));
  reportSummary(
    "promotion",
    Object.entries(results).map(
      ([workload, r]) =>
        `${workload}: Homer ${fmt(r.homer.promotedKiB, 2)} KiB promoted per request (${fmt(r.homer.pausePer1k, 1)} ms scavenging per 1k), ` +
        `floor ${fmt(r.floor.promotedKiB, 2)} KiB (${fmt(r.floor.pausePer1k, 1)} ms)`,
    ),
  );
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
