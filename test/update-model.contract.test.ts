import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Caller } from "../gateway/src/access/caller.js";
import { MAX_METRICS } from "../gateway/src/domain/rules.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { openTestStorage, STORAGE_COMBOS, type TestStorage } from "./support/backends.js";
import { file, sha256 } from "./support/files.js";
import { registryOver } from "./support/registry.js";
import { startS3Server, type S3Server } from "./support/s3-server.js";

let s3: S3Server | undefined;
beforeAll(async () => {
  if (STORAGE_COMBOS.some((c) => c.blobs === "s3")) s3 = await startS3Server();
});
afterAll(() => s3?.stop());

/** updateModel's contract, on every pair of stores (the same suite as registry.contract.test.ts). */
describe.each(STORAGE_COMBOS.map((combo) => [combo.name, combo] as const))("updateModel on %s", (_name, combo) => {
  let storage: TestStorage;
  let registry: ReturnType<typeof registryOver>;

  beforeAll(async () => {
    storage = await openTestStorage(combo, { s3 });
    registry = registryOver(storage);
  });
  afterAll(() => storage?.cleanup());

  const ref = (name: string, version: number, project = "default") => ({ project, name, version });

  test("edits description, tags and metrics in place; files, createdAt and the blob set stay; revision and updatedAt move", async () => {
    const created = await registry.createModel({
      name: "ed",
      description: "first",
      tags: { team: "vision", stage: "dev" },
      metrics: [
        { key: "acc", value: 0.5 },
        { key: "loss", value: 0.3 },
      ],
      files: [file("w.bin", "weights")],
    });
    expect(created).toMatchObject({ revision: 1, updatedBy: null });
    expect(created.updatedAt).toEqual(created.createdAt);
    const blobsBefore = await storage.listBlobs();

    const edited = await registry.updateModel(ref("ed", 1), {
      description: "second",
      mergeTags: { stage: "prod", owner: "ana", team: null },
      addMetrics: [
        { key: "acc", value: 0.9 },
        { key: "f1", value: 0.7 },
      ],
      removeMetrics: ["loss", "never-there"],
      expectedRevision: 1,
    });
    expect(edited).toMatchObject({ revision: 2, description: "second", tags: { stage: "prod", owner: "ana" } });
    expect(edited.metrics).toEqual([
      { key: "acc", value: 0.9 },
      { key: "f1", value: 0.7 },
    ]);
    expect(edited.files).toEqual([{ path: "w.bin", sha256: sha256("weights"), sizeBytes: 7 }]);
    expect(edited.createdAt).toEqual(created.createdAt);
    expect(edited.updatedAt.getTime()).toBeGreaterThanOrEqual(created.createdAt.getTime());
    const read = await registry.getModel(ref("ed", 1));
    expect(read).toEqual(edited);
    expect(await storage.listBlobs()).toEqual(blobsBefore);

    // tags replaces every tag; null clears the description; untouched fields stay.
    const replaced = await registry.updateModel(ref("ed", 1), { tags: { only: 1 }, description: null });
    expect(replaced).toMatchObject({ revision: 3, description: null, tags: { only: 1 } });
    expect(replaced.metrics).toEqual(edited.metrics);
  });

  test('a tag named "__proto__" merges, is kept and is removed like any other', async () => {
    await registry.createModel({ name: "proto", tags: JSON.parse('{"__proto__": "kept", "a": 1}') as Record<string, unknown> });
    const merged = await registry.updateModel(ref("proto", 1), {
      mergeTags: JSON.parse('{"__proto__": {"x": 1}, "b": 2}') as Record<string, unknown>,
    });
    expect(JSON.stringify(merged.tags)).toBe('{"__proto__":{"x":1},"a":1,"b":2}');
    expect(JSON.stringify((await registry.getModel(ref("proto", 1)))!.tags)).toBe('{"__proto__":{"x":1},"a":1,"b":2}');
    const removed = await registry.updateModel(ref("proto", 1), {
      mergeTags: JSON.parse('{"__proto__": null}') as Record<string, unknown>,
    });
    expect(JSON.stringify(removed.tags)).toBe('{"a":1,"b":2}');
  });

  test("a stale expectedRevision is CONFLICT and changes nothing; without one the edit applies", async () => {
    await registry.createModel({ name: "stale", description: "v", metrics: [{ key: "acc", value: 0.1 }] });
    await registry.updateModel(ref("stale", 1), { description: "w" });
    await expect(
      registry.updateModel(ref("stale", 1), { description: "x", addMetrics: [{ key: "acc", value: 0.9 }], expectedRevision: 1 }),
    ).rejects.toMatchObject({ code: "CONFLICT", details: { currentRevision: 2, expectedRevision: 1 } });
    expect(await registry.getModel(ref("stale", 1))).toMatchObject({
      description: "w",
      revision: 2,
      metrics: [{ key: "acc", value: 0.1 }],
    });
    expect(await registry.updateModel(ref("stale", 1), { description: "y" })).toMatchObject({ revision: 3 });
  });

  test("two editors at the same revision: exactly one wins, the other gets CONFLICT", async () => {
    await registry.createModel({ name: "race", metrics: [{ key: "acc", value: 0 }] });
    for (let round = 0; round < 3; round++) {
      const { revision } = (await registry.getModel(ref("race", 1)))!;
      const editors = await Promise.allSettled(
        [1, 2].map((i) =>
          registry.updateModel(ref("race", 1), {
            mergeTags: { editor: i },
            addMetrics: [{ key: "acc", value: i }],
            expectedRevision: revision,
          }),
        ),
      );
      const won = editors.filter((e) => e.status === "fulfilled");
      const lost = editors.filter((e): e is PromiseRejectedResult => e.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toMatchObject({ code: "CONFLICT" });
      const winner = (won[0] as PromiseFulfilledResult<{ tags: Record<string, unknown> }>).value;
      const now = await registry.getModel(ref("race", 1));
      expect(now).toMatchObject({ revision: revision + 1, tags: winner.tags });
      expect(now!.metrics).toEqual([{ key: "acc", value: winner.tags.editor }]);
    }
  });

  test("an overwrite raises the revision, so an edit made against the replaced content is CONFLICT", async () => {
    await registry.createModel({ name: "ow", version: 1, description: "old" });
    await registry.updateModel(ref("ow", 1), { description: "edited" });
    const replaced = await registry.createModel({ name: "ow", version: 1, overwrite: true, description: "new" });
    expect(replaced).toMatchObject({ revision: 3, description: "new" });
    expect(replaced.updatedAt).toEqual(replaced.createdAt);
    await expect(registry.updateModel(ref("ow", 1), { description: "lost", expectedRevision: 2 })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  test("an absent version is NOT_FOUND; an empty edit is BAD_USER_INPUT", async () => {
    await expect(registry.updateModel(ref("nobody", 1), { description: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await registry.createModel({ name: "empty" });
    await expect(registry.updateModel(ref("empty", 1), {})).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  test("invalid edits are BAD_USER_INPUT and change nothing", async () => {
    await registry.createModel({ name: "bad", description: "kept", tags: { a: 1 }, metrics: [{ key: "acc", value: 1 }] });
    const before = await registry.getModel(ref("bad", 1));
    const refused: [Parameters<typeof registry.updateModel>[1], string][] = [
      [{ description: "a\u0000b" }, "input.description"],
      [{ description: "x".repeat(65_537) }, "input.description"],
      [{ tags: { "bad\u0007key": 1 } }, "input.tags (a key)"],
      [{ mergeTags: { k: "\ud800" } }, "input.mergeTags.k"],
      [{ mergeTags: { big: "x".repeat(70_000) } }, "input.mergeTags"],
      [{ tags: { a: 1 }, mergeTags: { b: 2 } }, "input.mergeTags"],
      [{ addMetrics: [{ key: "bad key", value: 1 }] }, "input.addMetrics[0].key"],
      [{ addMetrics: [{ key: "acc", value: Number.NaN }] }, "input.addMetrics[0].value"],
      [{ addMetrics: [{ key: "acc", value: Infinity }] }, "input.addMetrics[0].value"],
      [
        {
          addMetrics: [
            { key: "acc", value: 1 },
            { key: "acc", value: 2 },
          ],
        },
        "input.addMetrics[1].key",
      ],
      [{ removeMetrics: ["../etc"] }, "input.removeMetrics[0]"],
      [{ addMetrics: [{ key: "acc", value: 2 }], removeMetrics: ["acc"] }, "input.removeMetrics"],
      [{ description: "x", expectedRevision: 0 }, "input.expectedRevision"],
      [{ description: "x", expectedRevision: 1.5 }, "input.expectedRevision"],
    ];
    for (const [changes, field] of refused) {
      await expect(registry.updateModel(ref("bad", 1), changes), JSON.stringify(changes).slice(0, 80)).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
        details: { field },
      });
    }
    // Tags merged past the size limit, and metrics past the count limit, are refused inside the transaction.
    await registry.updateModel(ref("bad", 1), { mergeTags: { half: "x".repeat(40_000) } });
    const afterHalf = await registry.getModel(ref("bad", 1));
    await expect(registry.updateModel(ref("bad", 1), { mergeTags: { other: "y".repeat(40_000) } })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { field: "input.mergeTags" },
    });
    const many = Array.from({ length: MAX_METRICS }, (_, i) => ({ key: `m${i}`, value: i }));
    await expect(registry.updateModel(ref("bad", 1), { addMetrics: many })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { field: "input.addMetrics" },
    });
    expect(await registry.getModel(ref("bad", 1))).toEqual(afterHalf);
    expect(afterHalf).toMatchObject({ description: before!.description, metrics: before!.metrics, revision: 2 });
  });

  test("metric-sorted listing stays ordered after edits, and a keyset page continues across an edit", async () => {
    for (let i = 1; i <= 6; i++) await registry.createModel({ name: "sorted", metrics: [{ key: "acc", value: i / 10 }] });
    const first = await registry.listModels({ name: "sorted", sortKey: "acc", first: 3 });
    expect(first.nodes.map((m) => m.version)).toEqual([6, 5, 4]);
    // v2 jumps to the top (already paged past: not seen again), v5 drops below v1, v3 loses the metric.
    await registry.updateModel(ref("sorted", 2), { addMetrics: [{ key: "acc", value: 0.95 }] });
    await registry.updateModel(ref("sorted", 5), { addMetrics: [{ key: "acc", value: 0.05 }] });
    await registry.updateModel(ref("sorted", 3), { removeMetrics: ["acc"] });
    const rest = await registry.listModels({ name: "sorted", sortKey: "acc", first: 10, after: first.endCursor });
    expect(rest.nodes.map((m) => [m.version, m.metrics?.find((x) => x.key === "acc")?.value ?? null])).toEqual([
      [1, 0.1],
      [5, 0.05],
      [3, null],
    ]);
    for (const direction of ["DESC", "ASC"] as const) {
      const whole = await registry.listModels({ name: "sorted", sortKey: "acc", direction, first: 10 });
      const paged = [];
      let after: string | null = null;
      do {
        const page = await registry.listModels({ name: "sorted", sortKey: "acc", direction, first: 2, after });
        paged.push(...page.nodes.map((m) => m.version));
        after = page.hasNextPage ? page.endCursor : null;
      } while (after);
      const expected = direction === "DESC" ? [2, 6, 4, 1, 5, 3] : [5, 1, 4, 6, 2, 3];
      expect(whole.nodes.map((m) => m.version)).toEqual(expected);
      expect(paged).toEqual(expected);
    }
    expect((await registry.bestModel({ name: "sorted", metric: "acc" }))?.version).toBe(2);
    expect(await registry.listModels({ name: "sorted", first: 1 }).then((p) => p.totalCount())).toBe(6);
  });

  test("the edit records who made it; the version count is unchanged and the family's updatedAt is the edit's", async () => {
    const editor = registryOver(storage, undefined, Caller.forKey("k-editor", [{ project: "default", role: "write" }]));
    await registry.createModel({ name: "who" });
    const [family] = (await registry.listFamilies({ search: "who" })).nodes;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const edited = await editor.updateModel(ref("who", 1), { description: "by k-editor" });
    expect(edited).toMatchObject({ updatedBy: "k-editor", createdBy: null });
    expect((await registry.listFamilies({ search: "who" })).nodes).toEqual([{ ...family, updatedAt: edited.updatedAt }]);
    expect(edited.updatedAt.getTime()).toBeGreaterThan(family!.updatedAt.getTime());
  });

  test("a read key cannot edit, nor a key of another project: FORBIDDEN, nothing changed", async () => {
    await registry.createModel({ name: "guarded", description: "kept" });
    const reader = registryOver(storage, undefined, Caller.forKey("k-reader", [{ project: "default", role: "read" }]));
    const stranger = registryOver(storage, undefined, Caller.forKey("k-other", [{ project: "other", role: "admin" }]));
    for (const who of [reader, stranger]) {
      await expect(who.updateModel(ref("guarded", 1), { description: "changed" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    expect(await registry.getModel(ref("guarded", 1))).toMatchObject({ description: "kept", revision: 1 });
  });

  test("a row a previous release inserted (no 0010 columns) reads as never edited, and can be edited", async () => {
    await registry.createModel({ name: "legacy" });
    const db = (storage.metadata as SqlMetadataStore)["db"] as unknown as Kysely<Record<string, Record<string, unknown>>>;
    const [family] = (await sql<{ id: number }>`select id from families where name = 'legacy'`.execute(db)).rows;
    // What release 0008's create runs on the models table: none of the new columns.
    await sql`insert into models (family_id, version, description, tags, size_bytes, status, created_at, created_by)
      values (${family!.id}, 2, 'old', '{}', 0, 'READY', 1000, 'k-old')`.execute(db);
    const old = await registry.getModel(ref("legacy", 2));
    expect(old).toMatchObject({ revision: 1, updatedAt: new Date(1000), updatedBy: "k-old", description: "old" });
    expect(await registry.updateModel(ref("legacy", 2), { description: "new", expectedRevision: 1 })).toMatchObject({
      revision: 2,
      description: "new",
    });
  });
});
