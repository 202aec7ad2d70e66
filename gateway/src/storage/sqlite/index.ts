import fs from "node:fs";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import Database from "better-sqlite3";
import { Kysely, SqliteAdapter, SqliteDialect, sql, type KyselyConfig } from "kysely";
import type { Logger } from "pino";
import { ConfigError } from "../../config.js";
import { CachedSqliteDriver } from "./cached-driver.js";
import { guardedDialect, type GuardOptions } from "../sql/guarded-dialect.js";
import type { Database as Schema, SqlDialect } from "../sql/schema.js";
import { SqlMetadataStore } from "../sql/sql-metadata-store.js";
import { pollForEvents } from "./poll-events.js";
import { readPoolDialect, SqliteReadPool } from "./read-pool.js";
import { FileSpaceReserve } from "./space-reserve.js";

export const sqliteDialect: SqlDialect = Object.freeze<SqlDialect>({
  name: "sqlite",
  greatest: (a, b) => sql<number>`max(${a}, ${b})`,
  byteOrder: (text) => sql<string>`${text}`,
  foldName: (text) => sql<string>`lower(${text})`,
  oneOf: (id, ids) => sql<boolean>`${id} in (select value from json_each(${JSON.stringify(ids)}))`,
  contains: (text, part) => sql<boolean>`instr(${text}, ${part}) > 0`,
  unindexed: (value) => sql`+${value}`,
  anyArrays: false,
  lateralJoins: false,
  supportsRowLocks: false,
  // Writers are serialised by begin immediate: seq order is commit order already.
  recordEvent: () => null,
  nowMs: () => sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`,
  currentSchema: () => null,
  flag: (value) => (value ? 1 : 0),
  jsonArray: (values) => sql`json_array(${sql.join(values)})`,
  jsonAgg: (element) => sql`json_group_array(${element})`,
  transactionLock: () => null,
  isUniqueViolation: (error: unknown) =>
    typeof (error as { code?: unknown })?.code === "string" &&
    /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test((error as { code: string }).code),
  isOutOfSpace: (error: unknown) => (error as { code?: unknown })?.code === "SQLITE_FULL",
  // Another process's write lock waited for past the limit (cached-driver.ts: UNAVAILABLE, its cause SQLITE_BUSY).
  isLockTimeout: (error: unknown) =>
    (error as { code?: unknown })?.code === "SQLITE_BUSY" || (error as { cause?: { code?: unknown } })?.cause?.code === "SQLITE_BUSY",
});

/** SQLite's DDL is transactional: migrations run in one (immediate) transaction, so
 *  processes starting together apply each once and a crash leaves no half schema. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class HomerSqliteDialect extends SqliteDialect {
  constructor(private readonly database: Database.Database) {
    super({ database });
  }

  override createDriver() {
    return new CachedSqliteDriver(this.database, undefined, WAL_SWITCH_WAIT_MS);
  }

  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** How long a process waits for others to finish switching a new file to WAL (as long as busy_timeout). */
const WAL_SWITCH_WAIT_MS = 10_000;

/**
 * Switches the file to WAL. SQLite answers a switch with SQLITE_BUSY at once, without
 * its busy handler, when another connection holds the file's write lock meanwhile
 * (waiting could deadlock): processes starting together on a new file do that. The
 * switch is tried again until the other is done; a file already in WAL switches at once.
 */
async function enterWal(database: Database.Database): Promise<void> {
  const deadline = Date.now() + WAL_SWITCH_WAIT_MS;
  for (;;) {
    try {
      database.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: unknown })?.code !== "SQLITE_BUSY" || Date.now() >= deadline) throw error;
      await delay(10 + Math.random() * 40);
    }
  }
}

/**
 * SQLite's page cache for the store's connection, in KiB (filled only as pages are
 * read). SQLite's default, 2 MiB, holds the pages of a few families' first pages:
 * with a million versions each page then missed the cache on most of its rows, and
 * read 1.3× the time of a page of a thousand (BENCHMARKS.md §3); with 64 MiB, 1.1×.
 */
const PAGE_CACHE_KIB = 64 * 1024;

async function openDatabase(file: string): Promise<Database.Database> {
  const database = new Database(file);
  try {
    database.pragma(`busy_timeout = ${WAL_SWITCH_WAIT_MS}`);
    await enterWal(database);
    database.pragma("synchronous = FULL");
    database.pragma("foreign_keys = ON");
    database.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    return database;
  } catch (error) {
    database.close();
    throw error;
  }
}

/**
 * A path that holds something else than a SQLite database (a file of another kind:
 * SQLITE_NOTADB; a directory: SQLITE_CANTOPEN) is configuration, worded with the file and
 * the setting, which SQLite names neither of; any other failure is passed on as it is.
 */
function noDatabase(file: string, error: unknown): unknown {
  const code = (error as { code?: unknown })?.code;
  if (code !== "SQLITE_NOTADB" && code !== "SQLITE_CANTOPEN") return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ConfigError(`${path.resolve(file)} (HOMER_DATABASE_URL) cannot be opened as a SQLite database: ${reason}`);
}

/**
 * A read-only connection to an existing SQLite file, for tools that run beside the
 * gateways (`check-blobs`): nothing is created, migrated or written; a missing or
 * foreign file is a ConfigError.
 */
export function openSqliteReader(file: string, options: Pick<KyselyConfig, "log"> = {}): Kysely<Schema> {
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
    throw new ConfigError(`${path.resolve(file)} (HOMER_DATABASE_URL) does not exist or is not a file: no SQLite database to read`);
  }
  let database: Database.Database;
  try {
    database = new Database(file, { readonly: true, fileMustExist: true });
    database.pragma(`busy_timeout = ${WAL_SWITCH_WAIT_MS}`);
    database.prepare("select count(*) from sqlite_master").get();
  } catch (error) {
    throw noDatabase(file, error);
  }
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database }), log: options.log });
}

export interface SqliteStoreOptions extends Pick<KyselyConfig, "log">, GuardOptions {
  readonly eventPollMs?: number;
  /** Where a start waiting for another process's write lock, to migrate, says so. */
  readonly logger?: Pick<Logger, "warn">;
  /**
   * Threads that run listings' reads, each on its own connection (`read-pool.ts`);
   * 0 runs them on the store's connection, on the event loop. A file in memory has none.
   */
  readonly readers?: number;
  /**
   * Whether a listing reads on a reader thread now, asked at each one (default: always).
   * A thread costs a lone request about half a millisecond (two hand-overs and a copy of
   * the rows) and saves the event loop the statement: the gateway offloads only while
   * another request is in progress.
   */
  readonly offloadReads?: () => boolean;
}

/**
 * Opens (creating if needed) the embedded SQLite store. WAL lets readers run
 * beside the writer; busy_timeout lets several processes share the file.
 */
export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<SqlMetadataStore> {
  const readers = options.readers ?? 0;
  // Before anything is opened or created: a refused setting leaves nothing behind.
  if (!Number.isInteger(readers) || readers < 0) throw new RangeError(`SQLite reader threads: a whole number, 0 or more (not ${readers})`);
  // Threads start with the first read.
  const pool =
    file !== ":memory:" && readers > 0
      ? new SqliteReadPool(path.resolve(file), { threads: readers, busyTimeoutMs: WAL_SWITCH_WAIT_MS, cacheKib: PAGE_CACHE_KIB })
      : undefined;
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const reserve = file === ":memory:" ? undefined : new FileSpaceReserve(`${path.resolve(file)}-reserve`);
  let database: Database.Database;
  try {
    database = await openDatabase(file);
  } catch (error) {
    // WAL mode creates its log and index when opened: on a full disk only the
    // reserve makes room for them, and a registry that cannot start cannot free space.
    if (!(await reserve?.release())) throw noDatabase(file, error);
    database = await openDatabase(file).catch((again: unknown) => {
      throw noDatabase(file, again);
    });
  }
  const db = new Kysely<Schema>({ dialect: guardedDialect(new HomerSqliteDialect(database), sqliteDialect, options), log: options.log });
  const reads = pool
    ? new Kysely<Schema>({ dialect: guardedDialect(readPoolDialect(pool), sqliteDialect, options), log: options.log })
    : undefined;
  return SqlMetadataStore.open(db, sqliteDialect, {
    reserve,
    wakeSource: pollForEvents(options.eventPollMs ?? 200),
    // Every start migrates under the write lock: it waits for another process's, however long
    // that holds it (a long migration of its own, a VACUUM), as a replica on PostgreSQL does.
    onMigrationLockWait: (retryInMs) =>
      options.logger?.warn(
        { retryInMs, lockWaitMs: WAL_SWITCH_WAIT_MS },
        "another process has held the SQLite file's write lock for a while; the migrations wait for it",
      ),
    ...(reads ? { reads, ...(options.offloadReads ? { offloadReads: options.offloadReads } : {}) } : {}),
  });
}
