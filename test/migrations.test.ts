import fs from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import { closeStorage, openStorage } from "../gateway/src/storage/factory.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { migrationProvider } from "../gateway/src/storage/sql/migrations.js";
import { postgresDialect } from "../gateway/src/storage/postgres/index.js";
import { sqliteDialect } from "../gateway/src/storage/sqlite/index.js";
import { BACKENDS, createPgDatabase, expectOpensEmpty, makeTempDir, openTestStorage, type TestStorage } from "./support/backends.js";
import { captureLog } from "./support/log-capture.js";
import { registryOver } from "./support/registry.js";
import { waitFor } from "./support/wait.js";
import { ALL_PARTS } from "../gateway/src/domain/records.js";
import { Caller } from "../gateway/src/access/caller.js";

/** Back to the schema before 0011_aliases, as a database of the previous release is. */

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
      expect(log.parsed()).toContainEqual(expect.objectContaining({ migrations: ["9999_newer_release_feature"] }));
    } finally {
      await closeStorage(older);
    }
  });

  /**
   * A fresh database migrated up to `last` only, as a previous release leaves it (or with
   * exactly the migrations `last` lists, as a commit of main had them), and a connection
   * to it that knows nothing of Homer's store.
   */
  async function databaseAt(
    last: string | readonly string[],
  ): Promise<{ databaseUrl: string; blobDir: string; db: Kysely<any>; cleanup: () => Promise<void> }> {
    const dataDir = await makeTempDir();
    const pgDb = backend === "postgres" ? await createPgDatabase() : undefined;
    const databaseUrl = pgDb?.url ?? path.join(dataDir, "registry.sqlite");
    const db = new Kysely<any>({
      dialect:
        backend === "postgres"
          ? new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) })
          : new SqliteDialect({ database: new Database(databaseUrl) }),
    });
    const provider = migrationProvider(backend === "postgres" ? postgresDialect : sqliteDialect);
    const migrator = new Migrator({
      db,
      provider:
        typeof last === "string"
          ? provider
          : {
              getMigrations: async () =>
                Object.fromEntries(Object.entries(await provider.getMigrations()).filter(([n]) => last.includes(n))),
            },
    });
    const { error } = typeof last === "string" ? await migrator.migrateTo(last) : await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(`migrating to ${String(last)} failed`, { cause: error });
    return {
      databaseUrl,
      blobDir: path.join(dataDir, "blobs"),
      db,
      cleanup: async () => {
        await db.destroy().catch(() => {});
        await pgDb?.drop();
        await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
  }

  /** Inserts a version as a release that knows only the columns of 0001 would. */
  const insertAsOldRelease = (db: Kysely<any>, name: string, version: number, createdAt: number) =>
    sql`insert into models (family_id, version, tags, size_bytes, status, created_at)
        select id, ${version}, '{}', 0, 'READY', ${createdAt} from families where name = ${name}`.execute(db);

  test("0009_model_flavors: rows of the previous release (no flavors columns) read as null flavors, tags and card", async () => {
    const before = await databaseAt("0008_family_search");
    let upgraded: Awaited<ReturnType<typeof openStorage>> | undefined;
    try {
      await sql`insert into families (project, name, last_version) values ('default', 'old', 3)`.execute(before.db);
      for (const version of [1, 2]) await insertAsOldRelease(before.db, "old", version, 0);
      await before.db.destroy();
      upgraded = await openStorage({ databaseUrl: before.databaseUrl, blobUrl: before.blobDir });
      const db2 = (upgraded.metadata as SqlMetadataStore)["db"];
      // The previous release keeps writing rows without the new columns after the upgrade, too.
      await insertAsOldRelease(db2, "old", 3, 0);
      for (const version of [1, 2, 3]) {
        const model = await upgraded.metadata.getModel({ project: "default", name: "old", version }, ALL_PARTS);
        expect(model, `version ${version}`).toMatchObject({
          version,
          flavors: null,
          tfMetaGraphTags: null,
          cardFile: null,
          revision: 1,
          lineage: null,
        });
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
      if (upgraded) await closeStorage(upgraded);
      await before.cleanup();
    }
  });

  test("0014_family_times: families get their times from the versions there are; a previous release's writes keep them", async () => {
    const before = await databaseAt("0010_model_updates");
    let upgraded: Awaited<ReturnType<typeof openStorage>> | undefined;
    try {
      await sql`insert into families (project, name, last_version) values ('default', 'old', 2), ('default', 'never', 0)`.execute(
        before.db,
      );
      await insertAsOldRelease(before.db, "old", 1, 1_000);
      await insertAsOldRelease(before.db, "old", 2, 3_000);
      await sql`update models set updated_at = 5000, revision = 2 where version = 1`.execute(before.db);
      await before.db.destroy();
      upgraded = await openStorage({ databaseUrl: before.databaseUrl, blobUrl: before.blobDir });
      const family = async () => {
        const page = await upgraded!.metadata.listFamilies({
          project: "default",
          search: "",
          match: "PREFIX",
          order: "NAME",
          limit: 10,
          after: null,
        });
        expect(page.map((f) => f.name)).toEqual(["old"]);
        return page[0]!;
      };
      expect(await family()).toMatchObject({ versionCount: 2, createdAt: new Date(1_000), updatedAt: new Date(5_000) });
      const db = (upgraded.metadata as SqlMetadataStore)["db"];
      // A replica of the previous release inserts, edits and deletes without knowing the columns.
      await insertAsOldRelease(db, "old", 3, 9_000);
      expect(await family()).toMatchObject({ versionCount: 3, createdAt: new Date(1_000), updatedAt: new Date(9_000) });
      await sql`update models set updated_at = 12000 where version = 2`.execute(db);
      expect((await family()).updatedAt).toEqual(new Date(12_000));
      const beforeDelete = Date.now();
      await sql`delete from models where version = 3`.execute(db);
      const deleted = await family();
      expect(deleted.versionCount).toBe(2);
      // Stamped by the database's clock, which is this machine's.
      expect(deleted.updatedAt.getTime()).toBeGreaterThanOrEqual(beforeDelete - 1_000);
      expect(deleted.updatedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    } finally {
      if (upgraded) await closeStorage(upgraded);
      await before.cleanup();
    }
  });

  test("0013_lineage: a previous release's rows read as no lineage; its deletes and overwrites take a child's parent rows along", async () => {
    storage = await openTestStorage(backend);
    const db = (storage.metadata as SqlMetadataStore)["db"];
    const registry = registryOver(storage);
    await registry.createModel({ name: "mom" });
    await registry.createModel({ name: "kid", version: 1, lineage: { parents: [{ name: "mom", version: 1 }] } });
    await registry.createModel({ name: "kid", version: 2, lineage: { parents: [{ name: "mom", version: 1 }] } });
    // A replica of the previous release inserts, deletes and overwrites by its own SQL, naming no lineage.
    await sql`insert into models (family_id, version, tags, size_bytes, status, created_at)
              select id, 3, '{}', 0, 'READY', 0 from families where name = 'kid'`.execute(db);
    await sql`delete from models where version = 1 and family_id = (select id from families where name = 'kid')`.execute(db);
    expect((await registry.getModel({ name: "kid", version: 3 }))!.lineage).toBeNull();
    const parentRows = await sql<{ n: number }>`select count(*) as n from model_parents`.execute(db);
    expect(Number(parentRows.rows[0]!.n)).toBe(1);
    const derived = await registry.service.listDerived(Caller.open(), { project: "default", name: "mom", version: 1 }, {});
    expect(derived.nodes.map((m) => m.version)).toEqual([2]);
  });

  test("0011_aliases: the previous release's events and deletes keep working; an alias its delete left resolves to null", async () => {
    const before = await databaseAt("0010_model_updates");
    await sql`insert into families (project, name, last_version) values ('default', 'old', 2)`.execute(before.db);
    for (const version of [1, 2]) await insertAsOldRelease(before.db, "old", version, version);
    await before.db.destroy();
    const upgraded = await openStorage({ databaseUrl: before.databaseUrl, blobUrl: before.blobDir });
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
      await before.cleanup();
    }
  });

  test("0012_filters backfills model_tags from the versions the previous release wrote", async () => {
    const before = await databaseAt("0011_aliases");
    const db = before.db;
    // Versions as the previous release registered them: tags only in models.tags.
    const tags = [{ team: "vision", size: 3 }, { team: "nlp", ok: true, deep: { a: 1 }, long: "x".repeat(300) }, {}];
    await sql`insert into families (project, name, last_version) values ('default', 'old', 600)`.execute(db);
    for (let version = 1; version <= 600; version++) {
      await sql`insert into models (family_id, version, tags, size_bytes, status, created_at)
                select id, ${version}, ${JSON.stringify(tags[version % 3])}, 0, 'READY', 0 from families where name = 'old'`.execute(db);
    }
    await db.destroy();
    const upgraded = await openStorage({ databaseUrl: before.databaseUrl, blobUrl: before.blobDir });
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
      await before.cleanup();
    }
  });

  test("0015_tag_metrics backfills model_tag_metrics from the previous release's versions, marking those over the cap", async () => {
    const before = await databaseAt("0014_family_times");
    const db = before.db;
    // Versions as the previous release registered them: metrics and model_tags rows, no pairs.
    // Version 7 has 17 tags × 16 metrics (272 pairs, over the cap of 256); 600 versions span two batches.
    const wide = 7;
    const tagsOf = (v: number): Record<string, unknown> =>
      v === wide
        ? Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`t${i}`, i]))
        : { team: v % 3 === 0 ? "vision" : "nlp", n: v, deep: { a: 1 } };
    const metricsOf = (v: number) =>
      v === wide
        ? Array.from({ length: 16 }, (_, i) => ({ key: `m${i}`, value: i }))
        : [
            { key: "acc", value: (v % 17) / 17 },
            { key: "loss", value: v },
          ];
    await sql`insert into families (project, name, last_version) values ('default', 'old', 600)`.execute(db);
    for (let version = 1; version <= 600; version++) {
      const model = sql`(select id from models where version = ${version})`;
      await sql`insert into models (family_id, version, tags, size_bytes, status, created_at)
                select id, ${version}, ${JSON.stringify(tagsOf(version))}, 0, 'READY', 0 from families where name = 'old'`.execute(db);
      for (const m of metricsOf(version)) {
        await sql`insert into metrics (model_id, family_id, version, key, value)
                  select id, family_id, version, ${m.key}, ${m.value} from models where id = ${model}`.execute(db);
      }
      for (const [key, value] of Object.entries(tagsOf(version))) {
        if (typeof value === "object") continue;
        await sql`insert into model_tags (model_id, family_id, version, key, value)
                  select id, family_id, version, ${key}, ${JSON.stringify(value)} from models where id = ${model}`.execute(db);
      }
    }
    await db.destroy();
    const upgraded = await openStorage({ databaseUrl: before.databaseUrl, blobUrl: before.blobDir });
    try {
      const db2 = (upgraded.metadata as SqlMetadataStore)["db"];
      const { rows } = await sql<{ n: number }>`select count(*) as n from model_tag_metrics`.execute(db2);
      // team and n × acc and loss on every version but the wide one.
      expect(Number(rows[0]?.n)).toBe(599 * 4);
      const marked = await sql<{ version: number }>`select version from models where tag_metrics_revision is null`.execute(db2);
      expect(marked.rows.map((r) => r.version)).toEqual([wide]);
      const three = await sql<{ tag_key: string; tag_value: string; key: string; value: number }>`
        select tag_key, tag_value, key, value from model_tag_metrics where version = 3 order by tag_key, key`.execute(db2);
      expect(three.rows.map((r) => [r.tag_key, r.tag_value, r.key, Number(r.value)])).toEqual([
        ["n", "3", "acc", 3 / 17],
        ["n", "3", "loss", 3],
        ["team", '"vision"', "acc", 3 / 17],
        ["team", '"vision"', "loss", 3],
      ]);
      // The family holds the wide version: its tag filters sorted by a metric read metrics_sort, the same pages.
      const registry = registryOver(upgraded);
      const want = Array.from({ length: 200 }, (_, i) => 3 * (i + 1)).sort((p, q) => (q % 17) - (p % 17) || q - p);
      const page = await registry.listModels({ name: "old", sortKey: "acc", filter: { tags: { team: "vision" } }, first: 500 });
      expect(page.nodes.map((m) => m.version)).toEqual(want);
      await registry.deleteModel({ name: "old", version: wide });
      const walked = await registry.listModels({ name: "old", sortKey: "acc", filter: { tags: { team: "vision" } }, first: 500 });
      expect(walked.nodes.map((m) => m.version)).toEqual(want);
      // A replica of the previous release registers a version (no pairs), then edits another
      // (its revision moves on, its pairs stay as they were): the family is listed without the pairs.
      await sql`insert into models (family_id, version, tags, size_bytes, status, created_at)
                select id, 601, ${JSON.stringify({ team: "vision" })}, 0, 'READY', 0 from families where name = 'old'`.execute(db2);
      await sql`insert into metrics (model_id, family_id, version, key, value) select id, family_id, 601, 'acc', 0.999 from models where version = 601`.execute(
        db2,
      );
      await sql`insert into model_tags (model_id, family_id, version, key, value) select id, family_id, 601, 'team', '"vision"' from models where version = 601`.execute(
        db2,
      );
      const withNew = await registry.listModels({ name: "old", sortKey: "acc", filter: { tags: { team: "vision" } }, first: 500 });
      expect(withNew.nodes.map((m) => m.version)).toEqual([601, ...want]);
      await registry.deleteModel({ name: "old", version: 601 });
      await sql`update metrics set value = 0.9999 where version = 3 and key = 'acc'`.execute(db2);
      await sql`update models set revision = revision + 1 where version = 3`.execute(db2);
      const edited = await registry.listModels({ name: "old", sortKey: "acc", filter: { tags: { team: "vision" } }, first: 500 });
      expect(edited.nodes.map((m) => m.version)).toEqual([3, ...want.filter((v) => v !== 3)]);
    } finally {
      await closeStorage(upgraded);
      await before.cleanup();
    }
  });

  /**
   * Features merged into main one branch at a time, each with the migration number its
   * branch had taken: main applied 0010 before 0009, and 0014 before 0011, 0012 and 0013
   * (`git show <commit>:gateway/src/storage/sql/migrations.ts`). Kysely refuses by default
   * to apply a migration ordered before one already applied, so a database of those days
   * did not start on any later release.
   */
  const EARLIER = ["0001_registry", "0002_access", "0003_version_counter_bigint", "0004_grant_order", "0005_events", "0006_rate_limits"];
  const MAIN_AT: Record<string, readonly string[]> = {
    "84495a8": [...EARLIER, "0007_family_version_count", "0008_family_search", "0010_model_updates"],
    c6ef0e9: [
      ...EARLIER,
      "0007_family_version_count",
      "0008_family_search",
      "0009_model_flavors",
      "0010_model_updates",
      "0014_family_times",
    ],
    aa837a1: [
      ...EARLIER,
      "0007_family_version_count",
      "0008_family_search",
      "0009_model_flavors",
      "0010_model_updates",
      "0011_aliases",
      "0013_lineage",
      "0014_family_times",
    ],
  };

  test.each(Object.keys(MAIN_AT))("a database main migrated at %s, out of order, gets the migrations it lacks", async (commit) => {
    const before = await databaseAt(MAIN_AT[commit]!);
    let upgraded: Awaited<ReturnType<typeof openStorage>> | undefined;
    try {
      await sql`insert into families (project, name, last_version) values ('default', 'old', 2)`.execute(before.db);
      for (const version of [1, 2]) {
        await sql`insert into models (family_id, version, tags, size_bytes, status, created_at)
                  select id, ${version}, ${JSON.stringify({ team: version === 1 ? "vision" : "nlp" })}, 0, 'READY', ${version * 1_000}
                    from families where name = 'old'`.execute(before.db);
        await sql`insert into metrics (model_id, family_id, version, key, value)
                  select id, family_id, version, 'acc', ${version / 10} from models where version = ${version}`.execute(before.db);
      }
      await before.db.destroy();
      upgraded = await openStorage({ databaseUrl: before.databaseUrl, blobUrl: before.blobDir });
      const db = (upgraded.metadata as SqlMetadataStore)["db"];
      const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
      expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(await migrationProvider(postgresDialect).getMigrations()).sort());
      const registry = registryOver(upgraded);
      const page = await registry.listModels({ name: "old", sortKey: "acc", first: 10 });
      expect([await page.totalCount(), page.nodes.map((m) => m.version)]).toEqual([2, [2, 1]]);
      const vision = await registry.listModels({ name: "old", sortKey: "acc", filter: { tags: { team: "vision" } }, first: 10 });
      expect(vision.nodes.map((m) => m.version)).toEqual([1]);
      await registry.service.setAlias(registry.caller, { name: "old", alias: "prod", version: 1 });
      expect((await registry.getModel({ name: "old", version: 1 }))!.aliases).toEqual(["prod"]);
    } finally {
      if (upgraded) await closeStorage(upgraded);
      await before.cleanup();
    }
  });

  /**
   * The other half of a rolling upgrade from those commits: a replica of the earlier build
   * restarting on the database this release migrated (or a rollback to it). Its Migrator
   * reads the record in the order the migrations were applied and, not allowing unordered
   * ones, refused 0011 to 0013 applied after its own 0014 ("corrupted migrations"): it never
   * started again. Emulated as that build runs: its own migrations, stand-ins for those it
   * does not know (`git show <commit>:gateway/src/storage/sql/migrations.ts`), Kysely's defaults.
   */
  test.each(Object.keys(MAIN_AT))("a replica of main at %s restarts on the database this release migrated", async (commit) => {
    const before = await databaseAt(MAIN_AT[commit]!);
    try {
      await before.db.destroy();
      await closeStorage(await openStorage({ databaseUrl: before.databaseUrl, blobUrl: before.blobDir }));
      const dialect = backend === "postgres" ? postgresDialect : sqliteDialect;
      const own = Object.fromEntries(
        Object.entries(await migrationProvider(dialect).getMigrations()).filter(([n]) => MAIN_AT[commit]!.includes(n)),
      );
      const older = new Kysely<any>({
        dialect:
          backend === "postgres"
            ? new PostgresDialect({ pool: new pg.Pool({ connectionString: before.databaseUrl, max: 1 }) })
            : new SqliteDialect({ database: new Database(before.databaseUrl) }),
      });
      try {
        const applied = (await sql<{ name: string }>`select name from kysely_migration`.execute(older)).rows.map((r) => r.name);
        const standIn = { up: () => Promise.reject(new Error("a newer release's migration is recorded as applied; it never runs here")) };
        const unknown = Object.fromEntries(applied.filter((n) => !Object.hasOwn(own, n)).map((n) => [n, standIn]));
        const migrator = new Migrator({ db: older, provider: { getMigrations: async () => ({ ...own, ...unknown }) } });
        const { error, results } = await migrator.migrateToLatest();
        expect(error).toBeUndefined();
        expect(results).toEqual([]);
      } finally {
        await older.destroy();
      }
    } finally {
      await before.cleanup();
    }
  });

  /**
   * An upgrade's migration that needs a lock a long transaction holds (a report, pg_dump, a
   * session left idle in its transaction): PostgreSQL queues every later request for that
   * table behind the migration's, so the replicas of the previous release, still serving,
   * stalled with it until that transaction ended. The migration waits a moment for each
   * lock, and tries again later.
   */
  test.runIf(backend === "postgres")(
    "a migration waiting for a lock a long transaction holds does not hold up the replicas serving",
    async () => {
      const before = await databaseAt("0015_tag_metrics");
      await sql`insert into families (project, name, last_version) values ('default', 'old', 0)`.execute(before.db);
      await before.db.destroy();
      const [long, reader, watcher] = [0, 1, 2].map(() => new pg.Client({ connectionString: before.databaseUrl })) as [
        pg.Client,
        pg.Client,
        pg.Client,
      ];
      let upgraded: Awaited<ReturnType<typeof openStorage>> | undefined;
      try {
        for (const client of [long, reader, watcher]) await client.connect();
        await long.query("begin");
        await long.query("select count(*) from families");
        const opening = openStorage({ databaseUrl: before.databaseUrl, blobUrl: before.blobDir });
        opening.catch(() => {});
        // 0016 rebuilds an index of families: the migration waits for that table's lock.
        await waitFor(
          "the migration to wait for the families table",
          async () => (await watcher.query("select 1 from pg_locks where relation = 'families'::regclass and not granted")).rowCount,
          20_000,
        );
        // A replica of the previous release answers a request meanwhile, within its statement timeout.
        await reader.query("set statement_timeout = '5s'");
        expect((await reader.query("select count(*)::int as n from families")).rows).toEqual([{ n: 1 }]);
        await long.query("commit");
        upgraded = await opening;
        const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
          (upgraded.metadata as SqlMetadataStore)["db"],
        );
        expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(await migrationProvider(postgresDialect).getMigrations()).sort());
      } finally {
        if (upgraded) await closeStorage(upgraded);
        for (const client of [long, reader, watcher]) await client.end().catch(() => {});
        await before.cleanup();
      }
    },
  );

  test("five stores opened at once on an empty database: every one opens, each migration is applied once", async () => {
    const dataDir = await makeTempDir();
    const pgDb = backend === "postgres" ? await createPgDatabase() : undefined;
    const databaseUrl = pgDb?.url ?? path.join(dataDir, "registry.sqlite");
    const opened = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => openStorage({ databaseUrl, blobUrl: path.join(dataDir, `blobs-${i}`) })),
    );
    const stores = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    try {
      expect(opened.filter((o) => o.status === "rejected")).toEqual([]);
      const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        (stores[0]!.metadata as SqlMetadataStore)["db"],
      );
      const known = Object.keys(await migrationProvider(backend === "postgres" ? postgresDialect : sqliteDialect).getMigrations());
      expect(applied.rows.map((r) => r.name)).toEqual(known.sort());
      // One schema for all: a version one store writes, another reads.
      await registryOver(stores[1]!).createModel({ name: "together" });
      expect((await registryOver(stores[4]!).getModel({ name: "together", version: 1 }))?.version).toBe(1);
    } finally {
      for (const store of stores) await closeStorage(store);
      await pgDb?.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  test("a history that diverged (an unknown migration ordered among known ones) is still refused", async () => {
    storage = await openTestStorage(backend);
    await applyAsNewerRelease("0003a_from_a_diverged_branch");
    await expect(openStorage({ databaseUrl: storage.databaseUrl, blobUrl: storage.blobDir })).rejects.toThrow(/corrupted migrations/);
  });
});

/**
 * Processes starting together on a new SQLite file all switch it to WAL. SQLite
 * refuses that switch at once (SQLITE_BUSY, without its busy handler) while another
 * connection holds the write lock; before the store tried again, one of two gateways
 * started together could fail with "database is locked".
 */
describe("a failure outside any one migration", () => {
  test("says the database's migrating failed, naming no migration", async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, "registry.sqlite");
    // Kysely's lock table of another shape: the migrator fails before any migration runs.
    const other = new Database(file);
    other.exec("create table kysely_migration_lock (x integer)");
    other.close();
    try {
      await expect(openStorage({ databaseUrl: file, blobUrl: path.join(dir, "blobs") })).rejects.toThrow(
        /^migrating the database failed: no such column/,
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe("opening a new SQLite file another connection is writing", () => {
  test("the open waits for the other's write lock, then switches to WAL and migrates", async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, "registry.sqlite");
    const other = new Database(file);
    try {
      other.exec("create table other_writer (x integer)");
      other.exec("begin immediate");
      other.exec("insert into other_writer values (1)");
      // Without retrying, the switch fails here at once: SQLite's own answer, checked so the test keeps meaning it.
      const probe = new Database(file);
      probe.pragma("busy_timeout = 5000");
      expect(() => probe.pragma("journal_mode = WAL")).toThrow(expect.objectContaining({ code: "SQLITE_BUSY" }));
      probe.close();
      const released = new Promise<void>((resolve) =>
        setTimeout(() => {
          other.exec("commit");
          resolve();
        }, 150),
      );
      const storage = await openStorage({ databaseUrl: file, blobUrl: path.join(dir, "blobs") });
      try {
        await released;
        const check = new Database(file, { readonly: true });
        expect(check.pragma("journal_mode", { simple: true })).toBe("wal");
        check.close();
        const db = (storage.metadata as SqlMetadataStore)["db"];
        expect((await db.introspection.getTables()).some((t) => t.name === "models")).toBe(true);
      } finally {
        await closeStorage(storage);
      }
    } finally {
      other.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Another process holds the SQLite file's write lock for longer than a write waits for it
 * (10 s): a long migration of its own, or an operator's VACUUM. Every start takes the write
 * lock for its migrations, which failed then ("the database did not answer in time"); it now
 * waits, as a replica on PostgreSQL waits for another's migration lock.
 */
describe("starting while another process holds the SQLite file's write lock", () => {
  test("the start waits for it past the 10 s a write waits, then serves", async () => {
    const dir = await makeTempDir();
    const file = path.join(dir, "registry.sqlite");
    await closeStorage(await openStorage({ databaseUrl: file, blobUrl: path.join(dir, "blobs") }));
    const other = new Database(file);
    try {
      other.exec("begin immediate");
      const started = Date.now();
      let committed = false;
      const opening = openStorage({ databaseUrl: file, blobUrl: path.join(dir, "blobs") });
      // Settles only if the start ends while the other still holds the lock (its wait failed).
      const endedEarly = opening.then(
        () => {
          if (!committed) throw new Error("the store opened while another process held the write lock");
        },
        (error: unknown) => {
          throw new Error(`the start failed while another process held the write lock: ${String((error as Error)?.message ?? error)}`, {
            cause: error,
          });
        },
      );
      await Promise.race([
        endedEarly,
        waitFor("the other process to hold the lock for 12 s", () => Date.now() - started > 12_000, 20_000, 100),
      ]);
      committed = true;
      other.exec("commit");
      await expectOpensEmpty(opening);
    } finally {
      other.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
