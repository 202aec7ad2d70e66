import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql, type Dialect } from "kysely";
import { afterEach, describe, expect, test, vi } from "vitest";
import { CachedSqliteDriver } from "../gateway/src/storage/sqlite/cached-driver.js";
import { guardedDialect } from "../gateway/src/storage/sql/guarded-dialect.js";
import { sqliteDialect } from "../gateway/src/storage/sqlite/index.js";
import { makeTempDir, openTestStorage, type TestStorage } from "./support/backends.js";

/** A Kysely on a real SQLite file through the cached driver, wrapped as the store wraps it. */
async function open(capacity?: number) {
  const database = new Database(path.join(await makeTempDir(), "cache.sqlite"));
  const driver = new CachedSqliteDriver(database, capacity);
  const dialect: Dialect = {
    createDriver: () => driver,
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
  const db = new Kysely<any>({ dialect: guardedDialect(dialect, sqliteDialect) });
  return { db, statements: driver.statements };
}

describe("SQLite statement cache", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  test("a statement run many times is prepared once, with each run's own parameters", async () => {
    const { db, statements } = await open();
    close = () => db.destroy();
    await sql`create table t (id integer primary key, name text)`.execute(db);
    const before = statements.prepares;
    for (let i = 0; i < 50; i++)
      await db
        .insertInto("t")
        .values({ id: i, name: `n${i}` })
        .execute();
    for (let i = 0; i < 50; i++) {
      expect(await db.selectFrom("t").select("name").where("id", "=", i).executeTakeFirst()).toEqual({ name: `n${i}` });
    }
    expect(statements.prepares - before).toBe(2);
  });

  test("the cache holds at most its capacity and evicts the least recently used text", async () => {
    const { db, statements } = await open(4);
    close = () => db.destroy();
    const run = (n: number) => sql`select ${sql.lit(n)} as n`.execute(db);
    for (let n = 0; n < 10; n++) await run(n);
    expect(statements.size).toBe(4);
    const afterFill = statements.prepares;
    await run(9); // most recent: still cached
    await run(6); // the oldest of the four kept (6, 7, 8, 9)
    expect(statements.prepares).toBe(afterFill);
    await run(0); // evicted long ago: prepared anew, evicting 7 (6 was just used)
    expect(statements.prepares).toBe(afterFill + 1);
    await run(6);
    expect(statements.prepares).toBe(afterFill + 1);
    await run(7);
    expect(statements.prepares).toBe(afterFill + 2);
    expect(statements.size).toBe(4);
  });

  test("a cached statement follows schema changes (alter table, drop and create) instead of the old shape", async () => {
    const { db, statements } = await open();
    close = () => db.destroy();
    await sql`create table t (a integer)`.execute(db);
    await sql`insert into t (a) values (1)`.execute(db);
    const all = () => sql`select * from t`.execute(db).then((r) => r.rows);
    expect(await all()).toEqual([{ a: 1 }]);
    const prepared = statements.prepares;
    await sql`alter table t add column b text default 'x'`.execute(db);
    expect(await all()).toEqual([{ a: 1, b: "x" }]);
    await sql`drop table t`.execute(db);
    await expect(all()).rejects.toThrow(/no such table/);
    await sql`create table t (c text, d integer)`.execute(db);
    await sql`insert into t (c, d) values ('y', 2)`.execute(db);
    expect(await all()).toEqual([{ c: "y", d: 2 }]);
    // The select's text was prepared once; SQLite recompiled it itself on each change.
    expect(statements.prepares - prepared).toBe(4); // alter, drop, create, insert
  });

  test("a statement still streaming is not handed out again; the second run gets its own", async () => {
    const { db } = await open();
    close = () => db.destroy();
    await sql`create table t (id integer primary key)`.execute(db);
    for (let i = 0; i < 3; i++) await db.insertInto("t").values({ id: i }).execute();
    const seen: number[] = [];
    // Kysely holds the single connection for the whole stream, so no other query can
    // interleave; a stream and a run of the same text in sequence both work.
    for await (const row of db.selectFrom("t").select("id").orderBy("id").stream()) seen.push(row.id as number);
    expect(seen).toEqual([0, 1, 2]);
    expect((await db.selectFrom("t").select("id").orderBy("id").execute()).length).toBe(3);
  });
});

describe("the SQLite store reuses its statements", () => {
  let storage: TestStorage | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await storage?.cleanup();
    storage = undefined;
  });

  test("a second listing of the same page prepares nothing", async () => {
    storage = await openTestStorage("sqlite");
    const prepare = vi.spyOn(Database.prototype, "prepare");
    const list = () =>
      storage!.metadata.listModels({
        project: "default",
        name: "m",
        sortKey: "acc",
        direction: "DESC",
        limit: 50,
        after: null,
        parts: { metrics: true, files: true },
      });
    await list();
    await storage.metadata.countModels("default", "m");
    const first = prepare.mock.calls.length;
    expect(first).toBeGreaterThan(0);
    await list();
    await storage.metadata.countModels("default", "m");
    expect(prepare.mock.calls.length).toBe(first);
  });

  test("the store's connection keeps a page cache of 64 MiB, not SQLite's 2 MiB", async () => {
    storage = await openTestStorage("sqlite");
    const db = (storage.metadata as unknown as { db: Kysely<any> }).db;
    const { rows } = await sql<{ cache_size: number }>`pragma cache_size`.execute(db);
    // Negative: KiB rather than pages.
    expect(rows[0]?.cache_size).toBe(-64 * 1024);
  });
});
