// Issue 12, item 3: filtered and sorted first pages against family size.
// Families of 1k, 100k and 1M versions (x 10 metrics, 3 tags) side by side in one
// database, on SQLite and PostgreSQL, loaded by listing-data.mjs (`filterable`); each
// case goes through RegistryService as a resolver calls it, the sizes interleaved call
// by call. Prints each case's statements' plans on the largest family (EXPLAIN QUERY
// PLAN; EXPLAIN (ANALYZE, BUFFERS)) and the first-page latencies with the ratio of the
// largest family to the smallest.
//   BENCH_SIZES=1000,100000 narrows the sizes; BENCH_BACKENDS=sqlite|postgres the backends.
import { pino } from "pino";
import { Caller } from "../gateway/dist/access/caller.js";
import { RegistryService } from "../gateway/dist/registry/registry.service.js";
import { fmt, header, makeRunDir, measure, QUICK, reportSummary, table, timed } from "./lib.mjs";
import { explain, openBackend, populate } from "./listing-data.mjs";
import fs from "node:fs/promises";

const CALLER = Caller.open();
const SIZES = (process.env.BENCH_SIZES ?? "1000,100000,1000000").split(",").map(Number);
if (SIZES.some((n) => !Number.isInteger(n) || n < 100) || SIZES.length < 2)
  throw new Error(`BENCH_SIZES: two or more sizes >= 100, got ${process.env.BENCH_SIZES}`);
const BACKENDS = (process.env.BENCH_BACKENDS ?? "sqlite,postgres").split(",").map((b) => b.trim());
const PAGE = 50;
const RUNS = QUICK ? { warmup: 3, iterations: 20 } : { warmup: 10, iterations: 60 };
const LIMITS = { maxFileSize: 2 ** 30, maxFiles: 10_000, maxInputExampleBytes: 2 ** 18 };
const FLAT_GOAL = 1.5;
/** listing-data.mjs: created_at of version v. */
const createdAt = (v) => 1_700_000_000_000 + v * 1000;

const sizeLabel = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1000 ? `${n / 1000}k` : String(n));
const page = (registry, name, query) =>
  registry.listModels(CALLER, { name, first: PAGE, direction: "DESC", parts: { metrics: true, files: false }, ...query });

/**
 * Each case: what it asks, and how its matches grow with the family (`flat`: the
 * first page should cost the same at every size; the 1% cases are the in-between
 * selectivity: by a metric they walk model_tag_metrics, the tag's pairs in the
 * metric's order, and read the page's own rows).
 */
const CASES = [
  {
    id: "tag-20",
    label: "tags {stage: prod} (20 versions), sort accuracy",
    flat: true,
    run: (r, f) => page(r, f.name, { sortKey: "accuracy", filter: { tags: { stage: "prod" } } }),
  },
  {
    id: "metric-20",
    label: "latency_ms < x (about 20 versions), sort accuracy",
    flat: true,
    run: (r, f) => page(r, f.name, { sortKey: "accuracy", filter: { metrics: [{ key: "latency_ms", lt: (100 * 20) / f.versions }] } }),
  },
  {
    id: "created-20",
    label: "createdAfter (the last 20 versions), by version",
    flat: true,
    run: (r, f) => page(r, f.name, { filter: { createdAfter: new Date(createdAt(f.versions - 20)) } }),
  },
  {
    id: "broad",
    label: "latency_ms < 50 and framework PYTORCH (45%), sort accuracy",
    flat: true,
    run: (r, f) => page(r, f.name, { sortKey: "accuracy", filter: { metrics: [{ key: "latency_ms", lt: 50 }], framework: "PYTORCH" } }),
  },
  {
    id: "sort-range",
    label: "accuracy >= 0.5 (50%), sort accuracy ASC",
    flat: true,
    run: (r, f) => page(r, f.name, { sortKey: "accuracy", direction: "ASC", filter: { metrics: [{ key: "accuracy", gte: 0.5 }] } }),
  },
  {
    id: "best",
    label: "bestModel accuracy among latency_ms < 20 (20%)",
    flat: true,
    run: (r, f) =>
      r.bestModel(CALLER, {
        name: f.name,
        metric: "accuracy",
        filter: { metrics: [{ key: "latency_ms", lt: 20 }] },
        parts: { metrics: true, files: false },
      }),
  },
  {
    id: "tag-1pct-version",
    label: "tags {team: vision} (1%), by version",
    flat: true,
    run: (r, f) => page(r, f.name, { filter: { tags: { team: "vision" } } }),
  },
  {
    id: "tag-1pct",
    label: "tags {team: vision} (1%), sort accuracy",
    flat: true,
    run: (r, f) => page(r, f.name, { sortKey: "accuracy", filter: { tags: { team: "vision" } } }),
  },
  {
    // The 1k family has 10 such versions: a page of 10 at every size compares like with like.
    id: "tag-1pct-10",
    label: "tags {team: vision} (1%), sort accuracy, first 10",
    flat: true,
    run: (r, f) => page(r, f.name, { sortKey: "accuracy", filter: { tags: { team: "vision" } }, first: 10 }),
  },
];

async function benchBackend(name, dir) {
  const backend = await openBackend(name, dir);
  try {
    const families = SIZES.map((versions) => ({ name: `family-${versions}`, versions }));
    const load = await timed(() => populate(backend, families, { rebuildIndexes: true, filterable: true }));
    const analyze = await timed(() => backend.analyze());
    const total = families.reduce((sum, f) => sum + f.versions, 0);
    console.log(
      `${name}: loaded ${total} versions in ${fmt(load.seconds, 1)} s, ${name === "sqlite" ? "ANALYZE" : "VACUUM ANALYZE"} ${fmt(analyze.seconds, 1)} s`,
    );
    const registry = new RegistryService(backend.store, null, LIMITS, pino({ level: "silent" }));
    const big = families.at(-1);

    // Plans of every statement of each case on the largest family.
    const plans = {};
    for (const c of CASES) {
      const queries = await backend.capture(() => c.run(registry, big));
      plans[c.id] = [];
      for (const q of queries) plans[c.id].push({ sql: q.sql, lines: await explain(backend, q, { analyze: true }) });
    }
    const results = {};
    for (const c of CASES) {
      const counts = [];
      for (const f of families) {
        const out = await c.run(registry, f);
        counts.push(out === null ? 0 : out.nodes ? out.nodes.length : 1);
      }
      const stats = await measure(
        families.map((f) => () => c.run(registry, f)),
        RUNS,
      );
      results[c.id] = { stats, counts };
      console.log(
        `${name} ${c.id}: ${families.map((f, k) => `${sizeLabel(f.versions)} ${fmt(stats[k].median, 3)} ms (${counts[k]} rows)`).join(", ")}`,
      );
    }
    return { name, families, results, plans, load: load.seconds };
  } finally {
    await backend.close();
  }
}

export async function runFiltered() {
  header(`Filtered first pages vs family size (${SIZES.map(sizeLabel).join(", ")} versions), ${BACKENDS.join(" and ")}`);
  const dir = await makeRunDir("filtered");
  try {
    const all = [];
    for (const name of BACKENDS) all.push(await benchBackend(name, dir));
    for (const r of all) {
      console.log(`\n${r.name}: plans on the ${sizeLabel(SIZES.at(-1))}-version family`);
      for (const c of CASES) {
        console.log(`\n-- ${c.id}: ${c.label}`);
        for (const p of r.plans[c.id]) {
          console.log(`   ${p.sql.replace(/\s+/g, " ").slice(0, 400)}`);
          for (const line of p.lines) console.log(`     ${line}`);
        }
      }
    }
    const big = sizeLabel(SIZES.at(-1));
    const small = sizeLabel(SIZES[0]);
    const rows = [["backend", "case", ...SIZES.map((n) => `${sizeLabel(n)} ms`), "rows", `${big}/${small}`, "compared", "goal"]];
    const lines = [];
    for (const r of all) {
      for (const c of CASES) {
        const { stats, counts } = r.results[c.id];
        // Like for like: against the smallest family whose page has at least half as many rows as the
        // largest's (a 1k family with 10 tagged versions has a page of 10, not 50).
        const base = Math.max(
          0,
          counts.findIndex((n) => n * 2 >= counts.at(-1)),
        );
        const ratio = stats.at(-1).median / stats[base].median;
        const compared = `${big}/${sizeLabel(SIZES[base])}`;
        const verdict =
          base === counts.length - 1 ? "no smaller full page" : c.flat ? (ratio <= FLAT_GOAL ? "flat" : "NOT FLAT") : "bounded";
        rows.push([
          r.name,
          c.id,
          ...stats.map((s) => fmt(s.median, 3)),
          counts.join("/"),
          `${fmt(stats.at(-1).median / stats[0].median)}x`,
          `${compared} ${fmt(ratio)}x`,
          verdict,
        ]);
        lines.push(
          `${r.name} ${c.id}: ${stats.map((s, k) => `${sizeLabel(SIZES[k])} ${fmt(s.median, 3)}`).join(", ")} ms (rows ${counts.join("/")}); ${compared} ${fmt(ratio)}x (${verdict})`,
        );
      }
    }
    console.log(
      `\nmedian of ${RUNS.iterations} calls per size, interleaved; goal for the flat cases: ${big} against the smallest family ` +
        `whose page has at least half as many rows (${small} unless its page is shorter) <= ${FLAT_GOAL}x\n`,
    );
    console.log(table(rows));
    return lines;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  reportSummary("filtered", await runFiltered());
}
