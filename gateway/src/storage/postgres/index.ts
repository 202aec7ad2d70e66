import pg from "pg";
import { Kysely, PostgresDialect, sql, type KyselyConfig } from "kysely";
import type { Database as Schema, SqlDialect } from "../sql/schema.js";
import { SqlMetadataStore } from "../sql/sql-metadata-store.js";

export const postgresDialect: SqlDialect = Object.freeze<SqlDialect>({
  name: "postgres",
  greatest: (a, b) => sql<number>`greatest(${a}, ${b})`,
  supportsRowLocks: true,
  jsonArray: (values) => sql`json_build_array(${sql.join(values)})`,
  jsonAgg: (element) => sql`coalesce(json_agg(${element}), '[]'::json)`,
  isUniqueViolation: (error: unknown) => (error as { code?: unknown })?.code === "23505",
});

const INT8_OID = 20;

/** bigint columns (ids, sizes, epoch milliseconds) all fit in a double. */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID && format !== "binary") return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as "text");
  },
};

/** Connects to PostgreSQL and applies pending migrations. */
export async function openPostgresStore(
  connectionString: string,
  options: Pick<KyselyConfig, "log"> & { readonly maxConnections?: number } = {},
): Promise<SqlMetadataStore> {
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10, types: types as pg.CustomTypesConfig });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }), log: options.log });
  return SqlMetadataStore.open(db, postgresDialect);
}
