import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import type { ModelDraft } from "../gateway/src/domain/records.js";
import { closeStorage, openStorage, type Storage } from "../gateway/src/storage/factory.js";
import { postgresDialect } from "../gateway/src/storage/postgres/index.js";
import { migrationProvider } from "../gateway/src/storage/sql/migrations.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { sqliteDialect } from "../gateway/src/storage/sqlite/index.js";
import { BACKENDS, createPgDatabase, makeTempDir, openTestStorage, type TestStorage } from "./support/backends.js";

const PROJECT = "default";
const noop = async () => {};

function draft(name: string, options: { version?: number; overwrite?: boolean } = {}): ModelDraft {
  return {
    project: PROJECT,
    name,
    version: options.version,
    overwrite: options.overwrite ?? false,
    description: null,
    framework: null,
    signature: null,
    inputExample: null,
    tags: {},
    metrics: [{ key: "accuracy", value: Math.random() }],
    files: [],
    createdBy: null,
  };
}

/** What `count(*)` says, to compare the maintained counter with. */
async function counted(storage: Storage, name: string): Promise<number> {
  const db = (storage.metadata as SqlMetadataStore)["db"] as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from models m join families f on f.id = m.family_id
    where f.project = ${PROJECT} and f.name = ${name}`.execute(db);
  return Number(rows[0]!.n);
}

describe.each(BACKENDS)("totalCount is maintained, %s", (backend) => {
  let storage: TestStorage | undefined;
  const extra: Storage[] = [];
  afterEach(async () => {
    for (const s of extra.splice(0)) await closeStorage(s);
    await storage?.cleanup();
    storage = undefined;
  });

  const count = (name: string) => storage!.metadata.countModels(PROJECT, name);

  test("creates add one, overwrites add none, deletes take one; other families and unknown names are unaffected", async () => {
    storage = await openTestStorage(backend);
    const store = storage.metadata;
    expect(await count("m")).toBe(0);
    for (let i = 0; i < 5; i++) await store.createModel(draft("m"), noop);
    await store.createModel(draft("other"), noop);
    expect(await count("m")).toBe(5);
    await store.createModel(draft("m", { version: 3, overwrite: true }), noop);
    await store.createModel(draft("m", { version: 10 }), noop); // an explicit version past the others
    expect(await count("m")).toBe(6);
    expect(await store.deleteModel({ project: PROJECT, name: "m", version: 2 })).not.toBeNull();
    expect(await store.deleteModel({ project: PROJECT, name: "m", version: 2 })).toBeNull(); // already gone
    expect(await store.deleteModel({ project: PROJECT, name: "m", version: 99 })).toBeNull();
    expect(await count("m")).toBe(5);
    expect(await count("other")).toBe(1);
    expect(await count("never-created")).toBe(0);
    for (const v of [1, 3, 4, 5, 10]) await store.deleteModel({ project: PROJECT, name: "m", version: v });
    expect(await count("m")).toBe(0);
    expect(await counted(storage, "m")).toBe(0);
  });

  test("a create that fails or rolls back leaves the count unchanged", async () => {
    storage = await openTestStorage(backend);
    const store = storage.metadata;
    await store.createModel(draft("m"), noop);
    await store.createModel(draft("m"), noop);
    // Rolled back after the version row was written: the blob promotion failed.
    await expect(store.createModel(draft("m"), () => Promise.reject(new Error("promotion failed")))).rejects.toThrow(/promotion failed/);
    // An overwrite that rolls back: the deleted row comes back, the count with it.
    await expect(
      store.createModel(draft("m", { version: 1, overwrite: true }), () => Promise.reject(new Error("promotion failed"))),
    ).rejects.toThrow(/promotion failed/);
    // Refused: the version exists and overwrite is false.
    await expect(store.createModel(draft("m", { version: 2 }), noop)).rejects.toThrow();
    expect(await count("m")).toBe(2);
    expect(await counted(storage, "m")).toBe(2);
  });

  test("concurrent creates, deletes and overwrites keep it exact", async () => {
    storage = await openTestStorage(backend);
    // PostgreSQL: two stores (two pools, as two replicas) on one database. SQLite: one
    // store, whose transactions queue on its connection (a second connection in the
    // same thread would wait on the file lock synchronously, holding up the first).
    const second = backend === "postgres" ? await openStorage({ databaseUrl: storage.databaseUrl, blobUrl: storage.blobDir }) : storage;
    if (second !== storage) extra.push(second);
    const stores = [storage.metadata, second.metadata];
    // Seed versions 1..20, then race: 40 creates, 20 deletes of the seeded, 10 overwrites.
    for (let i = 0; i < 20; i++) await stores[i % 2]!.createModel(draft("race"), noop);
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) work.push(stores[i % 2]!.createModel(draft("race"), noop));
    for (let v = 1; v <= 20; v++) work.push(stores[(v + 1) % 2]!.deleteModel({ project: PROJECT, name: "race", version: v }));
    for (let v = 1; v <= 10; v++) {
      // An overwrite racing the delete of the same version: either order is a serial one.
      work.push(stores[v % 2]!.createModel(draft("race", { version: v, overwrite: true }), noop));
    }
    await Promise.all(work);
    const exact = await counted(storage, "race");
    expect(await count("race")).toBe(exact);
    expect(await second.metadata.countModels(PROJECT, "race")).toBe(exact);
    expect(exact).toBeGreaterThanOrEqual(40);
    expect(exact).toBeLessThanOrEqual(50);
  });

  test("a previous release's writes (plain inserts and deletes of version rows) move the counter too", async () => {
    storage = await openTestStorage(backend);
    await storage.metadata.createModel(draft("old"), noop);
    const db = (storage.metadata as SqlMetadataStore)["db"] as unknown as Kysely<Record<string, Record<string, unknown>>>;
    // What release 0006's create and delete run on the models table: no counter in sight.
    const [family] = (await sql<{ id: number }>`select id from families where name = 'old'`.execute(db)).rows;
    for (const version of [2, 3, 4]) {
      await sql`insert into models (family_id, version, tags, size_bytes, status, created_at)
        values (${family!.id}, ${version}, '{}', 0, 'READY', 0)`.execute(db);
    }
    await sql`delete from models where family_id = ${family!.id} and version = 3`.execute(db);
    expect(await count("old")).toBe(3);
    expect(await counted(storage, "old")).toBe(3);
  });
});

describe.each(BACKENDS)("migration 0007 backfills the counter, %s", (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  test("families created under the previous schema get their exact counts", async () => {
    const dir = await makeTempDir();
    const pgDb = backend === "postgres" ? await createPgDatabase() : undefined;
    const databaseUrl = pgDb?.url ?? path.join(dir, "registry.sqlite");
    cleanups.push(async () => {
      await pgDb?.drop();
    });

    // The previous release's schema, migrated by its own steps (0001 … 0006).
    const db = new Kysely<Record<string, Record<string, unknown>>>({
      dialect:
        backend === "postgres"
          ? new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) })
          : new SqliteDialect({ database: new Database(databaseUrl) }),
    });
    try {
      const migrator = new Migrator({ db, provider: migrationProvider(backend === "postgres" ? postgresDialect : sqliteDialect) });
      const { error } = await migrator.migrateTo("0006_rate_limits");
      expect(error).toBeUndefined();
      const sizes = { a: 7, b: 1, c: 0, d: 250 };
      for (const [name, versions] of Object.entries(sizes)) {
        const { rows } = await sql<{ id: number }>`insert into families (project, name, last_version)
          values (${PROJECT}, ${name}, ${versions + 2}) returning id`.execute(db);
        for (let v = 1; v <= versions; v++) {
          await sql`insert into models (family_id, version, tags, size_bytes, status, created_at)
            values (${rows[0]!.id}, ${v}, '{}', 0, 'READY', 0)`.execute(db);
        }
      }
      await sql`delete from models where version = 1 and family_id = (select id from families where name = 'a')`.execute(db);
    } finally {
      await db.destroy();
    }

    const storage = await openStorage({ databaseUrl, blobUrl: path.join(dir, "blobs") });
    cleanups.push(() => closeStorage(storage));
    const expected = { a: 6, b: 1, c: 0, d: 250, none: 0 };
    for (const [name, n] of Object.entries(expected)) expect([name, await storage.metadata.countModels(PROJECT, name)]).toEqual([name, n]);
    // And it keeps counting from there.
    await storage.metadata.createModel(draft("a"), noop);
    await storage.metadata.deleteModel({ project: PROJECT, name: "d", version: 5 });
    expect(await storage.metadata.countModels(PROJECT, "a")).toBe(7);
    expect(await storage.metadata.countModels(PROJECT, "d")).toBe(249);
  });
});
