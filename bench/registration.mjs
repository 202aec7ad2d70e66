// Homer against its registration floor: small createModel uploads (a few small
// files, a few metrics) from 16 concurrent clients, served by Homer's gateway
// process and by bench/floors/registration.mjs (bare node:http + busboy + sha256 +
// fsync of blob and directory + one transaction through Homer's own store), each on
// a fresh store of the same kind: SQLite + local blob directory (the embedded
// default), then PostgreSQL + local blob directory. Rounds are interleaved (both
// stacks once per round, alternating who goes first). Every registration has a
// name of its own and files with bytes of their own, so nothing conflicts or dedupes.
//   BENCH_BACKENDS=sqlite|postgres narrows it; BENCH_PROFILE=1 also writes a CPU
//   profile of Homer's gateway under the same load (bench/.data/homer-registration-<backend>.cpuprofile).
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { cpuSeconds, startFloorProcess, startGatewayProcess } from "./gateway-process.mjs";
import { againstFloor, floorTableRows, fmt, header, makeRunDir, QUICK, reportSummary, ROOT, table } from "./lib.mjs";
import { summariseProfile, topFunctions } from "./floors/profile.mjs";
import { CLIENTS, FILE_BYTES, FILES, freshStore, load, newAgent, registration, send } from "./registration-load.mjs";
import { openSqliteStore } from "../gateway/dist/storage/sqlite/index.js";
import { openPostgresStore } from "../gateway/dist/storage/postgres/index.js";

const ROUNDS = QUICK ? 5 : 7;
const SECONDS = QUICK ? 2 : 6;
const WARMUP_SECONDS = QUICK ? 1 : 2;
const PROFILE_SECONDS = QUICK ? 3 : 8;
const BACKENDS = (process.env.BENCH_BACKENDS ?? "sqlite,postgres").split(",").filter(Boolean);
const PROFILE = /^(1|true|yes)$/i.test(process.env.BENCH_PROFILE ?? "");

async function openStore(database) {
  if (database.startsWith("postgres")) return (await openPostgresStore(database, { connectTimeoutMs: 0 })).metadata;
  return openSqliteStore(database, { eventPollMs: 60_000 });
}

/** A registration as each stack answers it, then as its store and blob directory hold it. */
async function verify(stack, reg) {
  const agent = newAgent();
  const res = await send(stack.server.origin, reg, agent).finally(() => agent.destroy());
  if (res.status !== 200) throw new Error(`${stack.id} answered ${res.status}: ${res.body.slice(0, 300)}`);
  const answer = JSON.parse(res.body);
  const expected = reg.files.map(([p, bytes]) => ({ path: p, sha256: createHash("sha256").update(bytes).digest("hex") }));
  const want = { data: { createModel: { name: reg.name, version: 1, files: expected } } };
  if (JSON.stringify(answer) !== JSON.stringify(want)) throw new Error(`${stack.id} answered ${res.body.slice(0, 400)}`);
  const store = await openStore(stack.store.database);
  try {
    const [listed] = await store.listModels({
      project: "default",
      name: reg.name,
      sortKey: null,
      direction: "DESC",
      limit: 2,
      after: null,
      parts: { metrics: true, files: true },
    });
    if (listed?.model.version !== 1 || listed.model.metrics.length !== 3) throw new Error(`${stack.id}: ${reg.name} is not listed`);
    for (const f of expected) {
      if (!listed.model.files.some((l) => l.path === f.path && l.sha256 === f.sha256)) throw new Error(`${stack.id}: ${f.path} not listed`);
      const bytes = await fs.readFile(path.join(stack.store.blobs, f.sha256.slice(0, 2), f.sha256));
      if (createHash("sha256").update(bytes).digest("hex") !== f.sha256) throw new Error(`${stack.id}: blob ${f.sha256} is wrong on disk`);
    }
  } finally {
    await store.close();
  }
  return Buffer.byteLength(res.body);
}

async function runBackend(backend, dir) {
  header(`Registration: ${backend} + local blobs, ${CLIENTS} clients, ${FILES} × ${FILE_BYTES} B files, ${ROUNDS} rounds × ${SECONDS} s`);
  const stacks = [];
  try {
    const homerStore = await freshStore(backend, dir, `homer-${backend}`);
    const homerEnv = { HOMER_RATE_LIMIT: "0", HOMER_DATABASE_URL: homerStore.database, HOMER_BLOB_URL: homerStore.blobs };
    const homer = await startGatewayProcess(path.join(dir, `homer-${backend}`), homerEnv);
    stacks.push({ id: "homer", label: `Homer (${backend})`, server: homer, store: homerStore });
    const floorStore = await freshStore(backend, dir, `floor-${backend}`);
    stacks.push({
      id: "floor",
      label: `floor: node:http + busboy (${backend})`,
      server: await startFloorProcess("floors/registration.mjs", [floorStore.database, floorStore.blobs]),
      store: floorStore,
    });

    for (const s of stacks) s.bytes = await verify(s, registration(`verify-${s.id}`));
    for (const s of stacks) await load(s.server.origin, `warm-${s.id}`, WARMUP_SECONDS);

    for (const s of stacks) s.rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...stacks].reverse() : stacks;
      for (const s of order) {
        const cpuBefore = cpuSeconds(s.server.pid);
        const r = await load(s.server.origin, `r${round}-${s.id}`, SECONDS);
        const cpu = cpuSeconds(s.server.pid) - cpuBefore;
        if (r.failed > 0) throw new Error(`${s.id}: ${r.failed} registrations failed`);
        s.rounds.push({ rps: r.rps, cpuUsPerReq: (cpu * 1e6) / Math.max(r.ok, 1), p50: r.p50 });
      }
      console.log(`round ${round + 1}/${ROUNDS}: ${stacks.map((s) => `${s.id} ${fmt(s.rounds.at(-1).rps, 0)}/s`).join(", ")}`);
    }

    const results = againstFloor(stacks).map((entry) => ({ backend, ...entry }));
    const rows = floorTableRows(results, "reg");
    console.log(table(rows));

    if (PROFILE) {
      await homer.stop();
      const profDir = path.join(dir, `profile-${backend}`);
      const profiled = await startGatewayProcess(path.join(dir, `homer-${backend}`), homerEnv, ["--cpu-prof", `--cpu-prof-dir=${profDir}`]);
      stacks[0].server = profiled;
      await load(profiled.origin, "prof-warm", WARMUP_SECONDS);
      const run = await load(profiled.origin, "prof", PROFILE_SECONDS);
      await profiled.stop();
      const [profFile] = (await fs.readdir(profDir)).filter((f) => f.endsWith(".cpuprofile"));
      const raw = JSON.parse(await fs.readFile(path.join(profDir, profFile), "utf8"));
      // Registrations during warm-up and the profiled run both count against the profile's time.
      const profile = summariseProfile(raw, run.ok + Math.round(run.rps * WARMUP_SECONDS));
      header(`Homer's CPU profile, registrations on ${backend} (self time by module)`);
      console.log(
        table([
          ["module", "share", "µs/reg (approx.)"],
          ...profile.map((p) => [p.module, `${fmt(p.share * 100, 1)} %`, fmt(p.usPerRequest, 0)]),
        ]),
      );
      console.log(
        `\ntop self time:\n${topFunctions(raw)
          .map((t) => `  ${fmt(t.share * 100, 1).padStart(5)} %  ${t.fn}`)
          .join("\n")}`,
      );
      const keep = path.join(ROOT, "bench", ".data", `homer-registration-${backend}.cpuprofile`);
      await fs.copyFile(path.join(profDir, profFile), keep);
      console.log(`profile kept as ${path.relative(ROOT, keep)}`);
    }
    return results;
  } finally {
    for (const s of stacks) await s.server.stop().catch(() => {});
    for (const s of stacks) await s.store.drop().catch(() => {});
  }
}

const dir = await makeRunDir("registration");
try {
  const results = [];
  for (const backend of BACKENDS) results.push(...(await runBackend(backend, dir)));
  const out = path.join(ROOT, "bench", ".data", "registration-results.json");
  await fs.writeFile(
    out,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        quick: QUICK,
        clients: CLIENTS,
        files: FILES,
        fileBytes: FILE_BYTES,
        rounds: ROUNDS,
        seconds: SECONDS,
        results,
      },
      null,
      2,
    ),
  );
  console.log(`\nresults written to ${path.relative(ROOT, out)}`);
  reportSummary(
    "registration",
    results.map(
      (r) =>
        `${r.label}: ${fmt(r.rps, 0)} reg/s (${fmt(r.rpsMin, 0)}–${fmt(r.rpsMax, 0)}), ${fmt(r.ratio * 100, 0)} % of floor (per-round median ${fmt(r.ratioPerRound * 100, 0)} %, ${fmt(r.ratioMin * 100, 0)}–${fmt(r.ratioMax * 100, 0)} %), ${fmt(r.cpuUsPerReq, 0)} µs CPU/reg`,
    ),
  );
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
