import pg from "pg";
import { Kysely, PostgresDialect, sql, type KyselyConfig } from "kysely";
import type { Logger } from "pino";
import { guardedDialect, type GuardOptions } from "../sql/guarded-dialect.js";
import type { PoolStats, RateLimitStore } from "../rate-limit-store.js";
import type { Database as Schema, SqlDialect } from "../sql/schema.js";
import { SqlMetadataStore } from "../sql/sql-metadata-store.js";
import { EVENTS_CHANNEL, listenForEvents } from "./notify-listener.js";
import { PgRateLimits } from "./pg-rate-limits.js";
import { isLockTimeout } from "./errors.js";
import { resilientPool } from "./pool.js";
import { waitForDatabase } from "./wait.js";

export const postgresDialect: SqlDialect = Object.freeze<SqlDialect>({
  name: "postgres",
  greatest: (a, b) => sql<number>`greatest(${a}, ${b})`,
  byteOrder: (text) => sql<string>`${text} collate "C"`,
  foldName: (text) => sql<string>`lower(${text} collate "C")`,
  oneOf: (id, ids) => sql<boolean>`${id} = any(${ids}::bigint[])`,
  contains: (text, part) => sql<boolean>`strpos(${text}, ${part}) > 0`,
  unindexed: (value) => sql`${value}`,
  anyArrays: true,
  lateralJoins: true,
  supportsRowLocks: true,
  // One advisory lock ("homer" in ASCII) orders event inserts; held only from the insert to commit.
  // One round trip: the insert reads its row from the lock's CTE, so its seq is drawn
  // once the lock is held; pg_notify is delivered at commit.
  recordEvent: (e) => sql<{ seq: number }>`with ordered as (select pg_advisory_xact_lock(${0x686f6d6572}))
    , inserted as (
      insert into events (type, project, name, version, at, alias)
      select ${e.type}, ${e.project}, ${e.name}, ${e.version}::integer, ${e.at}::bigint, ${e.alias}::text from ordered
      returning seq)
    select seq, pg_notify(${EVENTS_CHANNEL}, seq::text) from inserted`,
  nowMs: () => sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`,
  currentSchema: () => sql<{ schema: string | null }>`select current_schema() as schema`,
  flag: (value) => value,
  jsonArray: (values) => sql`json_build_array(${sql.join(values)})`,
  jsonAgg: (element) => sql`coalesce(json_agg(${element}), '[]'::json)`,
  transactionLock: (name) => sql`select pg_advisory_xact_lock(hashtext(${name}))`,
  isUniqueViolation: (error: unknown) => (error as { code?: unknown })?.code === "23505",
  // 53100 disk_full
  isOutOfSpace: (error: unknown) => (error as { code?: unknown })?.code === "53100",
  isLockTimeout,
});

/**
 * How long a migration waits for a table's lock before it gives way and tries again
 * later. Meanwhile every request for that table waits behind it, on every replica.
 */
const MIGRATION_LOCK_TIMEOUT_MS = 2_000;

const INT8_OID = 20;

/** bigint columns (ids, sizes, epoch milliseconds) all fit in a double. */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID && format !== "binary") return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};

export interface PostgresStoreOptions extends Pick<KyselyConfig, "log">, GuardOptions {
  readonly maxConnections?: number;
  /** How long start-up waits for an unreachable database (default 60 s); 0 tries once. */
  readonly connectTimeoutMs?: number;
  /** statement_timeout of every connection (default 30 s); 0 = none. */
  readonly statementTimeoutMs?: number;
  /** Named prepared statements per connection (default on; off behind a transaction-mode pooler). */
  readonly preparedStatements?: boolean;
  readonly logger?: Pick<Logger, "warn" | "info">;
}

/** Waits (with backoff) until `db` answers, as a start does; a database that never does is closed again. */
async function untilAnswering(db: Kysely<Schema>, options: Pick<PostgresStoreOptions, "connectTimeoutMs" | "logger">): Promise<void> {
  try {
    await waitForDatabase(async () => void (await sql`select 1`.execute(db)), {
      timeoutMs: options.connectTimeoutMs ?? 60_000,
      logger: options.logger,
    });
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

/**
 * A pool of `maxConnections` for tools that run beside the gateways (`check-blobs`): it
 * waits for the database as a start does, and neither migrates nor listens.
 */
export async function openPostgresReader(
  connectionString: string,
  options: Pick<PostgresStoreOptions, "log" | "connectTimeoutMs" | "statementTimeoutMs" | "maxConnections" | "logger"> = {},
): Promise<Kysely<Schema>> {
  const pool = resilientPool(connectionString, {
    maxConnections: options.maxConnections ?? 4,
    statementTimeoutMs: options.statementTimeoutMs ?? 30_000,
    types,
    preparedStatements: false,
    logger: options.logger,
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }), log: options.log });
  await untilAnswering(db, options);
  return db;
}

export interface PostgresStore {
  readonly metadata: SqlMetadataStore;
  /** Rate-limit buckets every replica on this database shares. */
  readonly rateLimits: RateLimitStore;
  readonly poolStats: () => PoolStats;
}

/**
 * Connects to PostgreSQL (waiting, with backoff, for one that is not up yet) and
 * applies pending migrations. Connection failures later surface as UNAVAILABLE.
 */
export async function openPostgresStore(connectionString: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const poolOptions = {
    maxConnections: options.maxConnections ?? 10,
    statementTimeoutMs: options.statementTimeoutMs ?? 30_000,
    types,
    preparedStatements: options.preparedStatements ?? true,
    logger: options.logger,
  };
  const pool = resilientPool(connectionString, poolOptions);
  const db = new Kysely<Schema>({ dialect: guardedDialect(new PostgresDialect({ pool }), postgresDialect, options), log: options.log });
  await untilAnswering(db, options);
  const wakeSource = listenForEvents(connectionString, options.logger);
  // Migrations on a connection of their own without the statement timeout: a migration
  // over a large table, and a replica waiting for another's migration lock meanwhile,
  // outlast it (the waiting replica's start failed as "the database is unreachable").
  // A lock on a table waits MIGRATION_LOCK_TIMEOUT_MS at most, then the migrations are
  // tried again later (storage/sql/migrate.ts): every request for the table queues
  // behind a lock the migration waits for.
  const migrations = new Kysely<Schema>({
    dialect: guardedDialect(
      new PostgresDialect({
        pool: resilientPool(connectionString, {
          ...poolOptions,
          maxConnections: 1,
          statementTimeoutMs: 0,
          lockTimeoutMs: MIGRATION_LOCK_TIMEOUT_MS,
        }),
      }),
      postgresDialect,
      options,
    ),
    log: options.log,
  });
  const metadata = await SqlMetadataStore.open(db, postgresDialect, {
    wakeSource,
    migrations,
    onMigrationLockWait: (retryInMs) =>
      options.logger?.warn(
        { retryInMs, lockTimeoutMs: MIGRATION_LOCK_TIMEOUT_MS },
        "a migration waited for a lock another session holds (a long transaction?) and gave way to requests; trying again",
      ),
  });
  const rateLimits = new PgRateLimits(db as unknown as ConstructorParameters<typeof PgRateLimits>[0], (error) =>
    options.logger?.warn({ err: error }, "expiring rate-limit buckets failed; the next round retries"),
  );
  return { metadata, rateLimits, poolStats: () => pool.stats() };
}
