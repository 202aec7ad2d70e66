/**
 * A replica starting while another holds the migration lock (a long migration of an
 * upgrade) waits for it however long it takes, rather than failing its start once the
 * statement timeout passes.
 */
import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { openStorage } from "../gateway/src/storage/factory.js";
import { adminQuery, BACKENDS, createPgDatabase, expectOpensEmpty, makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";
import { waitFor } from "./support/wait.js";

afterAll(() => killAllChildren());

/** Kysely's migration lock (its PostgreSQL adapter's advisory lock id). */
const MIGRATION_LOCK = "3853314791062309107";

describe.runIf(BACKENDS.includes("postgres"))("a replica starting during another replica's migration", () => {
  test("a replica started during another's migration longer than the statement timeout waits for it, then serves", async () => {
    const database = await createPgDatabase();
    const dataDir = await makeTempDir("homer-migration-wait-");
    const env = { HOMER_DATABASE_URL: database.url, HOMER_DATA_DIR: dataDir, HOMER_DB_STATEMENT_TIMEOUT_MS: "1000" };
    const migrating = new pg.Client({ connectionString: database.url });
    try {
      const first = await startChildGateway({ env, timeoutMs: 60_000 });
      await migrating.connect();
      // Another replica's migration in progress, holding the lock for 4 s (4 statement timeouts).
      await migrating.query(`select pg_advisory_lock(${MIGRATION_LOCK})`);
      const released = new Promise<number>((resolve) =>
        setTimeout(() => void migrating.query(`select pg_advisory_unlock(${MIGRATION_LOCK})`).then(() => resolve(Date.now())), 4_000),
      );
      const second = await startChildGateway({ env, timeoutMs: 60_000 });
      const ready = Date.now();
      expect(ready).toBeGreaterThanOrEqual(await released);
      expect(await second.gql(`{ models(name: "m") { totalCount } }`)).toMatchObject({ status: 200, data: { models: { totalCount: 0 } } });
      for (const gw of [first, second]) gw.kill("SIGTERM");
      await Promise.all([first.exited, second.exited]);
    } finally {
      await migrating.end().catch(() => {});
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  /**
   * A statement_timeout the database (or the role) sets for every session, as managed
   * services suggest, applies to the migrations' connection too unless Homer sets its own:
   * a replica waiting for another's migration, and a migration longer than it, failed.
   */
  test("a statement_timeout the database sets does not cut a replica's wait for another's migration", async () => {
    const database = await createPgDatabase();
    const dataDir = await makeTempDir("homer-migration-wait-");
    const name = new URL(database.url).pathname.slice(1);
    const migrating = new pg.Client({ connectionString: database.url });
    const watcher = new pg.Client({ connectionString: database.url });
    try {
      await adminQuery(`alter database ${name} set statement_timeout = '500ms'`);
      await migrating.connect();
      await watcher.connect();
      await migrating.query(`select pg_advisory_lock(${MIGRATION_LOCK})`);
      const opening = openStorage({ databaseUrl: database.url, blobUrl: path.join(dataDir, "blobs") });
      // Settles only if the open ends while the lock is still held (the wait failed).
      let released = false;
      const failedEarly = opening.then(
        () => {
          if (!released) throw new Error("the store opened while another replica held the migration lock");
        },
        (error: unknown) => {
          throw new Error(`the wait for the migration lock failed: ${String((error as Error)?.message ?? error)}`, { cause: error });
        },
      );
      // The wait has lasted four times the database's statement_timeout.
      await Promise.race([
        failedEarly,
        waitFor(
          "a wait for the migration lock of 2 s",
          async () =>
            (
              await watcher.query(
                `select 1 from pg_stat_activity where datname = $1 and wait_event = 'advisory' and now() - query_start > interval '2 s'`,
                [name],
              )
            ).rowCount,
          30_000,
          50,
        ),
      ]);
      released = true;
      await migrating.query(`select pg_advisory_unlock(${MIGRATION_LOCK})`);
      await expectOpensEmpty(opening);
    } finally {
      await migrating.end().catch(() => {});
      await watcher.end().catch(() => {});
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
