import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  CompiledQuery,
  Kysely,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type KyselyConfig,
  type SqliteDialectConfig,
} from "kysely";
import type { Database as Schema, SqlDialect } from "../sql/schema.js";
import { SqlMetadataStore } from "../sql/sql-metadata-store.js";

export const sqliteDialect: SqlDialect = Object.freeze<SqlDialect>({
  name: "sqlite",
  greatest: (a, b) => sql<number>`max(${a}, ${b})`,
  supportsRowLocks: false,
  jsonArray: (values) => sql`json_array(${sql.join(values)})`,
  jsonAgg: (element) => sql`json_group_array(${element})`,
  isUniqueViolation: (error: unknown) =>
    typeof (error as { code?: unknown })?.code === "string" &&
    /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test((error as { code: string }).code),
});

/**
 * Every transaction BEGINs IMMEDIATE: it takes the write lock before its first
 * read, so with several processes on one file no transaction decides on a
 * snapshot another process changes before it writes.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/** SQLite's DDL is transactional: migrations run in one (immediate) transaction, so
 *  processes starting together apply each once and a crash leaves no half schema. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class HomerSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver() {
    return new ImmediateSqliteDriver(this.settings);
  }

  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * Opens (creating if needed) the embedded SQLite store. WAL lets readers run
 * beside the writer; busy_timeout lets several processes share the file.
 */
export async function openSqliteStore(file: string, options: Pick<KyselyConfig, "log"> = {}): Promise<SqlMetadataStore> {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new Database(file);
  // First, so that switching to WAL waits for a process doing the same.
  database.pragma("busy_timeout = 10000");
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL");
  database.pragma("foreign_keys = ON");
  const db = new Kysely<Schema>({ dialect: new HomerSqliteDialect({ database }), ...options });
  return SqlMetadataStore.open(db, sqliteDialect);
}
