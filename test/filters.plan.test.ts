/**
 * A page by version with a tag or framework filter walks that condition's index in
 * version order (model_tags_match, models_family_framework): the statement the store
 * runs is planned with no sort step, on both backends, and reads only the page.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, openTestStorage, type Backend, type TestStorage } from "./support/backends.js";
import { explain, type Statement } from "./support/explain.js";
import { registryOver } from "./support/registry.js";

/**
 * A test store of `backend` filled by `fill` before the describe's tests, with a registry
 * over it; `capture` runs a call and returns the statements the store ran meanwhile.
 */
function capturingRegistry(backend: Backend, fill: (registry: ReturnType<typeof registryOver>) => Promise<void>) {
  let storage: TestStorage | undefined;
  let registry: ReturnType<typeof registryOver> | undefined;
  let statements: Statement[] | null = null;
  beforeAll(async () => {
    storage = await openTestStorage(backend, {
      log: (event) => {
        if (event.level === "query") statements?.push(event.query);
      },
    });
    registry = registryOver(storage);
    await fill(registry);
  }, 120_000);
  afterAll(() => storage?.cleanup());
  return {
    get registry() {
      return registry!;
    },
    get databaseUrl() {
      return storage!.databaseUrl;
    },
    capture: async <T>(fn: () => Promise<T>): Promise<{ result: T; statements: Statement[] }> => {
      statements = [];
      try {
        const result = await fn();
        return { result, statements };
      } finally {
        statements = null;
      }
    },
  };
}

describe.each(BACKENDS)("a filtered page by version on %s", (backend) => {
  const VERSIONS = 100;
  const store = capturingRegistry(backend, async (registry) => {
    for (let v = 1; v <= VERSIONS; v++) {
      await registry.createModel({
        name: "walk",
        metrics: [{ key: "acc", value: (v % 10) / 10 }],
        tags: { team: v % 2 === 0 ? "vision" : "nlp", kept: true },
        framework: v % 3 === 0 ? "SKLEARN" : "PYTORCH",
      });
    }
  });
  const { capture } = store;

  const range = (from: number, to: number, step: number) => {
    const out: number[] = [];
    for (let v = from; step > 0 ? v <= to : v >= to; v += step) out.push(v);
    return out;
  };

  test("a lone tag: the page goes down model_tags_match, no sort step, no sample; cursors resume in either direction", async () => {
    const first = await capture(() => store.registry.listModels({ name: "walk", filter: { tags: { team: "vision" } }, first: 10 }));
    expect(first.result.nodes.map((m) => m.version)).toEqual(range(100, 82, -2));
    expect(first.statements.some((s) => /with recursive sample/.test(s.sql))).toBe(false);
    const page = first.statements.at(-1)!;
    expect(page.sql).toMatch(/from \(select model_id, version from model_tags where/);
    const plan = await explain(backend, store.databaseUrl, page);
    if (backend === "sqlite") {
      expect(plan).toMatch(/SEARCH model_tags USING (COVERING )?INDEX model_tags_match \(family_id=\? AND key=\? AND value=\?\)/);
      expect(plan).not.toMatch(/TEMP B-TREE|SCAN /);
    } else {
      expect(plan).toMatch(/Index (Only )?Scan Backward using model_tags_match/);
      expect(plan).not.toMatch(/Sort|Seq Scan/);
    }

    const next = await store.registry.listModels({
      name: "walk",
      filter: { tags: { team: "vision" } },
      first: 10,
      after: first.result.endCursor,
    });
    expect(next.nodes.map((m) => m.version)).toEqual(range(80, 62, -2));
    const asc = await store.registry.listModels({ name: "walk", filter: { tags: { team: "vision" } }, first: 5, direction: "ASC" });
    expect(asc.nodes.map((m) => m.version)).toEqual([2, 4, 6, 8, 10]);
    const ascNext = await store.registry.listModels({
      name: "walk",
      filter: { tags: { team: "vision" } },
      first: 5,
      direction: "ASC",
      after: asc.endCursor,
    });
    expect(ascNext.nodes.map((m) => m.version)).toEqual([12, 14, 16, 18, 20]);
  });

  test("a lone tag kept by most versions, on a large page: counted once (to 64), then walked; no sample, no second count", async () => {
    const { result, statements: run } = await capture(() =>
      store.registry.listModels({ name: "walk", filter: { tags: { kept: true } }, first: 45 }),
    );
    expect(result.nodes.map((m) => m.version)).toEqual(range(100, 56, -1));
    expect(run.filter((s) => /select count\(\*\)/.test(s.sql))).toHaveLength(1);
    expect(run.some((s) => /with recursive sample/.test(s.sql))).toBe(false);
    expect(run.at(-1)!.sql).toMatch(/from \(select model_id, version from model_tags where/);
  });

  test("the framework with a metric condition: down models_family_framework, the metric tested on each", async () => {
    const filter = { framework: "SKLEARN", metrics: [{ key: "acc", gte: 0.5 }] };
    const { result, statements: run } = await capture(() => store.registry.listModels({ name: "walk", filter, first: 5 }));
    const want = range(VERSIONS, 1, -1).filter((v) => v % 3 === 0 && (v % 10) / 10 >= 0.5);
    expect(result.nodes.map((m) => m.version)).toEqual(want.slice(0, 5));
    const page = run.at(-1)!;
    const plan = await explain(backend, store.databaseUrl, page);
    if (backend === "sqlite") {
      expect(plan).toMatch(/SEARCH models USING (COVERING )?INDEX models_family_framework \(family_id=\? AND framework=\?\)/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    } else {
      expect(plan).toMatch(/Index (Only )?Scan Backward using models_family_framework/);
      expect(plan).not.toMatch(/Sort|Seq Scan/);
    }
    // Paged to the end, the walk lists every match once, in order.
    const all: number[] = [];
    let after: string | null = null;
    do {
      const p: Awaited<ReturnType<typeof store.registry.listModels>> = await store.registry.listModels({
        name: "walk",
        filter,
        first: 4,
        after,
      });
      all.push(...p.nodes.map((m) => m.version));
      after = p.hasNextPage ? p.endCursor : null;
    } while (after !== null);
    expect(all).toEqual(want);
  });
});

describe.each(BACKENDS)("a broad filter's page on %s is the plan's probe", (backend) => {
  const VERSIONS = 300;
  // acc cycles over tenths; lat and b both count 0..99 (so sorting by b walks lat downward).
  const acc = (v: number) => (v % 10) / 10;
  const lat = (v: number) => v % 100;
  const store = capturingRegistry(backend, async (registry) => {
    for (let v = 1; v <= VERSIONS; v++) {
      await registry.createModel({
        name: "wide",
        metrics: [
          { key: "acc", value: acc(v) },
          { key: "lat", value: lat(v) },
          { key: "b", value: lat(v) },
        ],
      });
    }
  });

  const byMetric = (key: (v: number) => number, keep: (v: number) => boolean) => {
    const out: number[] = [];
    for (let v = 1; v <= VERSIONS; v++) if (keep(v)) out.push(v);
    return out.sort((p, q) => key(q) - key(p) || q - p);
  };

  async function pages(filter: object, sortKey: string, first: number) {
    const all: number[] = [];
    const runs: Statement[][] = [];
    let after: string | null = null;
    do {
      const { result: p, statements } = await store.capture(() =>
        store.registry.listModels({ name: "wide", filter, sortKey, first, after }),
      );
      runs.push(statements);
      all.push(...p.nodes.map((m) => m.version));
      after = p.hasNextPage ? p.endCursor : null;
    } while (after !== null);
    return { all, runs };
  }

  test("70% kept: one count, then the probe (a bounded walk of metrics_sort) is the page, on every page", async () => {
    const { all, runs } = await pages({ metrics: [{ key: "lat", gte: 30 }] }, "acc", 50);
    expect(all).toEqual(byMetric(acc, (v) => lat(v) >= 30));
    for (const run of runs.slice(0, -1)) {
      // The family, the count, the probe: nothing else.
      expect(run).toHaveLength(3);
      expect(run[2]!.sql).toMatch(
        /from \(select "mt"\."model_id", "mt"\."value", "mt"\."version" from "metrics" as "mt" .* limit (\?|\$\d+)\) as "mt"/,
      );
      const plan = await explain(backend, store.databaseUrl, run[2]!);
      if (backend === "sqlite") expect(plan).toMatch(/SEARCH mt USING (COVERING )?INDEX metrics_sort \(family_id=\? AND key=\?/);
      else expect(plan).toMatch(/Index (Only )?Scan Backward using metrics_sort on metrics mt/);
    }
  });

  test("a filter the probe does not fill (the walk's top rows fail it) is counted again and driven: the same pages", async () => {
    // A page of 20: the probe reads at most 8 × 21 rows, the top of b (b = lat >= 44 there), and finds
    // none of lat < 25; counted to √(21 × 300) = 80, its 75 matches drive the page.
    const { all, runs } = await pages({ metrics: [{ key: "lat", lt: 25 }] }, "b", 20);
    expect(all).toEqual(byMetric(lat, (v) => lat(v) < 25));
    expect(runs[0]!.some((s) => /limit (\?|\$\d+)\) as "mt"/.test(s.sql))).toBe(true);
    expect(runs[0]!.at(-1)!.sql).toMatch(/with "cand" as materialized/);
  });

  test("by version, the probe walks the family's versions (bounded), every page", async () => {
    const all: number[] = [];
    let after: string | null = null;
    do {
      const { result: p, statements: run } = await store.capture(() =>
        store.registry.listModels({
          name: "wide",
          filter: { metrics: [{ key: "lat", gte: 30 }] },
          first: 30,
          after,
        }),
      );
      if (p.hasNextPage) {
        expect(run).toHaveLength(3);
        expect(run[2]!.sql).toMatch(/from \(select "w"\."id", "w"\."version" from "models" as "w" .* limit (\?|\$\d+)\) as "d"/);
      }
      all.push(...p.nodes.map((m) => m.version));
      after = p.hasNextPage ? p.endCursor : null;
    } while (after !== null);
    const want: number[] = [];
    for (let v = VERSIONS; v >= 1; v--) if (lat(v) >= 30) want.push(v);
    expect(all).toEqual(want);
  });

  test("bestModel among a broad filter is the probe's first row", async () => {
    const best = await store.registry.bestModel({ name: "wide", metric: "acc", filter: { metrics: [{ key: "lat", gte: 50 }] } });
    expect(best?.version).toBe(byMetric(acc, (v) => lat(v) >= 50)[0]);
  });
});

describe.each(BACKENDS)("a tag filter sorted by a metric on %s walks model_tag_metrics", (backend) => {
  const VERSIONS = 400;
  // acc has ties (25 values) and is absent on every 11th version; team is vision on every 4th.
  const acc = (v: number) => (v % 11 === 0 ? undefined : ((v * 37) % 25) / 25);
  const team = (v: number) => (v % 4 === 0 ? "vision" : "nlp");
  const stage = (v: number) => (v % 3 === 0 ? "prod" : "dev");
  const framework = (v: number) => (v % 5 === 0 ? "SKLEARN" : "PYTORCH");
  const store = capturingRegistry(backend, async (registry) => {
    for (let v = 1; v <= VERSIONS; v++) {
      const a = acc(v);
      await registry.createModel({
        name: "tm",
        metrics: [...(a === undefined ? [] : [{ key: "acc", value: a }]), { key: "lat", value: v % 7 }],
        tags: { team: team(v), stage: stage(v) },
        framework: framework(v),
      });
    }
  });

  /** The reference order: by acc (either way), ties and the versions without it by version descending, those last. */
  function reference(keep: (v: number) => boolean, direction: "ASC" | "DESC"): number[] {
    const out: number[] = [];
    for (let v = 1; v <= VERSIONS; v++) if (keep(v)) out.push(v);
    const sign = direction === "DESC" ? -1 : 1;
    return out.sort((p, q) => {
      const [x, y] = [acc(p), acc(q)];
      if (x === undefined || y === undefined) return (x === undefined ? 1 : 0) - (y === undefined ? 1 : 0) || q - p;
      return sign * (x - y) || q - p;
    });
  }

  async function pages(filter: object, direction: "ASC" | "DESC", first: number) {
    const all: number[] = [];
    const runs: Statement[][] = [];
    let after: string | null = null;
    do {
      const { result: p, statements } = await store.capture(() =>
        store.registry.listModels({ name: "tm", filter, sortKey: "acc", direction, first, after }),
      );
      runs.push(statements);
      all.push(...p.nodes.map((m) => m.version));
      after = p.hasNextPage ? p.endCursor : null;
    } while (after !== null);
    return { all, runs };
  }

  const walksPairs = /from "model_tag_metrics" as "mt" .*where "mt"\."family_id" = (\?|\$\d+) and "mt"\."tag_key" = /;

  test.each(["DESC", "ASC"] as const)(
    "a lone tag, %s: one count, then the page down its index, no sort step; paged to the end (the versions without acc last)",
    async (direction) => {
      const filter = { tags: { team: "vision" } };
      const { all, runs } = await pages(filter, direction, 7);
      expect(all).toEqual(reference((v) => team(v) === "vision", direction));
      const first = runs[0]!;
      // The family (with its check for unindexed versions), the count, the page.
      expect(first).toHaveLength(3);
      expect(first[0]!.sql).toMatch(/"u"\."tag_metrics_revision" is null/);
      const check = await explain(backend, store.databaseUrl, first[0]!);
      expect(check).toMatch(backend === "sqlite" ? /USING (COVERING )?INDEX models_tag_metrics_stale/ : /using models_tag_metrics_stale/);
      expect(first[2]!.sql).toMatch(walksPairs);
      const plan = await explain(backend, store.databaseUrl, first[2]!);
      const index = direction === "DESC" ? "model_tag_metrics_sort" : "model_tag_metrics_sort_asc";
      if (backend === "sqlite") {
        expect(plan).toMatch(
          new RegExp(`SEARCH mt USING (COVERING )?INDEX ${index} \\(family_id=\\? AND tag_key=\\? AND tag_value=\\? AND key=\\?\\)`),
        );
        expect(plan).not.toMatch(/TEMP B-TREE|SCAN /);
      } else {
        expect(plan).toMatch(
          new RegExp(`Index (Only )?Scan ${direction === "DESC" ? "Backward " : ""}using ${index} on model_tag_metrics mt`),
        );
        expect(plan).not.toMatch(/Sort|Seq Scan/);
      }
      // Pages resuming inside the metric phase seek the index past the cursor, as the first did.
      for (const run of runs.slice(1, -1)) expect(run.at(-1)!.sql).toMatch(walksPairs);
      const best = await store.registry.bestModel({ name: "tm", metric: "acc", direction, filter });
      expect(best?.version).toBe(all[0]);
    },
  );

  test("two tags and the framework: the walk goes down one tag's pairs, the rest tested on each; the same pages as the reference", async () => {
    const filter = { tags: { team: "vision", stage: "dev" }, framework: "PYTORCH" };
    const keep = (v: number) => team(v) === "vision" && stage(v) === "dev" && framework(v) === "PYTORCH";
    for (const direction of ["DESC", "ASC"] as const) {
      const { all, runs } = await pages(filter, direction, 4);
      expect(all).toEqual(reference(keep, direction));
      expect(runs.flat().some((s) => walksPairs.test(s.sql))).toBe(true);
    }
  });

  test("a tag with a condition on the sort key itself: a range of the pairs' index, no missing phase", async () => {
    const filter = { tags: { team: "vision" }, metrics: [{ key: "acc", gte: 0.5 }] };
    for (const direction of ["DESC", "ASC"] as const) {
      const { all, runs } = await pages(filter, direction, 5);
      expect(all).toEqual(reference((v) => team(v) === "vision" && (acc(v) ?? -1) >= 0.5, direction));
      expect(runs.flat().some((s) => walksPairs.test(s.sql))).toBe(true);
    }
  });
});

describe.each(BACKENDS)("a page driven from a few matches on %s", (backend) => {
  const VERSIONS = 60;
  const store = capturingRegistry(backend, async (registry) => {
    for (let v = 1; v <= VERSIONS; v++) await registry.createModel({ name: "recent", metrics: [{ key: "acc", value: v / VERSIONS }] });
  });

  /** The plan of `statement` with joins other than nested loops looking cheaper (an overrated estimate of the matches). */
  async function planWithoutNestedLoops(statement: Statement): Promise<string> {
    const client = new pg.Client({ connectionString: store.databaseUrl });
    await client.connect();
    try {
      // As explain(): a table this small is cheaper to read whole.
      await client.query("set enable_seqscan = off");
      await client.query("set enable_nestloop = off");
      const { rows } = await client.query(`explain ${statement.sql}`, [...statement.parameters]);
      return rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
    } finally {
      await client.end();
    }
  }

  // A created_at range is estimated as if independent of the family: where other families
  // were created over the same time, the matches of a few newest versions were estimated at
  // 80k in the 1M-version bench, and the join became a merge join down models_pkey.
  test("createdAfter the newest few: counted, then driven; the versions are read by primary key whatever the estimate", async () => {
    const all = await store.registry.listModels({ name: "recent", first: VERSIONS });
    const since = all.nodes[4]!.createdAt;
    const want = all.nodes.filter((m) => m.createdAt.getTime() > since.getTime()).map((m) => m.version);
    expect(want.length).toBeGreaterThan(0);
    const { result, statements } = await store.capture(() =>
      store.registry.listModels({ name: "recent", first: 50, filter: { createdAfter: since } }),
    );
    expect(result.nodes.map((m) => m.version)).toEqual(want);
    const page = statements.at(-1)!;
    expect(page.sql).toMatch(/with "cand" as materialized \(select id as model_id from models where family_id = /);
    const plan = await explain(backend, store.databaseUrl, page);
    // The matches come from the range of the partial index models_family_created, whose predicate the statement writes out.
    if (backend === "sqlite") {
      expect(plan).toMatch(/SEARCH models USING (COVERING )?INDEX models_family_created \(family_id=\? AND created_at>\?\)/);
      expect(plan).toMatch(/SEARCH m USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      expect(plan).not.toMatch(/SCAN m\b/);
      return;
    }
    expect(plan).toMatch(/Index (Only )?Scan using models_family_created on models|Bitmap Index Scan on models_family_created/);
    for (const text of [plan, await planWithoutNestedLoops(page)]) {
      // An index scan, or on a table this small a bitmap one, of the primary key by the array.
      expect(text).toMatch(
        /(Index Scan using models_pkey on models m|Bitmap Index Scan on models_pkey)\s[^\n]*\n\s*Index Cond: \(id = ANY \(\$\d+\)\)/,
      );
      expect(text).not.toMatch(/Merge Join|Hash Join|Seq Scan on models/);
    }
  });
});
