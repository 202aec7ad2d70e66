// Where Homer's time goes against the floor's: the sorted first page (as `floors`),
// Homer's gateway and the bare graphql-js floor profiled in turn under the same load on
// the same SQLite file. Only the samples of the measured window count (start-up and
// warm-up are cut), split by module, in µs per request, beside each process's own CPU
// time per request measured outside the profiler; then each again under V8's sampling heap
// profiler (bench/alloc-sampler.mjs): bytes allocated per request, by module, collected or
// kept. BENCH_BACKENDS=postgres for PostgreSQL; BENCH_QUERY='{ __typename }' profiles another
// query (that one: the HTTP and GraphQL layers alone, no store).
import fs from "node:fs/promises";
import path from "node:path";
import { cpuSeconds, startFloorProcess, startGatewayProcess } from "./gateway-process.mjs";
import { fmt, header, makeRunDir, postLoad, QUICK, reportSummary, ROOT, table } from "./lib.mjs";
import { loadSortedPageData, openBackend, pairQueryBody } from "./listing-data.mjs";
import { summariseAllocations, summariseProfile, topFunctions } from "./floors/profile.mjs";

const VERSIONS = 10_000;
const CONNECTIONS = 32;
const WARMUP_SECONDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 3 : 8;
const BODY = pairQueryBody();
const BACKEND = (process.env.BENCH_BACKENDS ?? "sqlite").split(",")[0].trim();

const load = (origin, seconds) => postLoad(origin, BODY, CONNECTIONS, seconds);

/** The samples of the last `seconds` of a profile (the measured run; the process stops right after it). */
function lastWindow(profile, seconds) {
  const cut = profile.endTime - (seconds + 0.3) * 1e6;
  let t = profile.startTime;
  const keep = profile.timeDeltas.map((d) => (t += d) >= cut);
  return { ...profile, samples: profile.samples.filter((_, i) => keep[i]), timeDeltas: profile.timeDeltas.filter((_, i) => keep[i]) };
}

async function profiled(start, profDir) {
  const server = await start(["--cpu-prof", `--cpu-prof-dir=${profDir}`]);
  await load(server.origin, WARMUP_SECONDS);
  const before = cpuSeconds(server.pid);
  const run = await load(server.origin, SECONDS);
  const cpu = cpuSeconds(server.pid) - before;
  await server.stop();
  const [file] = (await fs.readdir(profDir)).filter((f) => f.endsWith(".cpuprofile"));
  const profile = lastWindow(JSON.parse(await fs.readFile(path.join(profDir, file), "utf8")), SECONDS);
  const requests = run.requests.total;
  return { requests, cpuUs: (cpu * 1e6) / requests, modules: summariseProfile(profile, requests), top: topFunctions(profile, 12) };
}

/**
 * Table rows of one per-module figure (`field`), Homer's beside the floor's and their
 * difference, largest first; modules whose two figures add up to less than `least` are left out.
 */
function byModule(homerModules, floorModules, field, format, least = 0) {
  const of = (modules, module) => modules.find((m) => m.module === module)?.[field] ?? 0;
  return [...new Set([...homerModules, ...floorModules].map((m) => m.module))]
    .map((m) => [m, of(homerModules, m), of(floorModules, m)])
    .filter(([, h, f]) => h + f >= least)
    .sort((a, b) => b[1] + b[2] - (a[1] + a[2]))
    .map(([m, h, f]) => [m, format(h), format(f), `${h - f >= 0 ? "+" : ""}${format(h - f)}`]);
}

/** Bytes allocated per request in the measured window, by module (the sampler starts after the warm-up). */
async function allocations(start, file) {
  process.env.HOMER_BENCH_ALLOC_OUT = file;
  let server;
  try {
    server = await start(["--import", path.join(ROOT, "bench", "alloc-sampler.mjs")]);
  } finally {
    delete process.env.HOMER_BENCH_ALLOC_OUT;
  }
  await load(server.origin, WARMUP_SECONDS);
  process.kill(server.pid, "SIGUSR2");
  const run = await load(server.origin, SECONDS);
  await server.stop();
  return summariseAllocations(JSON.parse(await fs.readFile(file, "utf8")), run.requests.total);
}

const dir = await makeRunDir("profile-pair");
const backend = await openBackend(BACKEND, dir);
try {
  const env = await loadSortedPageData(backend, VERSIONS);
  header(
    `Homer and the floor profiled in turn: ${process.env.BENCH_QUERY ? process.env.BENCH_QUERY : "sorted first page"} on ${BACKEND}, ${CONNECTIONS} connections, ${SECONDS} s measured`,
  );
  const startHomer = (nodeArgs) => startGatewayProcess(dir, env, nodeArgs);
  const startFloor = (nodeArgs) => startFloorProcess("floors/graphql-js.mjs", [backend.target], nodeArgs);
  const homer = await profiled(startHomer, path.join(dir, "p-homer"));
  const floor = await profiled(startFloor, path.join(dir, "p-floor"));
  console.log(
    table([
      ["module (µs per request)", "Homer", "floor", "Homer − floor"],
      ["process CPU per request (outside the profiler)", fmt(homer.cpuUs, 0), fmt(floor.cpuUs, 0), `${fmt(homer.cpuUs / floor.cpuUs, 2)}x`],
      ...byModule(homer.modules, floor.modules, "usPerRequest", (us) => fmt(us, 0)),
    ]),
  );
  const homerAlloc = await allocations(startHomer, path.join(dir, "alloc-homer.json"));
  const floorAlloc = await allocations(startFloor, path.join(dir, "alloc-floor.json"));
  const kib = (bytes) => fmt(bytes / 1024, 1);
  console.log(
    `\n${table([
      ["module (KiB allocated per request)", "Homer", "floor", "Homer − floor"],
      [
        "all allocations (sampled, kept or collected)",
        kib(homerAlloc.bytesPerRequest),
        kib(floorAlloc.bytesPerRequest),
        `${fmt(homerAlloc.bytesPerRequest / floorAlloc.bytesPerRequest, 2)}x`,
      ],
      ...byModule(homerAlloc.modules, floorAlloc.modules, "bytesPerRequest", kib, 256),
    ])}`,
  );
  const tops = { Homer: homer, floor };
  for (const name of Object.keys(tops)) {
    const lines = tops[name].top.map((t) => `  ${fmt(t.share * 100, 1).padStart(5)} %  ${t.fn}`);
    console.log(`\n${name}, top self time:\n${lines.join("\n")}`);
  }
  reportSummary("profile-pair", [
    `${BACKEND}: Homer ${fmt(homer.cpuUs, 0)} µs CPU/request, floor ${fmt(floor.cpuUs, 0)} (${fmt(homer.cpuUs / floor.cpuUs, 2)}x)`,
    `${BACKEND}: Homer allocates ${kib(homerAlloc.bytesPerRequest)} KiB per request, floor ${kib(floorAlloc.bytesPerRequest)} (${fmt(homerAlloc.bytesPerRequest / floorAlloc.bytesPerRequest, 2)}x)`,
  ]);
} finally {
  await backend.close();
}
