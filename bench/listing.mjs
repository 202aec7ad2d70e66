// Listing latency: `models(name, sortKey: "accuracy")` pages on a large family vs a
// small one, on SQLite and PostgreSQL. Keyset paging over the metrics_sort indexes
// should make a page cost the same whatever the family size, and totalCount reads the
// family's maintained version_count, so it should too.
//   BENCH_BIG=1000000 node bench/listing.mjs     the big family's size (default 100k, 20k quick)
import fs from "node:fs/promises";
import { pino } from "pino";
import { Caller } from "../gateway/dist/access/caller.js";
import { RegistryService } from "../gateway/dist/registry/registry.service.js";

/** The embedded default with no keys: every project is readable. */
const CALLER = Caller.open();
import { fmt, header, makeRunDir, measure, QUICK, reportSummary, table, timed } from "./lib.mjs";
import { explain, METRIC_KEYS, openBackend, planProblems, populate } from "./listing-data.mjs";

const BIG = Number(process.env.BENCH_BIG ?? (QUICK ? 20_000 : 100_000));
if (!Number.isInteger(BIG) || BIG < 2_000) throw new Error(`BENCH_BIG must be an integer of at least 2000, got ${process.env.BENCH_BIG}`);
const SMALL = 1_000;
const FAMILIES = [
  { name: "small", versions: SMALL },
  { name: "big", versions: BIG },
];
// Other families around them, as in a real registry: the families lookup and the
// metrics indexes then hold more than the two measured families.
const FILLERS = Array.from({ length: 1000 }, (_, i) => ({ name: `other-${i}`, versions: 3 }));
const PAGE = 50;
const RUNS = QUICK ? { warmup: 10, iterations: 50 } : { warmup: 20, iterations: 200 };
const BACKENDS = (process.env.BENCH_BACKENDS ?? "sqlite,postgres").split(",").map((b) => b.trim());

const sizeLabel = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1000 ? `${n / 1000}k` : String(n));
const LIMITS = { maxFileSize: 2 ** 30, maxFiles: 10_000, maxInputExampleBytes: 2 ** 18 };

/** Nested parts read with each node: none, or the metrics a `nodes { metrics }` query selects. */
const NO_PARTS = { metrics: false, files: false };
const METRICS = { metrics: true, files: false };

/** The listing cases, each a closure over a family prepared by `prepare`. */
function cases(registry) {
  const list = (f, direction, after, parts = NO_PARTS) =>
    registry.listModels(CALLER, { name: f.name, sortKey: "accuracy", direction, first: PAGE, after, parts });
  return [
    { id: "desc", label: "first page DESC", run: (f) => list(f, "DESC") },
    { id: "asc", label: "first page ASC", run: (f) => list(f, "ASC") },
    { id: "deep", label: "deep page DESC", run: (f) => list(f, "DESC", f.deepCursor) },
    {
      id: "metrics",
      label: "first page + metrics",
      // What a GraphQL query selecting `nodes { metrics }` costs: the same one statement, with metrics as JSON.
      run: (f) => list(f, "DESC", undefined, METRICS),
    },
    {
      id: "count",
      label: "totalCount",
      run: (f) => registry.listModels(CALLER, { name: f.name, first: 0 }).then((page) => page.totalCount()),
    },
  ];
}

/** Walks to the deep page once, and checks the first pages really are in sort order. */
async function prepare(registry, family) {
  family.deepPage = Math.min(100, Math.floor(family.versions / PAGE / 2));
  let cursor = null;
  for (let page = 1; page < family.deepPage; page++) {
    cursor = (
      await registry.listModels(CALLER, {
        name: family.name,
        sortKey: "accuracy",
        direction: "DESC",
        first: PAGE,
        after: cursor,
        parts: NO_PARTS,
      })
    ).endCursor;
  }
  family.deepCursor = cursor;
  for (const direction of ["DESC", "ASC"]) {
    const page = await registry.listModels(CALLER, { name: family.name, sortKey: "accuracy", direction, first: PAGE, parts: METRICS });
    const metrics = page.nodes.map((n) => n.metrics);
    const values = metrics.map((m) => m.find((x) => x.key === "accuracy").value);
    const ordered = values.every((v, i) => i === 0 || (direction === "DESC" ? values[i - 1] >= v : values[i - 1] <= v));
    if (page.nodes.length !== PAGE || !ordered || metrics[0].length !== METRIC_KEYS.length) {
      throw new Error(`${family.name} ${direction}: first page is not ${PAGE} rows in accuracy order`);
    }
  }
  if ((await (await registry.listModels(CALLER, { name: family.name, first: 0 })).totalCount()) !== family.versions)
    throw new Error("count mismatch");
}

/** The statements behind each case on the big family, for EXPLAIN. */
async function captureQueries(backend, registry, big) {
  const byCase = {};
  for (const c of cases(registry)) {
    if (c.id === "metrics") continue;
    const queries = await backend.capture(() => c.run(big));
    // The metric phase reads `metrics as mt`; totalCount reads the family's version_count.
    byCase[c.id] = queries.find((q) => (c.id === "count" ? /"version_count"/.test(q.sql) : /"metrics" as "mt"/.test(q.sql)));
  }
  return byCase;
}

async function benchBackend(name, dir) {
  const backend = await openBackend(name, dir);
  try {
    const registry = new RegistryService(backend.store, null, LIMITS, pino({ level: "silent" }));
    const families = FAMILIES.map((f) => ({ ...f }));
    const load = await timed(() => populate(backend, [...families, ...FILLERS]));
    const total = [...families, ...FILLERS].reduce((sum, f) => sum + f.versions, 0);
    const loaded = `${families.length + FILLERS.length} families, ${total} versions x ${METRIC_KEYS.length} metrics`;
    console.log(`${name}: loaded ${loaded} in ${fmt(load.seconds, 1)} s`);

    // Plans before statistics exist: a fresh deployment runs like this until ANALYZE.
    const queries = await captureQueries(backend, registry, families[1]);
    const before = {};
    for (const [id, q] of Object.entries(queries)) before[id] = planProblems(name, await explain(backend, q, { analyze: false }));
    const analyze = await timed(() => backend.analyze());
    console.log(`${name}: ${name === "sqlite" ? "ANALYZE" : "VACUUM ANALYZE"} took ${fmt(analyze.seconds, 1)} s`);

    for (const family of families) await prepare(registry, family);
    const results = [];
    for (const c of cases(registry)) {
      const stats = await measure(
        families.map((family) => () => c.run(family)),
        RUNS,
      );
      families.forEach((family, k) => results.push({ case: c, family, stats: stats[k] }));
    }
    const plans = {};
    for (const [id, q] of Object.entries(await captureQueries(backend, registry, families[1]))) {
      const lines = await explain(backend, q, { analyze: true });
      plans[id] = { sql: q.sql, parameters: q.parameters, lines, problems: planProblems(name, lines), before: before[id] };
    }
    return { name, load: load.seconds, families, results, plans };
  } finally {
    await backend.close();
  }
}

function printResults(all) {
  const rows = [["backend", "query", "family", "median ms", "p95 ms", `ratio ${sizeLabel(BIG)}/${sizeLabel(SMALL)}`]];
  for (const r of all) {
    for (const c of cases(null)) {
      const [small, big] = r.results.filter((x) => x.case.id === c.id);
      const label = c.id === "deep" ? `${c.label} (#${big.family.deepPage} / #${small.family.deepPage})` : c.label;
      rows.push([r.name, label, sizeLabel(SMALL), fmt(small.stats.median, 3), fmt(small.stats.p95, 3), ""]);
      rows.push([
        "",
        "",
        sizeLabel(BIG),
        fmt(big.stats.median, 3),
        fmt(big.stats.p95, 3),
        `${fmt(big.stats.median / small.stats.median)}x`,
      ]);
    }
  }
  console.log(`\nmedian / p95 over ${RUNS.iterations} calls after ${RUNS.warmup} warm-up, through RegistryService (first: ${PAGE})\n`);
  console.log(table(rows));

  for (const r of all) {
    header(`Plans on ${r.name}, ${sizeLabel(BIG)} family (${r.name === "sqlite" ? "EXPLAIN QUERY PLAN" : "EXPLAIN (ANALYZE, BUFFERS)"})`);
    for (const [id, plan] of Object.entries(r.plans)) {
      const label = cases(null).find((c) => c.id === id).label;
      console.log(`\n-- ${label}${id === "count" ? " (version_count)" : " (metric phase)"}`);
      if (id === "desc") console.log(`   SQL: ${plan.sql}\n   params: ${JSON.stringify(plan.parameters)}`);
      for (const line of plan.lines) console.log(`   ${line}`);
      const verdict = (p) => (p.length === 0 ? "no sort step, no full scan" : `PROBLEM: ${p.join("; ")}`);
      console.log(`   => ${verdict(plan.problems)}; before ANALYZE: ${verdict(plan.before)}`);
    }
  }
}

/** What a plan got wrong, including before ANALYZE. */
const planIssues = (p) => [...p.problems, ...p.before.map((b) => `before ANALYZE ${b}`)];

function summarise(all) {
  const lines = [];
  for (const r of all) {
    const stats = (id, f) => r.results.find((x) => x.case.id === id && x.family.name === f).stats;
    const med = (id, f) => stats(id, f).median;
    const ratios = ["desc", "asc", "deep", "metrics", "count"].map((id) => `${id} ${fmt(med(id, "big") / med(id, "small"))}x`);
    lines.push(
      `${r.name}: first page DESC ${fmt(med("desc", "big"), 3)} ms on ${sizeLabel(BIG)} (p95 ${fmt(stats("desc", "big").p95, 3)} ms)`,
    );
    lines.push(`${r.name}: ratios ${sizeLabel(BIG)}/${sizeLabel(SMALL)}: ${ratios.join(", ")}`);
    lines.push(
      `${r.name}: totalCount / first page DESC on ${sizeLabel(BIG)}: ${fmt(med("count", "big") / med("desc", "big"))}x ` +
        `(${fmt(med("count", "big"), 3)} ms vs ${fmt(med("desc", "big"), 3)} ms; goal <= 1.5x); ` +
        `first page DESC ${sizeLabel(BIG)}/${sizeLabel(SMALL)}: ${fmt(med("desc", "big") / med("desc", "small"))}x (goal <= 1.2x); ` +
        `load ${fmt(r.load, 1)} s`,
    );
    const flagged = Object.entries(r.plans).filter(([, p]) => p.problems.length || p.before.length);
    lines.push(
      flagged.length === 0
        ? `${r.name}: listing plans are index range scans without a sort step (also before ANALYZE)`
        : `${r.name}: PLAN PROBLEMS in ${flagged.map(([id, p]) => `${id}: ${planIssues(p).join("; ")}`).join(" | ")}`,
    );
  }
  return lines;
}

export async function runListing() {
  header(
    `Listing latency: models(sortKey: "accuracy") on ${sizeLabel(BIG)} vs ${sizeLabel(SMALL)} versions x ${METRIC_KEYS.length} metrics`,
  );
  const dir = await makeRunDir("listing");
  try {
    const all = [];
    for (const name of BACKENDS) all.push(await benchBackend(name, dir));
    printResults(all);
    return summarise(all);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  reportSummary("listing", await runListing());
}
