import { sql } from "kysely";
import { afterEach, describe, expect, test } from "vitest";
import { closeStorage, openStorage } from "../gateway/src/storage/factory.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { captureLog } from "./support/log-capture.js";
import { file } from "./support/files.js";
import { registryOver } from "./support/registry.js";
import { ALL_PARTS } from "../gateway/src/domain/records.js";

/**
 * Rolling upgrades: the first upgraded replica migrates the shared database while
 * replicas of the previous release keep serving, and may restart, on it.
 */
describe.each(BACKENDS)("migrations across releases, %s", (backend) => {
  let storage: TestStorage | undefined;
  afterEach(() => storage?.cleanup());

  /** Records `name` as applied, as a newer release's Migrator would (its change: one more table). */
  async function applyAsNewerRelease(name: string): Promise<void> {
    const db = (storage!.metadata as SqlMetadataStore)["db"];
    await sql`create table newer_release_feature (id integer primary key)`.execute(db);
    await sql`insert into kysely_migration (name, timestamp) values (${name}, ${new Date().toISOString()})`.execute(db);
  }

  test("a replica of the previous release starts on a database a newer release migrated, and says so", async () => {
    storage = await openTestStorage(backend);
    await applyAsNewerRelease("9999_newer_release_feature");
    const log = captureLog("warn");
    const older = await openStorage({ databaseUrl: storage.databaseUrl, blobUrl: storage.blobDir, logger: log.logger });
    try {
      expect((older.metadata as SqlMetadataStore).newerMigrations).toEqual(["9999_newer_release_feature"]);
      expect(await older.metadata.getModel({ project: "default", name: "m", version: 1 }, { metrics: false, files: false })).toBeNull();
      expect(await older.access.anyKeys()).toBe(false);
      if (backend === "postgres") {
        expect(log.parsed()).toContainEqual(expect.objectContaining({ migrations: ["9999_newer_release_feature"] }));
      }
    } finally {
      await closeStorage(older);
    }
  });

  test("0009_model_flavors: rows of the previous release (no flavors columns) read as null flavors, tags and card", async () => {
    storage = await openTestStorage(backend);
    const db = (storage.metadata as SqlMetadataStore)["db"];
    await registryOver(storage).createModel({ name: "old", files: [file("model.pkl", "p")] });
    // Back to the schema before 0009 (and so before 0010 and 0012, which follow it), as a
    // database of the previous release is.
    await sql`drop table model_tags`.execute(db);
    for (const index of ["models_family_framework", "models_family_created"]) await sql`drop index ${sql.ref(index)}`.execute(db);
    for (const column of ["revision", "updated_at", "updated_by", "flavors", "tf_meta_graph_tags"]) {
      await sql`alter table models drop column ${sql.ref(column)}`.execute(db);
    }
    await sql`delete from kysely_migration where name in ('0009_model_flavors', '0010_model_updates', '0012_filters')`.execute(db);
    // A replica of the previous release registers a version without the columns.
    await sql`insert into models (family_id, version, tags, size_bytes, status, created_at)
              select id, 2, '{}', 0, 'READY', 0 from families where name = 'old'`.execute(db);
    await storage.metadata.close();
    const upgraded = await openStorage({ databaseUrl: storage.databaseUrl, blobUrl: storage.blobDir });
    try {
      const db2 = (upgraded.metadata as SqlMetadataStore)["db"];
      // The previous release keeps writing rows without the new columns after the upgrade, too.
      await sql`insert into models (family_id, version, tags, size_bytes, status, created_at)
                select id, 3, '{}', 0, 'READY', 0 from families where name = 'old'`.execute(db2);
      for (const version of [1, 2, 3]) {
        const model = await upgraded.metadata.getModel({ project: "default", name: "old", version }, ALL_PARTS);
        expect(model, `version ${version}`).toMatchObject({ version, flavors: null, tfMetaGraphTags: null, cardFile: null });
      }
      const listed = await upgraded.metadata.listModels({
        project: "default",
        name: "old",
        sortKey: null,
        direction: "DESC",
        limit: 10,
        after: null,
        parts: ALL_PARTS,
      });
      expect(listed.map((l) => [l.model.version, l.model.flavors, l.model.tfMetaGraphTags])).toEqual([
        [3, null, null],
        [2, null, null],
        [1, null, null],
      ]);
    } finally {
      await closeStorage(upgraded);
    }
  });

  test("0012_filters backfills model_tags from the versions the previous release wrote", async () => {
    storage = await openTestStorage(backend);
    const db = (storage.metadata as SqlMetadataStore)["db"];
    await sql`drop table model_tags`.execute(db);
    for (const index of ["models_family_framework", "models_family_created"]) await sql`drop index ${sql.ref(index)}`.execute(db);
    await sql`delete from kysely_migration where name = '0012_filters'`.execute(db);
    // Versions as the previous release registered them: tags only in models.tags.
    const tags = [{ team: "vision", size: 3 }, { team: "nlp", ok: true, deep: { a: 1 }, long: "x".repeat(300) }, {}];
    await sql`insert into families (project, name, last_version) values ('default', 'old', 600)`.execute(db);
    for (let version = 1; version <= 600; version++) {
      await sql`insert into models (family_id, version, tags, size_bytes, status, created_at)
                select id, ${version}, ${JSON.stringify(tags[version % 3])}, 0, 'READY', 0 from families where name = 'old'`.execute(db);
    }
    await storage.metadata.close();
    const upgraded = await openStorage({ databaseUrl: storage.databaseUrl, blobUrl: storage.blobDir });
    try {
      const registry = registryOver(upgraded);
      const count = async (filter: Record<string, unknown>) =>
        (await registry.listModels({ name: "old", filter, first: 500 })).nodes.length;
      expect(await count({ tags: { team: "vision" } })).toBe(200);
      expect(await count({ tags: { team: "nlp", ok: true } })).toBe(200);
      expect(await count({ tags: { size: 3 } })).toBe(200);
      const db2 = (upgraded.metadata as SqlMetadataStore)["db"];
      const { rows } = await sql<{ n: number }>`select count(*) as n from model_tags`.execute(db2);
      // team and size, team and ok: nested and long values are not indexed.
      expect(Number(rows[0]?.n)).toBe(800);
    } finally {
      await closeStorage(upgraded);
    }
  });

  test("a history that diverged (an unknown migration ordered among known ones) is still refused", async () => {
    storage = await openTestStorage(backend);
    await applyAsNewerRelease("0003a_from_a_diverged_branch");
    await expect(openStorage({ databaseUrl: storage.databaseUrl, blobUrl: storage.blobDir })).rejects.toThrow(/corrupted migrations/);
  });
});
