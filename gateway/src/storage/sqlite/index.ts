import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql, type KyselyConfig } from "kysely";
import type { Database as Schema, SqlDialect } from "../sql/schema.js";
import { SqlMetadataStore } from "../sql/sql-metadata-store.js";

export const sqliteDialect: SqlDialect = Object.freeze<SqlDialect>({
  name: "sqlite",
  greatest: (a, b) => sql<number>`max(${a}, ${b})`,
  immediateTransactions: true,
  supportsRowLocks: false,
  isUniqueViolation: (error: unknown) =>
    typeof (error as { code?: unknown })?.code === "string" &&
    /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test((error as { code: string }).code),
});

/**
 * Opens (creating if needed) the embedded SQLite store. WAL lets readers run
 * beside the writer; busy_timeout lets several processes share the file.
 */
export async function openSqliteStore(file: string, options: Pick<KyselyConfig, "log"> = {}): Promise<SqlMetadataStore> {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new Database(file);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL");
  database.pragma("busy_timeout = 10000");
  database.pragma("foreign_keys = ON");
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database }), ...options });
  const store = new SqlMetadataStore(db, sqliteDialect);
  await store.migrate();
  return store;
}
