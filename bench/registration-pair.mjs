// Where Homer's CPU per registration goes against the floor's, and A/B runs of
// Homer builds. The load is registration.mjs's (16 clients, 3 × 2 KiB files each).
// Every stack (each Homer build, then the floor) gets a fresh store of the chosen
// kind; rounds run every stack once, in an order that rotates, and report server
// CPU per registration (utime + stime), which is steadier on a shared machine
// than throughput: the ratio to the floor's CPU in the same round, median and min–max.
//   BENCH_HOMER=base=/tmp/dist-base/main.js,new=gateway/dist/main.js compares builds
//     (default: this tree's gateway/dist); a copy of gateway/dist placed beside it
//     (e.g. gateway/dist-base) resolves the same node_modules. Node flags for a build
//     and environment variables follow its script: `big=gateway/dist/main.js|--max-semi-space-size=32|UV_THREADPOOL_SIZE=8`.
//   BENCH_BACKENDS=sqlite|postgres (the first one); BENCH_ROUNDS, BENCH_SECONDS.
//   BENCH_PROFILE=1: then each stack is profiled in turn under the same load (only the
//     measured window counts) and self time is split by module, in µs per registration.
import fs from "node:fs/promises";
import path from "node:path";
import { cpuSeconds, startFloorProcess, startGatewayProcess } from "./gateway-process.mjs";
import { fmt, header, homerBuilds, makeRunDir, median, QUICK, reportSummary, ROOT, table } from "./lib.mjs";
import { summariseProfile, topFunctions } from "./floors/profile.mjs";
import { CLIENTS, freshStore, load } from "./registration-load.mjs";

const BACKEND = (process.env.BENCH_BACKENDS ?? "sqlite").split(",")[0].trim();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 5 : 7));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 2 : 5));
const WARMUP_SECONDS = QUICK ? 3 : 4;
const PROFILE_SECONDS = QUICK ? 3 : 6;
const PROFILE = /^(1|true|yes)$/i.test(process.env.BENCH_PROFILE ?? "");
const BUILDS = homerBuilds();

/** The samples of the last `seconds` of a profile (the measured run; the process stops right after it). */
function lastWindow(profile, seconds) {
  const cut = profile.endTime - (seconds + 0.3) * 1e6;
  let t = profile.startTime;
  const keep = profile.timeDeltas.map((d) => (t += d) >= cut);
  return { ...profile, samples: profile.samples.filter((_, i) => keep[i]), timeDeltas: profile.timeDeltas.filter((_, i) => keep[i]) };
}

const dir = await makeRunDir("registration-pair");
const stacks = [];
try {
  // Each start gets a fresh store: a gateway restarted on a full one would scan it for orphans meanwhile.
  const fresh = async (s, suffix) => {
    const store = await freshStore(BACKEND, dir, `${s.id}${suffix}`);
    s.stores.push(store);
    return store;
  };
  for (const build of BUILDS) {
    const start = async (s, nodeArgs, suffix) => {
      const store = await fresh(s, suffix);
      const env = { ...build.env, HOMER_RATE_LIMIT: "0", HOMER_DATABASE_URL: store.database, HOMER_BLOB_URL: store.blobs };
      return startGatewayProcess(path.join(dir, `${build.label}${suffix}`), env, [...build.nodeArgs, ...nodeArgs], build.main);
    };
    stacks.push({ id: build.label, start, stores: [] });
  }
  stacks.push({
    id: "floor",
    start: async (s, nodeArgs, suffix) => {
      const store = await fresh(s, suffix);
      return startFloorProcess("floors/registration.mjs", [store.database, store.blobs], nodeArgs);
    },
    stores: [],
  });
  header(`Registration CPU, ${BACKEND}: ${stacks.map((s) => s.id).join(" / ")}, ${CLIENTS} clients, ${ROUNDS} rounds × ${SECONDS} s`);
  for (const s of stacks) {
    s.server = await s.start(s, [], "");
    await load(s.server.origin, `warm-${s.id}`, WARMUP_SECONDS);
    s.rounds = [];
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = stacks.map((_, i) => stacks[(i + round) % stacks.length]);
    for (const [position, s] of order.entries()) {
      const before = cpuSeconds(s.server.pid);
      const r = await load(s.server.origin, `r${round}-${s.id}`, SECONDS);
      if (r.failed > 0) throw new Error(`${s.id}: ${r.failed} registrations failed`);
      s.rounds[round] = { rps: r.rps, cpuUs: ((cpuSeconds(s.server.pid) - before) * 1e6) / Math.max(r.ok, 1), position };
    }
    console.log(
      `round ${round + 1}/${ROUNDS}: ${order.map((s) => `${s.id} ${fmt(s.rounds[round].cpuUs, 0)} µs/reg ${fmt(s.rounds[round].rps, 0)}/s`).join(", ")}`,
    );
  }
  const floor = stacks.at(-1);
  const range = (xs, f) => `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
  const pct = (x) => `${fmt(x * 100, 0)} %`;
  const rows = stacks.map((s) => {
    const cpu = s.rounds.map((r) => r.cpuUs);
    const cpuRatio = s.rounds.map((r, i) => r.cpuUs / floor.rounds[i].cpuUs);
    const rpsRatio = s.rounds.map((r, i) => r.rps / floor.rounds[i].rps);
    const cpuVsFirst = s.rounds.map((r, i) => r.cpuUs / stacks[0].rounds[i].cpuUs);
    return { id: s.id, cpu, cpuRatio, cpuVsFirst, rpsRatio, rps: s.rounds.map((r) => r.rps) };
  });
  console.log(
    table([
      [
        "stack",
        "CPU µs/reg median (min–max)",
        "CPU vs floor, per round",
        `CPU vs ${stacks[0].id}, per round`,
        "reg/s median (min–max)",
        "reg/s vs floor, per round",
      ],
      ...rows.map((r) => [
        r.id,
        range(r.cpu, (x) => fmt(x, 0)),
        range(r.cpuRatio, (x) => `${fmt(x, 2)}x`),
        range(r.cpuVsFirst, (x) => `${fmt(x, 2)}x`),
        range(r.rps, (x) => fmt(x, 0)),
        range(r.rpsRatio, pct),
      ]),
    ]),
  );

  if (PROFILE) {
    for (const s of stacks) {
      await s.server.stop();
      const profDir = path.join(dir, `profile-${s.id}`);
      const server = await s.start(s, ["--cpu-prof", `--cpu-prof-dir=${profDir}`], "-profiled");
      s.server = server;
      await load(server.origin, `pwarm-${s.id}`, WARMUP_SECONDS);
      const before = cpuSeconds(server.pid);
      const run = await load(server.origin, `prof-${s.id}`, PROFILE_SECONDS);
      const cpu = cpuSeconds(server.pid) - before;
      await server.stop();
      const [file] = (await fs.readdir(profDir)).filter((f) => f.endsWith(".cpuprofile"));
      const raw = JSON.parse(await fs.readFile(path.join(profDir, file), "utf8"));
      await fs.copyFile(path.join(profDir, file), path.join(ROOT, "bench", ".data", `registration-${s.id}-${BACKEND}.cpuprofile`));
      const profile = lastWindow(raw, PROFILE_SECONDS);
      s.profile = { cpuUs: (cpu * 1e6) / run.ok, modules: summariseProfile(profile, run.ok), top: topFunctions(profile, 25) };
    }
    const names = [...new Set(stacks.flatMap((s) => s.profile.modules.map((m) => m.module)))];
    const us = (s, m) => s.profile.modules.find((x) => x.module === m)?.usPerRequest ?? 0;
    const diff = (s, m) => us(s, m) - us(floor, m);
    header(`Self time by module, µs per registration (${BACKEND}, profiled in turn)`);
    console.log(
      table([
        ["module", ...stacks.map((s) => s.id), ...stacks.slice(0, -1).map((s) => `${s.id} − floor`)],
        [
          "process CPU per registration (outside the profiler)",
          ...stacks.map((s) => fmt(s.profile.cpuUs, 0)),
          ...stacks.slice(0, -1).map((s) => fmt(s.profile.cpuUs - floor.profile.cpuUs, 0)),
        ],
        ...names
          .sort((a, b) => us(stacks[0], b) - us(stacks[0], a))
          .map((m) => [
            m,
            ...stacks.map((s) => fmt(us(s, m), 0)),
            ...stacks.slice(0, -1).map((s) => `${diff(s, m) >= 0 ? "+" : ""}${fmt(diff(s, m), 0)}`),
          ]),
      ]),
    );
    for (const s of stacks)
      console.log(`\n${s.id}, top self time:\n${s.profile.top.map((t) => `  ${fmt(t.share * 100, 1).padStart(5)} %  ${t.fn}`).join("\n")}`);
  }
  await fs.writeFile(
    path.join(ROOT, "bench", ".data", "registration-pair-results.json"),
    JSON.stringify(
      { at: new Date().toISOString(), backend: BACKEND, stacks: stacks.map((s) => ({ id: s.id, rounds: s.rounds })) },
      null,
      2,
    ),
  );
  reportSummary(
    "registration-pair",
    rows.map(
      (r) =>
        `${BACKEND} ${r.id}: ${fmt(median(r.cpu), 0)} µs CPU/reg, ${fmt(median(r.cpuRatio), 2)}x floor CPU, ${pct(median(r.rpsRatio))} of floor reg/s`,
    ),
  );
} finally {
  for (const s of stacks) await s.server?.stop().catch(() => {});
  for (const store of stacks.flatMap((s) => s.stores)) await store.drop().catch(() => {});
  await fs.rm(dir, { recursive: true, force: true });
}
