// Homer against floors on the same data: the sorted first page served by Homer's
// gateway process and by bare node:http + graphql-js (the floor), graphql-yoga,
// mercurius and mercurius + graphql-jit, all reading the same SQLite file or the same
// PostgreSQL database through Homer's own store (same SQL). On SQLite the floors read
// on their event loop, as a bare server does, and Homer on its reader threads
// (HOMER_SQLITE_READERS); two more stacks swap that: Homer on its event loop, and the
// floor on the store's reader threads. Each server is its own
// process; rounds are interleaved (every stack once per round, in a rotating order) so
// that the shared machine's drift hits all alike. Then a CPU profile of Homer under
// the same load. One table per backend; BENCH_BACKENDS=sqlite|postgres narrows.
import fs from "node:fs/promises";
import path from "node:path";
import { cpuSeconds, startFloorProcess, startGatewayProcess } from "./gateway-process.mjs";
import { againstFloor, floorTableRows, fmt, header, makeRunDir, postLoad, QUICK, reportSummary, ROOT, table } from "./lib.mjs";
import { loadSortedPageData, openBackend, SORTED_PAGE_QUERY } from "./listing-data.mjs";
import { summariseProfile, topFunctions } from "./floors/profile.mjs";
import { DEFAULT_SQLITE_READERS } from "../gateway/dist/config.js";

const VERSIONS = 10_000;
const CONNECTIONS = 32;
const ROUNDS = QUICK ? 5 : 7;
const SECONDS = QUICK ? 2 : 8;
const WARMUP_SECONDS = QUICK ? 1 : 3;
const PROFILE_SECONDS = QUICK ? 3 : 10;
const QUERY = SORTED_PAGE_QUERY;
const BODY = JSON.stringify({ query: QUERY });
const BACKENDS = (process.env.BENCH_BACKENDS ?? "sqlite,postgres")
  .split(",")
  .map((b) => b.trim())
  .filter(Boolean);
const LABELS = { sqlite: "SQLite", postgres: "PostgreSQL" };
for (const b of BACKENDS) if (!LABELS[b]) throw new Error(`BENCH_BACKENDS: unknown backend ${b}; choose from sqlite, postgres`);

const FLOORS = [
  { id: "floor", label: "node:http + graphql-js (floor)", args: ["floors/graphql-js.mjs"] },
  { id: "yoga", label: "graphql-yoga", args: ["floors/yoga.mjs"] },
  { id: "mercurius", label: "mercurius", args: ["floors/mercurius.mjs"] },
  { id: "mercurius-jit", label: "mercurius + graphql-jit", args: ["floors/mercurius.mjs", "--jit"] },
];

async function post(origin) {
  const res = await fetch(`${origin}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: BODY });
  return { status: res.status, body: await res.text() };
}

const load = (origin, seconds) => postLoad(origin, BODY, CONNECTIONS, seconds);

/** Loads the data on `name`, runs the interleaved rounds and the profile; returns the table's entries. */
async function benchBackend(name, dir, stacks) {
  header(`Floors on ${LABELS[name]}: sorted first page, ${VERSIONS} versions, ${CONNECTIONS} connections, ${ROUNDS} rounds x ${SECONDS} s`);
  const backend = await openBackend(name, dir);
  try {
    const gatewayEnv = await loadSortedPageData(backend, VERSIONS);

    const homer = await startGatewayProcess(dir, gatewayEnv);
    const readers = `${DEFAULT_SQLITE_READERS} reader thread${DEFAULT_SQLITE_READERS === 1 ? "" : "s"}`;
    stacks.push({
      id: "homer",
      label: `Homer (Apollo + type-graphql, ${LABELS[name]}${name === "sqlite" ? `, ${readers}` : ""})`,
      server: homer,
    });
    for (const floor of FLOORS)
      stacks.push({ ...floor, server: await startFloorProcess(floor.args[0], [backend.target, ...floor.args.slice(1)]) });
    if (name === "sqlite") {
      // Each of the two the other way: Homer reading on its event loop, the floor on Homer's reader threads.
      const loop = await startGatewayProcess(dir, { ...gatewayEnv, HOMER_SQLITE_READERS: "0" });
      stacks.push({ id: "homer-loop", label: "Homer, reads on the event loop (HOMER_SQLITE_READERS=0)", server: loop });
      const floorReaders = await startFloorProcess("floors/graphql-js.mjs", [backend.target, `--readers=${DEFAULT_SQLITE_READERS}`]);
      stacks.push({ id: "floor-readers", label: `floor on the store's ${readers}`, server: floorReaders });
    }
    const results = await measureStacks(stacks);
    console.log(table(resultRows(results)));

    for (const s of stacks) await s.server.stop();
    stacks.length = 0;
    const profile = await profileHomer(name, dir, gatewayEnv, stacks);
    return { name, results, profile };
  } finally {
    for (const s of stacks) await s.server.stop().catch(() => {});
    stacks.length = 0;
    await backend.close();
  }
}

/** Checks every stack answers the same, warms them up, then runs the interleaved rounds. */
async function measureStacks(stacks) {
  // Same answer, byte for byte, from every stack.
  const reference = await post(stacks[1].server.origin);
  if (reference.status !== 200 || !reference.body.includes('"version"'))
    throw new Error(`floor answered ${reference.status}: ${reference.body.slice(0, 300)}`);
  for (const s of stacks) {
    const { status, body } = await post(s.server.origin);
    s.bytes = Buffer.byteLength(body);
    s.sameBytes = status === 200 && body === reference.body;
    if (!s.sameBytes) {
      const same = status === 200 && JSON.stringify(JSON.parse(body)) === JSON.stringify(JSON.parse(reference.body));
      if (!same) throw new Error(`${s.id} answers differently (${status}): ${body.slice(0, 300)}`);
      s.sameJson = true;
    }
  }
  for (const s of stacks) await load(s.server.origin, WARMUP_SECONDS);

  for (const s of stacks) s.rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = stacks.map((_, i) => stacks[(i + round) % stacks.length]);
    for (const s of order) {
      const cpuBefore = cpuSeconds(s.server.pid);
      const r = await load(s.server.origin, SECONDS);
      const cpu = cpuSeconds(s.server.pid) - cpuBefore;
      const ok = r.requests.total - r.non2xx - r.errors;
      if (r.non2xx > 0 || r.errors > 0) console.warn(`${s.id}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      s.rounds.push({ rps: ok / SECONDS, cpuUsPerReq: (cpu * 1e6) / Math.max(ok, 1), p50: r.latency.p50, p99: r.latency.p99 });
    }
    console.log(`round ${round + 1}/${ROUNDS}: ${stacks.map((s) => `${s.id} ${fmt(s.rounds.at(-1).rps, 0)}`).join(", ")}`);
  }

  return againstFloor(stacks);
}

function resultRows(results) {
  return floorTableRows(results, "req", {
    header: ["bytes"],
    cells: (entry) => [`${entry.bytes}${entry.sameBytes ? "" : " (same JSON, other bytes)"}`],
  });
}

/** Homer alone under the same load, profiled; its self time by module. */
async function profileHomer(name, dir, gatewayEnv, stacks) {
  const profDir = path.join(dir, `profile-${name}`);
  const profiled = await startGatewayProcess(dir, gatewayEnv, ["--cpu-prof", `--cpu-prof-dir=${profDir}`]);
  stacks.push({ id: "homer-profiled", server: profiled });
  await load(profiled.origin, WARMUP_SECONDS);
  const profiledRun = await load(profiled.origin, PROFILE_SECONDS);
  await profiled.stop();
  stacks.length = 0;
  const [profFile] = (await fs.readdir(profDir)).filter((f) => f.endsWith(".cpuprofile"));
  const raw = JSON.parse(await fs.readFile(path.join(profDir, profFile), "utf8"));
  const profile = summariseProfile(raw, profiledRun.requests.total);
  header(`Homer's CPU profile on ${LABELS[name]} under the same load (self time by module)`);
  console.log(`${profiledRun.requests.total} requests in ${PROFILE_SECONDS} s under the profiler`);
  console.log(
    table([["module", "share", "µs/request"], ...profile.map((p) => [p.module, `${fmt(p.share * 100, 1)} %`, fmt(p.usPerRequest, 0)])]),
  );
  const top = topFunctions(raw);
  console.log(`\ntop self time:\n${top.map((t) => `  ${fmt(t.share * 100, 1).padStart(5)} %  ${t.fn}`).join("\n")}`);
  const keep = path.join(ROOT, "bench", ".data", `homer-sorted-page${name === "sqlite" ? "" : `-${name}`}.cpuprofile`);
  await fs.copyFile(path.join(profDir, profFile), keep);
  console.log(`profile kept as ${path.relative(ROOT, keep)} (open in Chrome DevTools or speedscope)`);
  return profile;
}

const dir = await makeRunDir("floors");
const stacks = [];
try {
  const backends = [];
  for (const name of BACKENDS) {
    // Each backend gets its own data dir: the SQLite file and the gateway's blobs.
    const backendDir = path.join(dir, name);
    await fs.mkdir(backendDir);
    backends.push(await benchBackend(name, backendDir, stacks));
  }
  for (const b of backends) {
    header(`Sorted first page on ${LABELS[b.name]}, ${VERSIONS} versions (median of ${ROUNDS} interleaved rounds)`);
    console.log(table(resultRows(b.results)));
  }

  const out = path.join(ROOT, "bench", ".data", "floors-results.json");
  await fs.writeFile(
    out,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        quick: QUICK,
        versions: VERSIONS,
        connections: CONNECTIONS,
        rounds: ROUNDS,
        seconds: SECONDS,
        backends,
      },
      null,
      2,
    ),
  );
  console.log(`\nresults written to ${path.relative(ROOT, out)}`);

  reportSummary(
    "floors",
    backends.flatMap((b) => [
      ...b.results.map(
        (r) =>
          `${LABELS[b.name]}: ${r.label}: ${fmt(r.rps, 0)} req/s (${fmt(r.rpsMin, 0)}–${fmt(r.rpsMax, 0)}), ${fmt(r.ratio * 100, 0)} % of floor (per-round median ${fmt(r.ratioPerRound * 100, 0)} %, ${fmt(r.ratioMin * 100, 0)}–${fmt(r.ratioMax * 100, 0)} %), ${fmt(r.cpuUsPerReq, 0)} µs CPU/req, p50 ${fmt(r.p50, 1)} ms`,
      ),
      `${LABELS[b.name]}: Homer's profile: ${b.profile
        .slice(0, 6)
        .map((p) => `${p.module} ${fmt(p.share * 100, 0)} %`)
        .join(", ")}`,
    ]),
  );
} finally {
  for (const s of stacks) await s.server.stop().catch(() => {});
  await fs.rm(dir, { recursive: true, force: true });
}
