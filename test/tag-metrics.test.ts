/**
 * model_tag_metrics (migration 0015) holds every (indexable tag, metric) pair of each
 * version within the cap, and nothing else: registrations, overwrites, edits (tags
 * merged or replaced, metrics added, changed or removed) and deletes keep it in step,
 * and a family holding a version over the cap is listed without it, the same pages.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Kysely } from "kysely";
import type { ModelRecord } from "../gateway/src/domain/records.js";
import type { Database } from "../gateway/src/storage/sql/schema.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { MAX_TAG_METRIC_PAIRS } from "../gateway/src/storage/sql/tag-rows.js";
import { listModels } from "../gateway/src/storage/sql/list-models.js";
import { normaliseFilter } from "../gateway/src/domain/model-filter.js";
import { ALL_PARTS } from "../gateway/src/domain/records.js";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { registryOver } from "./support/registry.js";

describe.each(BACKENDS)("model_tag_metrics on %s", (backend) => {
  let storage: TestStorage | undefined;
  let registry: ReturnType<typeof registryOver>;
  let db: Kysely<Database>;
  const statements: string[] = [];

  beforeAll(async () => {
    storage = await openTestStorage(backend, {
      log: (event) => {
        if (event.level === "query") statements.push(event.query.sql);
      },
    });
    registry = registryOver(storage);
    db = (storage.metadata as SqlMetadataStore)["db"];
  });
  afterAll(() => storage?.cleanup());

  const line = (version: number, tagKey: string, tagValue: string, key: string, value: number) =>
    `v${version} ${tagKey}=${tagValue} ${key}=${value}`;

  /** The family's rows as the table holds them, each checked against its version's row. */
  async function held(name: string): Promise<string[]> {
    const rows = await db
      .selectFrom("model_tag_metrics as p")
      .innerJoin("families as f", "f.id", "p.family_id")
      .leftJoin("models as m", "m.id", "p.model_id")
      .select(["p.version", "p.tag_key", "p.tag_value", "p.key", "p.value", "m.version as model_version", "m.family_id"])
      .where("f.name", "=", name)
      .execute();
    for (const r of rows) expect([r.model_version, Number(r.family_id)]).toEqual([r.version, Number(r.family_id)]);
    return rows.map((r) => line(r.version, r.tag_key, r.tag_value, r.key, Number(r.value))).sort();
  }

  /** What the table should hold for these versions: their indexable tags × metrics, none over the cap. */
  function pairsOf(models: readonly ModelRecord[]): string[] {
    const out: string[] = [];
    for (const m of models) {
      const tags = Object.entries(m.tags)
        .filter(([, v]) => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)))
        .map(([k, v]) => [k, JSON.stringify(v)] as const)
        .filter(([, json]) => json.length <= 256);
      const metrics = m.metrics ?? [];
      if (tags.length * metrics.length > MAX_TAG_METRIC_PAIRS) continue;
      for (const [k, json] of tags) for (const metric of metrics) out.push(line(m.version, k, json, metric.key, metric.value));
    }
    return out.sort();
  }

  async function versions(name: string): Promise<ModelRecord[]> {
    return [...(await registry.listModels({ name, first: 500 })).nodes];
  }

  async function unindexed(name: string): Promise<number[]> {
    const rows = await db
      .selectFrom("models as m")
      .innerJoin("families as f", "f.id", "m.family_id")
      .select("m.version")
      .where("f.name", "=", name)
      .where("m.tag_metrics_revision", "is", null)
      .orderBy("m.version")
      .execute();
    return rows.map((r) => r.version);
  }

  test("registration, edits, overwrite and delete keep the pairs in step", async () => {
    const check = async (count: number) => {
      const all = await versions("kept");
      expect(all).toHaveLength(count);
      const want = pairsOf(all);
      expect(await held("kept")).toEqual(want);
      return want;
    };
    await registry.createModel({
      name: "kept",
      metrics: [
        { key: "acc", value: 0.5 },
        { key: "loss", value: 2 },
      ],
      tags: { team: "vision", size: 3, ok: true, deep: { a: 1 }, long: "x".repeat(300) },
    });
    await registry.createModel({ name: "kept", metrics: [{ key: "acc", value: 0.7 }], tags: {} });
    await registry.createModel({ name: "kept", tags: { team: "nlp" } });
    // team, size and ok (nested and long tags are not indexed) × acc and loss.
    expect(await check(3)).toHaveLength(6);

    await registry.updateModel({ name: "kept", version: 1 }, { mergeTags: { team: "audio", stage: "prod" } });
    expect(await check(3)).toHaveLength(8);
    await registry.updateModel({ name: "kept", version: 1 }, { tags: { only: 1 } });
    expect(await check(3)).toHaveLength(2);
    await registry.updateModel(
      { name: "kept", version: 1 },
      {
        addMetrics: [
          { key: "acc", value: 0.9 },
          { key: "f1", value: 0.4 },
        ],
      },
    );
    expect(await check(3)).toHaveLength(3);
    await registry.updateModel({ name: "kept", version: 1 }, { removeMetrics: ["loss", "f1"] });
    expect(await check(3)).toHaveLength(1);
    await registry.updateModel({ name: "kept", version: 3 }, { addMetrics: [{ key: "acc", value: 0.1 }] });
    await registry.updateModel({ name: "kept", version: 2 }, { mergeTags: { team: "vision" } });
    expect(await check(3)).toHaveLength(3);
    // A description alone writes no pair.
    await registry.updateModel({ name: "kept", version: 2 }, { description: "again" });
    expect(await check(3)).toHaveLength(3);

    await registry.createModel({ name: "kept", version: 2, overwrite: true, tags: { stage: "qa" }, metrics: [{ key: "auc", value: 1 }] });
    expect(await check(3)).toHaveLength(3);
    await registry.deleteModel({ name: "kept", version: 1 });
    await registry.deleteModel({ name: "kept", version: 3 });
    expect(await check(1)).toEqual([line(2, "stage", '"qa"', "auc", 1)]);
    expect(await unindexed("kept")).toEqual([]);

    // The pages a tag filter sorted by a metric shows, from those rows.
    const page = await registry.listModels({ name: "kept", sortKey: "auc", filter: { tags: { stage: "qa" } } });
    expect(page.nodes.map((m) => m.version)).toEqual([2]);
  });

  test("a version over the cap has no pairs and its family is listed without them; an edit or delete brings them back", async () => {
    // 17 tags × 16 metrics = 272 pairs, over the cap of 256.
    const tags = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`t${i}`, i % 2 === 0 ? "even" : "odd"]));
    const metrics = Array.from({ length: 16 }, (_, i) => ({ key: `m${i}`, value: i / 10 }));
    for (let v = 1; v <= 40; v++) {
      await registry.createModel({
        name: "wide",
        metrics: [
          { key: "m0", value: (v % 9) / 10 },
          { key: "m1", value: v },
        ],
        tags: { t0: v % 2 === 0 ? "even" : "odd" },
      });
    }
    await registry.createModel({ name: "wide", version: 41, tags, metrics });
    expect(await unindexed("wide")).toEqual([41]);
    expect(await held("wide")).toEqual(pairsOf(await versions("wide")));
    expect((await held("wide")).some((l) => l.startsWith("v41 "))).toBe(false);

    const want = (all: readonly ModelRecord[]) =>
      all
        .filter((m) => m.tags.t0 === "even")
        .sort((p, q) => {
          const [x, y] = [p.metrics?.find((m) => m.key === "m0")?.value, q.metrics?.find((m) => m.key === "m0")?.value];
          return (y ?? -1) - (x ?? -1) || q.version - p.version;
        })
        .map((m) => m.version);
    // Pages of 5: the tag's 20-odd matches are more than the plan drives from, so it walks.
    const listed = async () => {
      statements.length = 0;
      const all: number[] = [];
      let after: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof registry.listModels>> = await registry.listModels({
          name: "wide",
          sortKey: "m0",
          filter: { tags: { t0: "even" } },
          first: 5,
          after,
        });
        all.push(...page.nodes.map((m) => m.version));
        after = page.hasNextPage ? page.endCursor : null;
      } while (after !== null);
      return { versions: all, walked: statements.some((s) => /from "model_tag_metrics"/.test(s)) };
    };
    expect(await listed()).toEqual({ versions: want(await versions("wide")), walked: false });
    // bestModel as well: from the family's metrics, not the incomplete pairs.
    const best = await registry.bestModel({ name: "wide", metric: "m0", filter: { tags: { t0: "even" } } });
    expect(best?.version).toBe(want(await versions("wide"))[0]);

    // Down to 15 metrics: 255 pairs, within the cap again.
    await registry.updateModel({ name: "wide", version: 41 }, { removeMetrics: ["m15"] });
    expect(await unindexed("wide")).toEqual([]);
    expect(await held("wide")).toEqual(pairsOf(await versions("wide")));
    expect(await listed()).toEqual({ versions: want(await versions("wide")), walked: true });

    // Over again by a merged tag, then gone by a delete.
    await registry.updateModel({ name: "wide", version: 41 }, { mergeTags: { t17: "even" } });
    expect(await unindexed("wide")).toEqual([41]);
    expect((await held("wide")).some((l) => l.startsWith("v41 "))).toBe(false);
    expect((await listed()).walked).toBe(false);
    await registry.deleteModel({ name: "wide", version: 41 });
    expect(await unindexed("wide")).toEqual([]);
    expect(await listed()).toEqual({ versions: want(await versions("wide")), walked: true });

    // An overwrite over the cap marks the version; one within it clears the mark.
    await registry.createModel({ name: "wide", version: 40, overwrite: true, tags, metrics });
    expect(await unindexed("wide")).toEqual([40]);
    expect(await listed()).toEqual({ versions: want(await versions("wide")), walked: false });
    await registry.createModel({ name: "wide", version: 40, overwrite: true, tags: { t0: "even" }, metrics: [{ key: "m0", value: 0.85 }] });
    expect(await unindexed("wide")).toEqual([]);
    expect(await held("wide")).toEqual(pairsOf(await versions("wide")));
    expect(await listed()).toEqual({ versions: want(await versions("wide")), walked: true });
  });

  test("a version that loses its pairs after the family was read is still listed: the walk reads nothing then, and the page is read without the pairs", async () => {
    // Enough matches (over the plan's 64) that the page walks the pairs rather than drive from the tag's matches.
    for (let i = 1; i <= 80; i++) {
      await registry.createModel({
        name: "race",
        tags: { team: "a" },
        ...(i % 10 === 0 ? {} : { metrics: [{ key: "acc", value: (i % 7) / 10 }] }),
      });
    }
    const expected = (await registry.listModels({ name: "race", sortKey: "acc", filter: { tags: { team: "a" } }, first: 100 })).nodes.map(
      (m) => m.version,
    );
    expect(expected).toHaveLength(80);
    // What an edit past the cap (or the previous release's write) committed between the
    // family's statement and the page leaves: version 3 without pairs, marked.
    const id = (
      await db
        .selectFrom("models as m")
        .innerJoin("families as f", "f.id", "m.family_id")
        .select("m.id")
        .where("f.name", "=", "race")
        .where("m.version", "=", 3)
        .executeTakeFirstOrThrow()
    ).id;
    await db.deleteFrom("model_tag_metrics").where("model_id", "=", id).execute();
    await db.updateTable("models").set({ tag_metrics_revision: null }).where("id", "=", id).execute();
    // The family's statement is made to report the pairs whole, as it did before the edit.
    const stale = db.withPlugin({
      transformQuery: (args) => args.node,
      transformResult: async (args) => ({
        ...args.result,
        rows: args.result.rows.map((row) =>
          row && typeof row === "object" && "tag_metrics_partial" in row ? { ...row, tag_metrics_partial: 0 } : row,
        ),
      }),
    });
    const dialect = (storage!.metadata as SqlMetadataStore)["sqlDialect"];
    const query = (limit: number) => ({
      project: "default",
      name: "race",
      sortKey: "acc",
      direction: "DESC" as const,
      limit,
      after: null,
      parts: ALL_PARTS,
      filter: normaliseFilter({ tags: { team: "a" } }),
    });
    statements.length = 0;
    expect((await listModels(stale, dialect, query(100))).map((l) => l.model.version)).toEqual(expected);
    // It walked the pairs first (and found nothing in its snapshot), then read the page without them.
    expect(statements.some((sql) => /from "model_tag_metrics"/.test(sql))).toBe(true);
    expect((await listModels(stale, dialect, query(2))).map((l) => l.model.version)).toEqual(expected.slice(0, 2));
    expect((await listModels(stale, dialect, query(1))).map((l) => l.model.version)).toEqual(expected.slice(0, 1));
  });
});
