import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startGateway, type Gateway } from "../gateway/src/app.js";
import { loadConfig } from "../gateway/src/config.js";
import { UnavailableError } from "../gateway/src/domain/errors.js";
import { toStorageError } from "../gateway/src/storage/postgres/errors.js";
import { postgresDialect } from "../gateway/src/storage/postgres/index.js";
import { resilientPool } from "../gateway/src/storage/postgres/pool.js";
import { openStorage } from "../gateway/src/storage/factory.js";
import { BACKENDS, createPgDatabase, makeTempDir } from "./support/backends.js";
import { postQuery } from "./support/gateway.js";
import { silentLog } from "./support/registry.js";
import { silencingProxy } from "./support/silencing-proxy.js";
import { waitFor } from "./support/wait.js";

/**
 * A database that answers too slowly (here: a table lock nobody releases) must
 * not hang requests: after the statement timeout they answer UNAVAILABLE, and
 * once the lock is gone the same gateway serves again.
 */
describe.runIf(BACKENDS.includes("postgres"))("PostgreSQL statement timeout", () => {
  let gateway: Gateway;
  let dataDir: string;
  let db: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    db = await createPgDatabase();
    dataDir = await makeTempDir("homer-pgtimeout-");
    const config = {
      ...loadConfig(["--port", "0", "--db-statement-timeout-ms", "300"], {}),
      databaseUrl: db.url,
      dataDir,
      blobUrl: path.join(dataDir, "blobs"),
    };
    const storage = await openStorage(config);
    gateway = await startGateway(config, { log: silentLog, storage });
  });

  afterAll(async () => {
    await gateway?.close();
    await db?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const query = () => postQuery(`${gateway.origin}/graphql`, `{ models(name: "m") { totalCount } }`);

  test("a statement blocked past the timeout answers UNAVAILABLE with Retry-After; the next one after the block succeeds", async () => {
    expect((await query()).status).toBe(200);
    const locker = new pg.Client({ connectionString: db.url });
    locker.on("error", () => {});
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query("lock table models in access exclusive mode");
      const blocked = await query();
      expect(blocked).toMatchObject({ status: 503, retryAfter: "5", body: { errors: [{ extensions: { code: "UNAVAILABLE" } }] } });
      await locker.query("commit");
    } finally {
      await locker.end();
    }
    expect(await query()).toMatchObject({ status: 200, body: { data: { models: { totalCount: 0 } } } });
  });

  test("a lock wait cut short by the database's lock_timeout (55P03) answers UNAVAILABLE too, not an internal error", async () => {
    const name = new URL(db.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: db.url });
    admin.on("error", () => {});
    await admin.connect();
    try {
      // As a DBA sets it; the gateway's sessions end, so the new ones take it.
      await admin.query(`alter database ${name} set lock_timeout = '50ms'`);
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [name]);
      await waitFor("the gateway to serve on new sessions", async () => (await query()).status === 200, 10_000, 50);
      await admin.query("begin");
      await admin.query("lock table models in access exclusive mode");
      const blocked = await query();
      await admin.query("commit");
      expect(blocked).toMatchObject({ status: 503, retryAfter: "5", body: { errors: [{ extensions: { code: "UNAVAILABLE" } }] } });
      expect(await query()).toMatchObject({ status: 200, body: { data: { models: { totalCount: 0 } } } });
    } finally {
      await admin.query(`alter database ${name} reset lock_timeout`);
      await admin.end();
    }
  });
});

describe.runIf(BACKENDS.includes("postgres"))("a replica gone without a reset in the middle of a transaction", () => {
  test("gives its locks back after the idle-in-transaction timeout, not after the server's TCP keepalive (two hours)", async () => {
    const db = await createPgDatabase();
    const proxy = await silencingProxy(new URL(db.url), 5432);
    const through = new URL(db.url);
    through.host = `127.0.0.1:${proxy.port}`;
    const options = { maxConnections: 1, statementTimeoutMs: 0, types: pg.types, preparedStatements: false };
    const lost = resilientPool(through.href, { ...options, idleInTransactionTimeoutMs: 1_000 });
    const defaults = resilientPool(db.url, options);
    const other = new pg.Client({ connectionString: db.url });
    other.on("error", () => {});
    const replica = await lost.connect();
    try {
      // As the migrations' lock is taken (Kysely), and a registration's row locks.
      await replica.query("begin", []);
      await replica.query("select pg_advisory_xact_lock(4242)", []);
      proxy.silenceAll();
      await other.connect();
      await other.query("set lock_timeout = 20000");
      const started = Date.now();
      await other.query("select pg_advisory_xact_lock(4242)");
      expect(Date.now() - started).toBeLessThan(15_000);
      // Every connection of the gateway's pools has the timeout, ten minutes by default.
      const session = await defaults.connect();
      expect((await session.query("show idle_in_transaction_session_timeout", [])).rows).toEqual([
        { idle_in_transaction_session_timeout: "10min" },
      ]);
      session.release();
    } finally {
      await other.end().catch(() => {});
      await proxy.close();
      // Its connection is gone (the proxy closed it): handed back, the pool drops it and can end.
      replica.release();
      await lost.end().catch(() => {});
      await defaults.end();
      await db.drop();
    }
  }, 60_000);
});

describe("PostgreSQL failures map to domain errors in one place", () => {
  const codeOf = (error: unknown) => (error as { code?: string }).code;

  test.each([
    ["ECONNREFUSED", {}],
    ["ECONNRESET", {}],
    ["57P01", {}], // admin_shutdown: pg_terminate_backend, pg_ctl stop -m fast
    ["57P02", {}], // crash_shutdown
    ["57P03", {}], // cannot_connect_now: starting up, shutting down
    ["08006", {}], // connection_failure
    ["53300", {}], // too_many_connections
    ["57014", {}], // query_canceled: the statement timeout
    ["55P03", {}], // lock_not_available: a lock_timeout
    ["25006", {}], // read_only_sql_transaction: a standby after failover
    [undefined, { connectionLost: true }], // pg: "Connection terminated unexpectedly"
    [undefined, { connecting: true }], // pg-pool: timed out acquiring a connection
  ])("%s %o is UNAVAILABLE", (code, site) => {
    const mapped = toStorageError(Object.assign(new Error("x"), code ? { code } : {}), site);
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect(codeOf(mapped)).toBe("UNAVAILABLE");
  });

  test("a full disk is told as out of space, as on SQLite; statement errors pass through unchanged, refusals while connecting do not", () => {
    const full = Object.assign(new Error("x"), { code: "53100" });
    expect(toStorageError(full)).toBe(full);
    expect(postgresDialect.isOutOfSpace(full)).toBe(true);
    for (const code of ["28P01", "3D000", "23505", "22P02"]) {
      const error = Object.assign(new Error("x"), { code });
      expect(toStorageError(error)).toBe(error);
    }
    // While connecting, a refusal by name is the database changed under a serving replica
    // (start-up fails at once on it all the same: waitForDatabase).
    for (const code of ["28P01", "28000", "3D000", "42501"]) {
      expect(toStorageError(Object.assign(new Error("x"), { code }), { connecting: true })).toBeInstanceOf(UnavailableError);
    }
    const plain = new Error("a bug");
    expect(toStorageError(plain)).toBe(plain);
  });
});
