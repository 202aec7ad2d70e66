import { sql } from "kysely";
import { afterEach, describe, expect, test } from "vitest";
import { closeStorage, openStorage } from "../gateway/src/storage/factory.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { captureLog } from "./support/log-capture.js";
import { file } from "./support/files.js";
import { registryOver } from "./support/registry.js";
import { ALL_PARTS } from "../gateway/src/domain/records.js";

/** Back to the schema before 0011_aliases, as a database of the previous release is. */
async function undoAliases(db: SqlMetadataStore["db"]): Promise<void> {
  await sql`drop table aliases`.execute(db);
  await sql`alter table events drop column alias`.execute(db);
  await sql`delete from kysely_migration where name = '0011_aliases'`.execute(db);
}

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
    // Back to the schema before 0009 (and so before 0010 and 0011, which follow it), as a
    // database of the previous release is.
    await undoAliases(db);
    for (const column of ["revision", "updated_at", "updated_by", "flavors", "tf_meta_graph_tags"]) {
      await sql`alter table models drop column ${sql.ref(column)}`.execute(db);
    }
    await sql`delete from kysely_migration where name in ('0009_model_flavors', '0010_model_updates')`.execute(db);
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

  test("0011_aliases: the previous release's events and deletes keep working; an alias its delete left resolves to null", async () => {
    storage = await openTestStorage(backend);
    const db = (storage.metadata as SqlMetadataStore)["db"];
    const registry = registryOver(storage);
    await registry.createModel({ name: "old" });
    await registry.createModel({ name: "old" });
    await undoAliases(db);
    await storage.metadata.close();
    const upgraded = await openStorage({ databaseUrl: storage.databaseUrl, blobUrl: storage.blobDir });
    try {
      const service = registryOver(upgraded).service;
      const open = registryOver(upgraded).caller;
      const db2 = (upgraded.metadata as SqlMetadataStore)["db"];
      await service.setAlias(open, { name: "old", alias: "prod", version: 2 });
      // The previous release records events without the alias column, and deletes knowing nothing of aliases.
      await sql`insert into events (type, project, name, version, at) values ('CREATED', 'default', 'old', 3, 0)`.execute(db2);
      await sql`delete from models where version = 2 and family_id = (select id from families where name = 'old')`.execute(db2);
      const events = await (upgraded.metadata as SqlMetadataStore).events.readAfter(0, 100);
      expect(events.at(-1)).toMatchObject({ type: "CREATED", version: 3, alias: null });
      expect(events.find((e) => e.type === "ALIAS_SET")).toMatchObject({ version: 2, alias: "prod" });
      expect(await service.findModel(open, { name: "old", alias: "prod" })).toBeNull();
      // Still listed, so it can be seen and moved.
      expect(await service.listAliases(open, { name: "old" })).toMatchObject([{ alias: "prod", version: 2 }]);
      expect(await service.setAlias(open, { name: "old", alias: "prod", version: 1 })).toMatchObject({ version: 1 });
      expect((await service.getModel(open, { name: "old", version: 1 }))!.aliases).toEqual(["prod"]);
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
