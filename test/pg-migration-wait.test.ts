/**
 * A replica starting while another holds the migration lock (a long migration of an
 * upgrade) waits for it however long it takes, rather than failing its start once the
 * statement timeout passes.
 */
import fs from "node:fs/promises";
import pg from "pg";
import { afterAll, describe, expect, test } from "vitest";
import { BACKENDS, createPgDatabase, makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";

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
});
