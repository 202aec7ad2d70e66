// A/B runs of Homer builds on the sorted first page (the `floors` query and data),
// against the bare graphql-js floor in the same rounds. Every stack serves the same
// SQLite file or PostgreSQL database; rounds run every stack once, in an order that
// rotates, and report the server's CPU per request (utime + stime), steadier on a
// shared machine than throughput: the ratio to the floor's and to the first build's
// CPU in the same round, median and min–max, beside req/s against the floor.
//   BENCH_HOMER=base=gateway/dist-base/main.js,new=gateway/dist/main.js compares builds
//     (default: this tree's gateway/dist); a copy of gateway/dist placed beside it
//     (e.g. gateway/dist-base) resolves the same node_modules; node flags and environment
//     variables may follow a build's script, as in registration-pair.mjs.
//   BENCH_FLOOR_NODE_FLAGS="--max-semi-space-size=32" gives the floor node flags too (a flag
//     tried on Homer, tried on the floor as well, says whether it is Homer's gain or anyone's).
//   BENCH_QUERY='{ __typename }' sends another query (the HTTP and GraphQL layers alone).
//   BENCH_BACKENDS=sqlite|postgres (the first one); BENCH_ROUNDS, BENCH_SECONDS; BENCH_CONNECTIONS
//     (32; 1 measures a lone client's latency: its req/s is one over the time per request).
import fs from "node:fs/promises";
import { cpuSeconds, startFloorProcess, startGatewayProcess } from "./gateway-process.mjs";
import { fmt, header, homerBuilds, makeRunDir, median, postLoad, QUICK, reportSummary, table } from "./lib.mjs";
import { loadSortedPageData, openBackend, pairQueryBody } from "./listing-data.mjs";

const VERSIONS = 10_000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BACKEND = (process.env.BENCH_BACKENDS ?? "sqlite").split(",")[0].trim();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 5 : 9));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 2 : 4));
const WARMUP_SECONDS = QUICK ? 1 : 3;
const BODY = pairQueryBody();
const BUILDS = homerBuilds();
const FLOOR_FLAGS = (process.env.BENCH_FLOOR_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
for (const flag of FLOOR_FLAGS) if (!flag.startsWith("-")) throw new Error(`BENCH_FLOOR_NODE_FLAGS: ${flag} is not a node flag`);

const dir = await makeRunDir("page-pair");
const backend = await openBackend(BACKEND, dir);
const stacks = [];
try {
  const env = await loadSortedPageData(backend, VERSIONS);
  for (const build of BUILDS)
    stacks.push({ id: build.label, server: await startGatewayProcess(dir, { ...env, ...build.env }, build.nodeArgs, build.main) });
  stacks.push({ id: "floor", server: await startFloorProcess("floors/graphql-js.mjs", [backend.target], FLOOR_FLAGS) });
  header(
    `Sorted first page, ${BACKEND}: ${stacks.map((s) => s.id).join(" / ")}${FLOOR_FLAGS.length ? ` (floor: ${FLOOR_FLAGS.join(" ")})` : ""}, ` +
      `${CONNECTIONS} connections, ${ROUNDS} rounds × ${SECONDS} s`,
  );
  for (const s of stacks) {
    await postLoad(s.server.origin, BODY, CONNECTIONS, WARMUP_SECONDS);
    s.rounds = [];
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = stacks.map((_, i) => stacks[(i + round) % stacks.length]);
    for (const s of order) {
      const before = cpuSeconds(s.server.pid);
      const r = await postLoad(s.server.origin, BODY, CONNECTIONS, SECONDS);
      const ok = r.requests.total - r.non2xx - r.errors;
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${s.id}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
      s.rounds[round] = { rps: ok / SECONDS, cpuUs: ((cpuSeconds(s.server.pid) - before) * 1e6) / Math.max(ok, 1) };
    }
    console.log(
      `round ${round + 1}/${ROUNDS}: ${order.map((s) => `${s.id} ${fmt(s.rounds[round].cpuUs, 0)} µs ${fmt(s.rounds[round].rps, 0)}/s`).join(", ")}`,
    );
  }
  const floor = stacks.at(-1);
  const range = (xs, f) => `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
  const pct = (x) => `${fmt(x * 100, 0)} %`;
  const rows = stacks.map((s) => ({
    id: s.id,
    cpu: s.rounds.map((r) => r.cpuUs),
    cpuRatio: s.rounds.map((r, i) => r.cpuUs / floor.rounds[i].cpuUs),
    cpuVsFirst: s.rounds.map((r, i) => r.cpuUs / stacks[0].rounds[i].cpuUs),
    rpsRatio: s.rounds.map((r, i) => r.rps / floor.rounds[i].rps),
  }));
  console.log(
    table([
      ["stack", "CPU µs/req median (min–max)", "CPU vs floor, per round", `CPU vs ${stacks[0].id}, per round`, "req/s vs floor, per round"],
      ...rows.map((r) => [
        r.id,
        range(r.cpu, (x) => fmt(x, 0)),
        range(r.cpuRatio, (x) => `${fmt(x, 2)}x`),
        range(r.cpuVsFirst, (x) => `${fmt(x, 2)}x`),
        range(r.rpsRatio, pct),
      ]),
    ]),
  );
  reportSummary(
    "page-pair",
    rows.map(
      (r) =>
        `${BACKEND} ${r.id}: ${fmt(median(r.cpu), 0)} µs CPU/req, ${fmt(median(r.cpuRatio), 2)}x floor CPU, ${fmt(median(r.cpuVsFirst), 2)}x ${stacks[0].id}, ${pct(median(r.rpsRatio))} of floor req/s`,
    ),
  );
} finally {
  for (const s of stacks) await s.server.stop().catch(() => {});
  await backend.close();
  await fs.rm(dir, { recursive: true, force: true });
}
