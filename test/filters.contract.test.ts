import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ModelFilterInput } from "../gateway/src/domain/model-filter.js";
import type { ModelRecord, SortDirection } from "../gateway/src/domain/records.js";
import { openTestStorage, STORAGE_COMBOS, type TestStorage } from "./support/backends.js";
import { registryOver } from "./support/registry.js";

/** models(filter:) and bestModel(filter:) on every metadata backend (local blobs: no file is involved). */
describe.each(STORAGE_COMBOS.filter((c) => c.blobs === "fs").map((combo) => [combo.name, combo] as const))(
  "filters on %s",
  (_name, combo) => {
    let storage: TestStorage;
    let registry: ReturnType<typeof registryOver>;

    beforeAll(async () => {
      storage = await openTestStorage(combo);
      registry = registryOver(storage);
    });
    afterAll(() => storage?.cleanup());

    const versionsOf = (models: readonly { version: number }[]) => models.map((m) => m.version);
    const list = async (name: string, filter: ModelFilterInput, sortKey: string | null = null, direction: SortDirection = "DESC") =>
      versionsOf((await registry.listModels({ name, filter, sortKey, direction, first: 500 })).nodes);

    describe("semantics", () => {
      beforeAll(async () => {
        // v1..v6: acc, latency (v5 has no latency, v6 no acc), tags, framework.
        const rows: [number | null, number | null, Record<string, unknown>, string | null][] = [
          [0.9, 30, { team: "vision", stage: "prod" }, "SKLEARN"],
          [0.95, 10, { team: "vision", size: 3 }, "PYTORCH"],
          [0.8, 15, { team: "nlp", ok: true }, "SKLEARN"],
          [0.95, 19.5, { team: "vision", note: { nested: 1 } }, null],
          [0.99, null, { team: "vision", stage: "prod" }, "SKLEARN"],
          [null, 5, { team: "nlp" }, "PYTORCH"],
        ];
        for (const [acc, latency, tags, framework] of rows) {
          const metrics = [
            ...(acc === null ? [] : [{ key: "acc", value: acc }]),
            ...(latency === null ? [] : [{ key: "latency", value: latency }]),
          ];
          await registry.createModel({ name: "sem", metrics, tags, framework });
        }
      });

      test("metric bounds, ranges and eq; versions without the metric never match", async () => {
        expect(await list("sem", { metrics: [{ key: "latency", lt: 20 }] })).toEqual([6, 4, 3, 2]);
        expect(await list("sem", { metrics: [{ key: "latency", lte: 15, gt: 5 }] })).toEqual([3, 2]);
        expect(await list("sem", { metrics: [{ key: "latency", gte: 5, lt: 15 }] })).toEqual([6, 2]);
        expect(await list("sem", { metrics: [{ key: "acc", eq: 0.95 }] })).toEqual([4, 2]);
        expect(
          await list("sem", {
            metrics: [
              { key: "acc", gt: 0.85 },
              { key: "latency", lt: 20 },
            ],
          }),
        ).toEqual([4, 2]);
        expect(await list("sem", { metrics: [{ key: "never", gt: 0 }] })).toEqual([]);
        expect(await list("sem", { metrics: [{ key: "acc", gt: 1e308 }] })).toEqual([]);
        expect(await list("sem", { metrics: [{ key: "acc", gt: -1e308 }] })).toEqual([5, 4, 3, 2, 1]);
      });

      test("tags match exactly (strings, numbers, booleans), framework and creation time", async () => {
        expect(await list("sem", { tags: { team: "vision" } })).toEqual([5, 4, 2, 1]);
        expect(await list("sem", { tags: { team: "vision", stage: "prod" } })).toEqual([5, 1]);
        expect(await list("sem", { tags: { size: 3 } })).toEqual([2]);
        expect(await list("sem", { tags: { size: "3" } })).toEqual([]);
        expect(await list("sem", { tags: { ok: true } })).toEqual([3]);
        expect(await list("sem", { tags: { team: "Vision" } })).toEqual([]);
        expect(await list("sem", { framework: "SKLEARN" })).toEqual([5, 3, 1]);
        expect(await list("sem", { framework: "SKLEARN", tags: { team: "vision" } })).toEqual([5, 1]);
        const all = (await registry.listModels({ name: "sem", direction: "ASC" })).nodes;
        const at = (v: number) => all[v - 1]!.createdAt;
        const after = await list("sem", { createdAfter: new Date(at(3).getTime() - 1) });
        expect(after).toEqual(versionsOf(all.filter((m) => m.createdAt.getTime() > at(3).getTime() - 1)).reverse());
        expect(await list("sem", { createdBefore: new Date(at(1).getTime()) })).toEqual([]);
        expect(await list("sem", { createdAfter: new Date(at(6).getTime() + 1000), createdBefore: new Date(at(1).getTime()) })).toEqual([]);
      });

      test("with a metric sort: the sort key's own condition keeps out versions without it; others come last", async () => {
        expect(await list("sem", { tags: { team: "nlp" } }, "acc")).toEqual([3, 6]);
        expect(await list("sem", { tags: { team: "vision" } }, "latency", "ASC")).toEqual([2, 4, 1, 5]);
        expect(await list("sem", { metrics: [{ key: "acc", gte: 0.9 }] }, "acc", "ASC")).toEqual([1, 4, 2, 5]);
        expect(await list("sem", { metrics: [{ key: "latency", lt: 100 }] }, "acc")).toEqual([4, 2, 1, 3, 6]);
      });

      test("bestModel takes the same filter: the best accuracy among versions with latency < 20", async () => {
        const best = await registry.bestModel({ name: "sem", metric: "acc", filter: { metrics: [{ key: "latency", lt: 20 }] } });
        expect(best?.version).toBe(4);
        const lowest = await registry.bestModel({ name: "sem", metric: "acc", direction: "ASC", filter: { tags: { team: "vision" } } });
        expect(lowest?.version).toBe(1);
        expect(
          await registry.bestModel({ name: "sem", metric: "acc", filter: { tags: { team: "nlp" }, framework: "PYTORCH" } }),
        ).toBeNull();
      });

      test("an empty filter is no filter, and its cursors are the unfiltered listing's", async () => {
        const plain = await registry.listModels({ name: "sem", first: 2 });
        for (const filter of [{}, { metrics: [] }, { tags: {} }, { metrics: null, tags: null, framework: null }]) {
          const page = await registry.listModels({ name: "sem", first: 2, filter });
          expect(versionsOf(page.nodes)).toEqual(versionsOf(plain.nodes));
          const next = await registry.listModels({ name: "sem", first: 2, filter, after: plain.endCursor });
          expect(versionsOf(next.nodes)).toEqual([4, 3]);
        }
      });

      test("a cursor resumes only the filter it came from (in any spelling of it)", async () => {
        const filter = {
          tags: { team: "vision", stage: "prod" },
          metrics: [
            { key: "acc", gt: 0 },
            { key: "latency", lt: 1000 },
          ],
        };
        const page = await registry.listModels({ name: "sem", first: 1, filter, sortKey: "acc" });
        const same = {
          metrics: [
            { key: "latency", lt: 1000 },
            { key: "acc", gt: 0 },
          ],
          tags: { stage: "prod", team: "vision" },
        };
        const next = await registry.listModels({ name: "sem", first: 1, filter: same, sortKey: "acc", after: page.endCursor });
        expect(versionsOf([...page.nodes, ...next.nodes])).toEqual([1]);
        for (const other of [{ tags: { team: "vision" } }, { ...filter, framework: "SKLEARN" }, undefined]) {
          await expect(
            registry.listModels({ name: "sem", first: 1, filter: other, sortKey: "acc", after: page.endCursor }),
          ).rejects.toMatchObject({
            code: "BAD_USER_INPUT",
          });
        }
        const unfiltered = await registry.listModels({ name: "sem", first: 1 });
        await expect(registry.listModels({ name: "sem", first: 1, filter, after: unfiltered.endCursor })).rejects.toMatchObject({
          code: "BAD_USER_INPUT",
        });
      });

      test("edits, overwrites and deletes keep tag filters in step", async () => {
        await registry.createModel({ name: "tagged", tags: { stage: "dev" } });
        await registry.createModel({ name: "tagged", tags: { stage: "dev", long: "x".repeat(300) } });
        expect(await list("tagged", { tags: { stage: "dev" } })).toEqual([2, 1]);
        await registry.updateModel({ name: "tagged", version: 1 }, { mergeTags: { stage: "prod" } });
        expect(await list("tagged", { tags: { stage: "dev" } })).toEqual([2]);
        expect(await list("tagged", { tags: { stage: "prod" } })).toEqual([1]);
        await registry.updateModel({ name: "tagged", version: 1 }, { tags: { other: 1 } });
        expect(await list("tagged", { tags: { stage: "prod" } })).toEqual([]);
        expect(await list("tagged", { tags: { other: 1 } })).toEqual([1]);
        await registry.createModel({ name: "tagged", version: 2, overwrite: true, tags: { stage: "qa" } });
        expect(await list("tagged", { tags: { stage: "dev" } })).toEqual([]);
        expect(await list("tagged", { tags: { stage: "qa" } })).toEqual([2]);
        await registry.deleteModel({ name: "tagged", version: 2 });
        expect(await list("tagged", { tags: { stage: "qa" } })).toEqual([]);
        expect(await list("absent-family", { tags: { stage: "qa" } })).toEqual([]);
      });
    });

    describe("hostile filters are BAD_USER_INPUT and change nothing", () => {
      const cases: [string, ModelFilterInput][] = [
        ["no operator", { metrics: [{ key: "acc" }] }],
        ["gt and gte", { metrics: [{ key: "acc", gt: 1, gte: 1 }] }],
        ["lt and lte", { metrics: [{ key: "acc", lt: 1, lte: 1 }] }],
        ["eq with a bound", { metrics: [{ key: "acc", eq: 1, lt: 2 }] }],
        [
          "a duplicate key",
          {
            metrics: [
              { key: "acc", gt: 1 },
              { key: "acc", lt: 2 },
            ],
          },
        ],
        ["17 metric conditions", { metrics: Array.from({ length: 17 }, (_, i) => ({ key: `m${i}`, gt: 0 })) }],
        ["17 tags", { tags: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`t${i}`, "x"])) }],
        ["an invalid metric key", { metrics: [{ key: "bad key", gt: 0 }] }],
        ["an empty metric key", { metrics: [{ key: "", gt: 0 }] }],
        ["a metric key with NUL", { metrics: [{ key: "a\u0000", gt: 0 }] }],
        ["a 129-character metric key", { metrics: [{ key: "a".repeat(129), gt: 0 }] }],
        ["NaN", { metrics: [{ key: "acc", gt: NaN }] }],
        ["Infinity", { metrics: [{ key: "acc", lt: Infinity }] }],
        ["a tag value with a control character", { tags: { team: "a\u0007b" } }],
        ["a tag value with NUL", { tags: { team: "a\u0000" } }],
        ["a tag value with a newline", { tags: { team: "a\nb" } }],
        ["a tag key with NUL", { tags: { "t\u0000": "x" } }],
        ["a 257-character tag key", { tags: { ["k".repeat(257)]: "x" } }],
        ["a tag value past the largest double", { tags: { size: Infinity } }],
        ["a tag value that is an object", { tags: { team: { a: 1 } } }],
        ["a tag value that is null", { tags: { team: null } }],
        ["a tag value that is a list", { tags: { team: ["a"] } }],
        ["a long tag value", { tags: { team: "x".repeat(300) } }],
        ["a lone surrogate", { tags: { team: "\ud800" } }],
        ["an unknown framework", { framework: "sklearn; drop table models" }],
        ["an invalid date", { createdAfter: new Date(NaN) }],
      ];
      test.each(cases)("%s", async (_label, filter) => {
        await expect(registry.listModels({ name: "sem", filter })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
        await expect(registry.bestModel({ name: "sem", metric: "acc", filter })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      });

      test("an empty range, createdAfter after createdBefore, unicode and other projects' names: empty pages, not errors", async () => {
        expect(await list("sem", { metrics: [{ key: "acc", gt: 0.9, lt: 0.5 }] })).toEqual([]);
        expect(await list("sem", { metrics: [{ key: "acc", gt: 0.9, lt: 0.9 }] })).toEqual([]);
        expect(await list("sem", { createdAfter: new Date("2030-01-01"), createdBefore: new Date("2020-01-01") })).toEqual([]);
        expect(await list("sem", { tags: { "équipe ☃": "vïsion 🚀" } })).toEqual([]);
        expect(await list("sem", { tags: { team: "x".repeat(254) } })).toEqual([]);
        expect(await registry.bestModel({ name: "sem", metric: "acc", filter: { metrics: [{ key: "acc", gt: 2, lt: 1 }] } })).toBeNull();
        // Another project's family of the same name is another family.
        await registry.createModel({ project: "other", name: "sem", tags: { team: "vision" } });
        expect(
          versionsOf((await registry.listModels({ name: "sem", project: "other", filter: { tags: { team: "vision" } } })).nodes),
        ).toEqual([1]);
        expect(await list("sem", { tags: { team: "vision" } })).toEqual([5, 4, 2, 1]);
      });
    });

    describe("randomised: every page of every filter and sort matches a reference over the same data", () => {
      type Row = {
        version: number;
        metrics: Map<string, number>;
        tags: Record<string, unknown>;
        framework: string | null;
        createdAt: number;
      };
      const rows: Row[] = [];
      let seed = 12345;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const VALUES = [0, 0.1, 0.25, 0.5, 0.5, 0.75, 0.9, 1, -3, 7.5];

      beforeAll(async () => {
        for (let v = 1; v <= 300; v++) {
          const metrics = ["a", "b", "c"]
            .filter(() => random() < 0.8)
            .map((key) => ({ key, value: random() < 0.5 ? pick(VALUES) : Math.round(random() * 1000) / 100 }));
          const tags: Record<string, unknown> = {};
          if (random() < 0.7) tags.team = pick(["vision", "nlp", "audio"]);
          if (random() < 0.3) tags.rare = pick([true, 1, "1"]);
          const created = await registry.createModel({
            name: "rnd",
            metrics,
            tags,
            framework: random() < 0.2 ? null : pick(["SKLEARN", "PYTORCH", "ONNX"]),
          });
          rows.push({
            version: created.version,
            metrics: new Map(metrics.map((m) => [m.key, m.value])),
            tags,
            framework: created.framework,
            createdAt: created.createdAt.getTime(),
          });
        }
      }, 120_000);

      function randomFilter(): ModelFilterInput {
        const filter: {
          metrics?: object[];
          tags?: Record<string, unknown>;
          framework?: string;
          createdAfter?: Date;
          createdBefore?: Date;
        } = {};
        const keys = ["a", "b", "c"].filter(() => random() < 0.4);
        if (keys.length > 0) {
          filter.metrics = keys.map((key) => {
            const x = pick(VALUES);
            const y = x + random() * 5;
            return pick([
              { key, gt: x },
              { key, gte: x },
              { key, lt: y },
              { key, lte: x },
              { key, eq: x },
              { key, gte: x, lt: y },
              { key, gt: x, lte: y },
            ]);
          });
        }
        if (random() < 0.4) filter.tags = random() < 0.7 ? { team: pick(["vision", "nlp", "audio"]) } : { rare: pick([true, 1, "1"]) };
        if (random() < 0.3) filter.framework = pick(["SKLEARN", "PYTORCH", "ONNX"]);
        if (random() < 0.3) {
          const t = pick(rows).createdAt;
          if (random() < 0.5) filter.createdAfter = new Date(t);
          else filter.createdBefore = new Date(t);
        }
        return filter as ModelFilterInput;
      }

      function reference(filter: ModelFilterInput, sortKey: string | null, direction: SortDirection): number[] {
        const kept = rows.filter((r) => {
          for (const c of filter.metrics ?? []) {
            const x = r.metrics.get(c.key);
            if (x === undefined) return false;
            if (c.gt != null && !(x > c.gt)) return false;
            if (c.gte != null && !(x >= c.gte)) return false;
            if (c.lt != null && !(x < c.lt)) return false;
            if (c.lte != null && !(x <= c.lte)) return false;
            if (c.eq != null && !(x === c.eq)) return false;
          }
          for (const [k, v] of Object.entries(filter.tags ?? {})) if (!Object.hasOwn(r.tags, k) || r.tags[k] !== v) return false;
          if (filter.framework && r.framework !== filter.framework) return false;
          if (filter.createdAfter && !(r.createdAt > filter.createdAfter.getTime())) return false;
          if (filter.createdBefore && !(r.createdAt < filter.createdBefore.getTime())) return false;
          return true;
        });
        const sign = direction === "DESC" ? -1 : 1;
        if (sortKey === null) return kept.map((r) => r.version).sort((a, b) => sign * (a - b));
        return kept
          .sort((p, q) => {
            const [x, y] = [p.metrics.get(sortKey), q.metrics.get(sortKey)];
            if (x === undefined || y === undefined) return (x === undefined ? 1 : 0) - (y === undefined ? 1 : 0) || q.version - p.version;
            return sign * (x - y) || q.version - p.version;
          })
          .map((r) => r.version);
      }

      test("120 random filters, sorts and page sizes, paged to the end", async () => {
        for (let i = 0; i < 120; i++) {
          const filter = randomFilter();
          const sortKey = pick([null, "a", "b", "c"]);
          const direction = pick(["ASC", "DESC"] as const);
          const first = pick([1, 2, 3, 5, 8, 40]);
          const want = reference(filter, sortKey, direction);
          const got: number[] = [];
          let after: string | null = null;
          for (let pages = 0; pages <= want.length + 1; pages++) {
            const page: { nodes: readonly ModelRecord[]; hasNextPage: boolean; endCursor: string | null } = await registry.listModels({
              name: "rnd",
              filter,
              sortKey,
              direction,
              first,
              after,
            });
            got.push(...versionsOf(page.nodes));
            if (!page.hasNextPage) break;
            after = page.endCursor;
          }
          expect(got, JSON.stringify({ filter, sortKey, direction, first })).toEqual(want);
          if (sortKey !== null) {
            const best = await registry.bestModel({ name: "rnd", metric: sortKey, direction, filter });
            const top = want[0];
            const hasKey = top !== undefined && rows[top - 1]!.metrics.has(sortKey);
            expect(best?.version ?? null).toBe(hasKey ? top : null);
          }
        }
      }, 120_000);
    });
  },
);
