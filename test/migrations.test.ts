import { sql } from "kysely";
import { afterEach, describe, expect, test } from "vitest";
import { closeStorage, openStorage } from "../gateway/src/storage/factory.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { captureLog } from "./support/log-capture.js";

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

  test("a history that diverged (an unknown migration ordered among known ones) is still refused", async () => {
    storage = await openTestStorage(backend);
    await applyAsNewerRelease("0003a_from_a_diverged_branch");
    await expect(openStorage({ databaseUrl: storage.databaseUrl, blobUrl: storage.blobDir })).rejects.toThrow(/corrupted migrations/);
  });
});
