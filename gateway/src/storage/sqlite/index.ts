import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteAdapter, SqliteDialect, sql, type KyselyConfig } from "kysely";
import { CachedSqliteDriver } from "./cached-driver.js";
import { guardedDialect, type GuardOptions } from "../sql/guarded-dialect.js";
import type { Database as Schema, SqlDialect } from "../sql/schema.js";
import { SqlMetadataStore } from "../sql/sql-metadata-store.js";
import { pollForEvents } from "./poll-events.js";
import { FileSpaceReserve } from "./space-reserve.js";

export const sqliteDialect: SqlDialect = Object.freeze<SqlDialect>({
  name: "sqlite",
  greatest: (a, b) => sql<number>`max(${a}, ${b})`,
  byteOrder: (text) => sql<string>`${text}`,
  contains: (text, part) => sql<boolean>`instr(${text}, ${part}) > 0`,
  unindexed: (value) => sql`+${value}`,
  anyArrays: false,
  supportsRowLocks: false,
  // Writers are serialised by begin immediate: seq order is commit order already.
  recordEvent: () => null,
  flag: (value) => (value ? 1 : 0),
  jsonArray: (values) => sql`json_array(${sql.join(values)})`,
  jsonAgg: (element) => sql`json_group_array(${element})`,
  transactionLock: () => null,
  isUniqueViolation: (error: unknown) =>
    typeof (error as { code?: unknown })?.code === "string" &&
    /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test((error as { code: string }).code),
  isOutOfSpace: (error: unknown) => (error as { code?: unknown })?.code === "SQLITE_FULL",
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
    return new CachedSqliteDriver(this.database);
  }

  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }
}

function openDatabase(file: string): Database.Database {
  const database = new Database(file);
  try {
    // First, so that switching to WAL waits for a process doing the same.
    database.pragma("busy_timeout = 10000");
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = FULL");
    database.pragma("foreign_keys = ON");
    return database;
  } catch (error) {
    database.close();
    throw error;
  }
}

/**
 * Opens (creating if needed) the embedded SQLite store. WAL lets readers run
 * beside the writer; busy_timeout lets several processes share the file.
 */
export async function openSqliteStore(
  file: string,
  options: Pick<KyselyConfig, "log"> & GuardOptions & { readonly eventPollMs?: number } = {},
): Promise<SqlMetadataStore> {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const reserve = file === ":memory:" ? undefined : new FileSpaceReserve(`${path.resolve(file)}-reserve`);
  let database: Database.Database;
  try {
    database = openDatabase(file);
  } catch (error) {
    // WAL mode creates its log and index when opened: on a full disk only the
    // reserve makes room for them, and a registry that cannot start cannot free space.
    if (!(await reserve?.release())) throw error;
    database = openDatabase(file);
  }
  const db = new Kysely<Schema>({ dialect: guardedDialect(new HomerSqliteDialect(database), sqliteDialect, options), log: options.log });
  return SqlMetadataStore.open(db, sqliteDialect, { reserve, wakeSource: pollForEvents(options.eventPollMs ?? 200) });
}
