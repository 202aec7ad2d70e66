// Goal 3 of issue 10: the sorted first page and totalCount against family size.
// Families of 1k, 10k, 100k and 1M versions (x 10 metrics) live side by side in one
// database with 1000 small ones, on SQLite and PostgreSQL; every call goes through
// RegistryService (as a resolver calls it), the sizes interleaved call by call, in
// several rounds so that the shared machine's drift shows as spread.
//   BENCH_SIZES=1000,10000 narrows the sizes; BENCH_BACKENDS=sqlite|postgres the backends.
// Writes bench/.data/family-size-results.json; bench/family-size-plot.mjs draws it.
import fs from "node:fs/promises";
import path from "node:path";
import { pino } from "pino";
import { Caller } from "../gateway/dist/access/caller.js";
import { RegistryService } from "../gateway/dist/registry/registry.service.js";
import { fmt, header, makeRunDir, measure, median, QUICK, reportSummary, ROOT, table, timed } from "./lib.mjs";
import { METRIC_KEYS, openBackend, populate } from "./listing-data.mjs";
import { DEFAULT_SQLITE_READERS } from "../gateway/dist/config.js";

const CALLER = Caller.open();
const SIZES = (process.env.BENCH_SIZES ?? (QUICK ? "1000,10000,100000" : "1000,10000,100000,1000000")).split(",").map(Number);
if (SIZES.some((n) => !Number.isInteger(n) || n < 1) || SIZES.length < 2)
  throw new Error(`BENCH_SIZES: two or more sizes, got ${process.env.BENCH_SIZES}`);
const BACKENDS = (process.env.BENCH_BACKENDS ?? "sqlite,postgres").split(",").map((b) => b.trim());
const FILLERS = Array.from({ length: 1000 }, (_, i) => ({ name: `other-${i}`, versions: 3 }));
const PAGE = 50;
const ROUNDS = QUICK ? 3 : 5;
const PER_ROUND = QUICK ? { warmup: 5, iterations: 40 } : { warmup: 10, iterations: 100 };
const LIMITS = { maxFileSize: 2 ** 30, maxFiles: 10_000, maxInputExampleBytes: 2 ** 18 };
const PAGE_GOAL = 1.2;
const COUNT_GOAL = 1.5;

export const sizeLabel = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1000 ? `${n / 1000}k` : String(n));

/** The two measured calls: what `models(name, sortKey, first: 50) { nodes { version metric } }` and `{ totalCount }` cost. */
const CASES = [
  {
    id: "page",
    label: "first page (sortKey accuracy DESC, metrics)",
    run: (registry, name) =>
      registry.listModels(CALLER, {
        name,
        sortKey: "accuracy",
        direction: "DESC",
        first: PAGE,
        parts: { metrics: true, files: false },
      }),
  },
  {
    id: "count",
    label: "totalCount",
    run: (registry, name) => registry.listModels(CALLER, { name, first: 0 }).then((page) => page.totalCount()),
  },
];

async function benchBackend(name, dir) {
  // As the gateway reads: SQLite listings on its reader threads.
  const backend = await openBackend(name, dir, { readers: DEFAULT_SQLITE_READERS });
  try {
    const families = SIZES.map((versions) => ({ name: `family-${versions}`, versions }));
    const load = await timed(() => populate(backend, [...families, ...FILLERS], { rebuildIndexes: true }));
    const analyze = await timed(() => backend.analyze());
    const total = [...families, ...FILLERS].reduce((sum, f) => sum + f.versions, 0);
    console.log(
      `${name}: loaded ${total} versions x ${METRIC_KEYS.length} metrics in ${fmt(load.seconds, 1)} s ` +
        `(${fmt(total / load.seconds, 0)} versions/s), ${name === "sqlite" ? "ANALYZE" : "VACUUM ANALYZE"} ${fmt(analyze.seconds, 1)} s`,
    );
    const registry = new RegistryService(backend.store, null, LIMITS, pino({ level: "silent" }));
    for (const family of families) {
      const count = await CASES[1].run(registry, family.name);
      const page = await CASES[0].run(registry, family.name);
      if (count !== family.versions || page.nodes.length !== Math.min(PAGE, family.versions))
        throw new Error(`${name} ${family.name}: totalCount ${count}, page of ${page.nodes.length}`);
    }
    // rounds[case][size index] = that round's median ms.
    const rounds = Object.fromEntries(CASES.map((c) => [c.id, SIZES.map(() => [])]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of CASES) {
        const stats = await measure(
          families.map((f) => () => c.run(registry, f.name)),
          PER_ROUND,
        );
        stats.forEach((s, k) => rounds[c.id][k].push(s.median));
      }
      console.log(
        `${name} round ${round + 1}/${ROUNDS}: page ${SIZES.map((n, k) => `${sizeLabel(n)} ${fmt(rounds.page[k].at(-1), 3)}`).join(", ")} ms`,
      );
    }
    const entries = SIZES.map((versions, k) => ({
      versions,
      ...Object.fromEntries(
        CASES.map((c) => {
          const xs = rounds[c.id][k];
          return [c.id, { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), rounds: xs }];
        }),
      ),
    }));
    return { name, loadSeconds: load.seconds, analyzeSeconds: analyze.seconds, totalVersions: total, sizes: entries };
  } finally {
    await backend.close();
  }
}

/** Goal checks at the largest size against the smallest, with the per-round ratio spread. */
function goals(r) {
  const small = r.sizes[0];
  const big = r.sizes.at(-1);
  const perRound = (a, b) => a.rounds.map((x, i) => x / b.rounds[i]);
  const pageRatios = perRound(big.page, small.page);
  const countRatios = perRound(big.count, big.page);
  const pageRatio = big.page.median / small.page.median;
  const countRatio = big.count.median / big.page.median;
  return {
    pageRatio,
    pageRatioMin: Math.min(...pageRatios),
    pageRatioMax: Math.max(...pageRatios),
    pageHolds: pageRatio <= PAGE_GOAL,
    countRatio,
    countRatioMin: Math.min(...countRatios),
    countRatioMax: Math.max(...countRatios),
    countHolds: countRatio <= COUNT_GOAL,
  };
}

export async function runFamilySize() {
  header(`First page and totalCount vs family size (${SIZES.map(sizeLabel).join(", ")} versions), ${BACKENDS.join(" and ")}`);
  const dir = await makeRunDir("family-size");
  try {
    const all = [];
    for (const name of BACKENDS) all.push(await benchBackend(name, dir));
    const rows = [["backend", "versions", "first page ms median", "min–max", "totalCount ms median", "min–max", "count / page"]];
    for (const r of all) {
      for (const s of r.sizes) {
        rows.push([
          r.name,
          sizeLabel(s.versions),
          fmt(s.page.median, 3),
          `${fmt(s.page.min, 3)}–${fmt(s.page.max, 3)}`,
          fmt(s.count.median, 3),
          `${fmt(s.count.min, 3)}–${fmt(s.count.max, 3)}`,
          `${fmt(s.count.median / s.page.median)}x`,
        ]);
      }
    }
    console.log(
      `\nmedian of ${ROUNDS} rounds (each the median of ${PER_ROUND.iterations} calls per size, interleaved); min–max of the round medians\n`,
    );
    console.log(table(rows));
    const big = sizeLabel(SIZES.at(-1));
    const small = sizeLabel(SIZES[0]);
    const lines = [];
    for (const r of all) {
      const g = (r.goals = goals(r));
      lines.push(
        `${r.name}: loaded ${r.totalVersions} versions in ${fmt(r.loadSeconds, 1)} s; first page ${SIZES.map((n, k) => `${sizeLabel(n)} ${fmt(r.sizes[k].page.median, 3)}`).join(", ")} ms; ` +
          `totalCount ${SIZES.map((n, k) => `${sizeLabel(n)} ${fmt(r.sizes[k].count.median, 3)}`).join(", ")} ms`,
        `${r.name}: first page ${big}/${small} ${fmt(g.pageRatio)}x (per round ${fmt(g.pageRatioMin)}–${fmt(g.pageRatioMax)}x; goal <= ${PAGE_GOAL}x: ${g.pageHolds ? "holds" : "DOES NOT HOLD"}); ` +
          `totalCount / page at ${big} ${fmt(g.countRatio)}x (per round ${fmt(g.countRatioMin)}–${fmt(g.countRatioMax)}x; goal <= ${COUNT_GOAL}x: ${g.countHolds ? "holds" : "DOES NOT HOLD"})`,
      );
    }
    for (const l of lines) console.log(l);
    const out = path.join(ROOT, "bench", ".data", "family-size-results.json");
    await fs.writeFile(
      out,
      JSON.stringify(
        { at: new Date().toISOString(), quick: QUICK, page: PAGE, rounds: ROUNDS, perRound: PER_ROUND, backends: all },
        null,
        2,
      ),
    );
    console.log(`\nresults written to ${path.relative(ROOT, out)}; plot: node bench/family-size-plot.mjs`);
    return lines;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  reportSummary("family-size", await runFamilySize());
}
