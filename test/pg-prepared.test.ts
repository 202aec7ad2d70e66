import fs from "node:fs/promises";
import path from "node:path";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { UnavailableError } from "../gateway/src/domain/errors.js";
import { FsBlobStore } from "../gateway/src/storage/fs/fs-blob-store.js";
import { openPostgresStore } from "../gateway/src/storage/postgres/index.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { BACKENDS, createPgDatabase, makeTempDir } from "./support/backends.js";
import { registryOver } from "./support/registry.js";

/**
 * The PostgreSQL store runs statements as named prepared statements, one set per
 * connection. One connection per store here, so what it prepared is what the
 * server lists in its session's pg_prepared_statements.
 */
describe.runIf(BACKENDS.includes("postgres"))("prepared statements on PostgreSQL", () => {
  let database: { url: string; drop: () => Promise<void> };
  let dir: string;
  const opened: SqlMetadataStore[] = [];

  beforeAll(async () => {
    database = await createPgDatabase();
    dir = await makeTempDir("homer-prepared-");
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  afterAll(async () => {
    await database.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function open(preparedStatements = true) {
    const { metadata, rateLimits } = await openPostgresStore(database.url, { maxConnections: 1, preparedStatements });
    opened.push(metadata);
    await rateLimits.close();
    const blobs = await FsBlobStore.open(path.join(dir, "blobs"));
    // The bench reads the store's Kysely instance the same way (TypeScript-private only).
    const db = (metadata as unknown as { db: Kysely<unknown> }).db;
    const preparedNow = async () =>
      (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db)).rows;
    return {
      registry: registryOver({
        metadata,
        blobs,
        access: metadata.access,
        events: metadata.events,
        database: "postgres",
        blobStore: "fs",
        rateLimits,
      }),
      db,
      preparedNow,
    };
  }

  async function alterModels(statement: string) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }

  const list = (registry: ReturnType<typeof registryOver>) =>
    registry.listModels({ name: "prep", sortKey: "accuracy", first: 10, parts: { metrics: true, files: false } });

  test("a statement is prepared once per connection and reused", async () => {
    const { registry, preparedNow } = await open();
    for (let i = 1; i <= 3; i++) await registry.createModel({ name: "prep", metrics: [{ key: "accuracy", value: i / 10 }] });
    const first = await list(registry);
    const afterOne = await preparedNow();
    const second = await list(registry);
    expect(second.nodes.map((n) => n.version)).toEqual(first.nodes.map((n) => n.version));
    expect(first.nodes.map((n) => n.version)).toEqual([3, 2, 1]);
    // A page the metric phase does not fill runs two statements (that phase alone, then both).
    const listing = afterOne.filter((p) => p.statement.includes('"sort_value"'));
    expect(listing).toHaveLength(2);
    for (const p of listing) expect(p.name).toMatch(/^homer_\d+$/);
    // The second run prepared nothing new: each text has one name.
    expect(await preparedNow()).toEqual(afterOne);
    expect(new Set(afterOne.map((p) => p.statement)).size).toBe(afterOne.length);
  });

  test("HOMER_DB_PREPARED_STATEMENTS=false prepares nothing (for transaction-mode poolers)", async () => {
    const { registry, preparedNow } = await open(false);
    await list(registry);
    expect(await preparedNow()).toEqual([]);
  });

  test("a table altered under a prepared `select *` (another replica migrating) is prepared anew, not an error", async () => {
    const { registry } = await open();
    const before = await list(registry);
    await alterModels("alter table models add column upgraded_by_a_newer_replica integer");
    const after = await list(registry);
    expect(after.nodes.map((n) => n.version)).toEqual(before.nodes.map((n) => n.version));
    await alterModels("alter table models drop column upgraded_by_a_newer_replica");
    expect((await list(registry)).nodes).toHaveLength(before.nodes.length);
  });

  test("inside a transaction the outdated statement fails UNAVAILABLE once, and the next call works", async () => {
    const { db } = await open();
    const read = (q: Kysely<unknown>) => sql`select * from models where version = ${1}`.execute(q);
    await read(db);
    await alterModels("alter table models add column upgraded_inside integer");
    const failed = await db
      .transaction()
      .execute((trx) => read(trx))
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(failed).toBeInstanceOf(UnavailableError);
    expect((failed as Error).message).toMatch(/schema changed/);
    // The connection was dropped; a fresh one prepares the statement anew.
    expect((await db.transaction().execute((trx) => read(trx))).rows.length).toBeGreaterThan(0);
    await alterModels("alter table models drop column upgraded_inside");
  });

  test("distinct statement texts past the cap run unprepared, with no error", async () => {
    const { db, preparedNow } = await open();
    for (let n = 1; n <= 300; n++) {
      const values = Array.from({ length: n }, (_, i) => i);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from models where version in (${sql.join(values)})`.execute(db);
      expect(rows[0]!.n).toBeGreaterThanOrEqual(0);
    }
    const prepared = await preparedNow();
    expect(prepared.length).toBeLessThanOrEqual(256);
    expect(prepared.length).toBeGreaterThan(200);
  });
});
