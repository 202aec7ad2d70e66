import { setTimeout as delay } from "node:timers/promises";
import { Migrator, type Kysely } from "kysely";
import { divergedMigrations, migrationProvider, unknownMigrations } from "./migrations.js";
import type { Database, SqlDialect } from "./schema.js";

/** Kysely's record of applied migrations (its default name). */
const MIGRATION_TABLE = "kysely_migration";

/** The first wait before a migration that could not get a lock is tried again; it doubles up to the next. */
const LOCK_RETRY_FIRST_MS = 500;
const LOCK_RETRY_MAX_MS = 15_000;

export interface MigrateOptions {
  /**
   * Told each time the migrations could not get a lock in time (`SqlDialect.isLockTimeout`:
   * another session held it) and are tried again in `retryInMs`.
   */
  readonly onLockWait?: (retryInMs: number, error: unknown) => void;
}

/**
 * The schema of Kysely's record of migrations: the one Homer's tables are created in
 * (PostgreSQL's current schema, from the session's search_path), never whichever schema
 * of the database holds a table of that name (another application's, or another
 * registry's in a schema of its own); undefined where there is one (SQLite) or none.
 */
async function migrationSchema(db: Kysely<Database>, dialect: SqlDialect): Promise<string | undefined> {
  const query = dialect.currentSchema();
  return (query && (await query.execute(db)).rows[0]?.schema) ?? undefined;
}

/** Migrations recorded as applied, in Kysely's own table in `schema` (none before the first start). */
async function appliedMigrations(db: Kysely<Database>, schema: string | undefined): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === MIGRATION_TABLE && (schema === undefined || t.schema === schema))) return [];
  const record = db as unknown as Kysely<Record<typeof MIGRATION_TABLE, { name: string }>>;
  const rows = await (schema === undefined ? record : record.withSchema(schema)).selectFrom(MIGRATION_TABLE).select("name").execute();
  return rows.map((r) => r.name);
}

/** How a database's schema stands against this release: migrations it lacks, and a newer release's it has. */
export interface SchemaState {
  readonly pending: readonly string[];
  readonly newer: readonly string[];
}

/** Reads the record of migrations only: nothing is created or applied (`check-blobs` runs beside serving gateways). */
export async function schemaState(db: Kysely<Database>, dialect: SqlDialect): Promise<SchemaState> {
  const applied = await appliedMigrations(db, await migrationSchema(db, dialect));
  const known = Object.keys(await migrationProvider(dialect).getMigrations());
  return { pending: known.filter((name) => !applied.includes(name)), newer: unknownMigrations(dialect, applied) };
}

/** When the first migration was applied to this database (ms since the epoch); undefined before any. */
export async function firstMigrationAt(db: Kysely<Database>, dialect: SqlDialect): Promise<number | undefined> {
  const schema = await migrationSchema(db, dialect);
  const base = db as unknown as Kysely<Record<typeof MIGRATION_TABLE, { timestamp: string }>>;
  const rows = await (schema === undefined ? base : base.withSchema(schema)).selectFrom(MIGRATION_TABLE).select("timestamp").execute();
  const times = rows.map((r) => Date.parse(r.timestamp)).filter((t) => !Number.isNaN(t));
  return times.length > 0 ? Math.min(...times) : undefined;
}

/**
 * Kysely's record with its timestamps in the order of the names. A release's Migrator reads the
 * record ordered by timestamp, and those of earlier releases (which do not allow unordered
 * migrations) refuse to start when that order is not the names' order: applying this release's
 * 0011 to 0013 after an earlier release's 0014 left a record on which a replica of that release,
 * restarted during a rolling upgrade or rolled back to, stopped with "corrupted migrations". A
 * migration applied after one that sorts later takes that one's time; the record keeps the rest.
 */
async function keepRecordInNameOrder(db: Kysely<Database>, schema: string | undefined): Promise<void> {
  const base = db as unknown as Kysely<Record<typeof MIGRATION_TABLE, { name: string; timestamp: string }>>;
  const record = schema === undefined ? base : base.withSchema(schema);
  const rows = await record.selectFrom(MIGRATION_TABLE).select(["name", "timestamp"]).execute();
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let latest = -Infinity;
  for (const row of rows) {
    const at = Date.parse(row.timestamp);
    if (Number.isNaN(at) || at >= latest) {
      latest = Number.isNaN(at) ? latest : at;
      continue;
    }
    // Equal timestamps are ordered by name: this one then follows the one before it.
    await record
      .updateTable(MIGRATION_TABLE)
      .set({ timestamp: new Date(latest).toISOString() })
      .where("name", "=", row.name)
      .execute();
  }
}

/**
 * Applies pending migrations on `db`; safe to call from several processes, and releases,
 * at once. Resolves with the applied migrations a newer release made, which this one
 * runs on (see `migrationProvider`).
 *
 * A migration that waits for a lock another session holds (a long report, pg_dump, a
 * transaction left open) is cut short by the dialect's lock timeout, rolled back whole,
 * and tried again after a pause, for as long as it takes: on PostgreSQL every request
 * for the table queues behind the migration's lock, so waiting on would stall the
 * replicas still serving for as long as that session runs.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialect, options: MigrateOptions = {}): Promise<string[]> {
  const schema = await migrationSchema(db, dialect);
  let lookedAgain = false;
  for (let lockWaits = 0; ;) {
    const applied = await appliedMigrations(db, schema);
    const diverged = divergedMigrations(dialect, applied);
    if (diverged.length > 0) {
      throw new Error(
        `corrupted migrations: ${diverged.join(", ")} recorded as applied, unknown to this release and ordered among its own migrations (a diverged history)`,
      );
    }
    // Unordered: main took features in one branch at a time, each with the number its branch
    // had given its migration, so a database of those days has a later migration applied
    // before an earlier one (0010 before 0009; 0014 before 0011 to 0013). Each migration
    // stands alone, so the ones it lacks are applied now, in order.
    const migrator = new Migrator({
      db,
      provider: migrationProvider(dialect, applied),
      allowUnorderedMigrations: true,
      ...(schema === undefined ? {} : { migrationTableSchema: schema }),
    });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === "Error");
    if (!error && !failed) {
      await keepRecordInNameOrder(db, schema);
      return unknownMigrations(dialect, applied);
    }
    if (dialect.isLockTimeout(error)) {
      const retryInMs = Math.min(LOCK_RETRY_FIRST_MS * 2 ** lockWaits++, LOCK_RETRY_MAX_MS);
      options.onLockWait?.(retryInMs, error);
      await delay(retryInMs);
      continue;
    }
    // A newer release's replica migrated between our look and Kysely's: look again, once.
    if (!lookedAgain && unknownMigrations(dialect, await appliedMigrations(db, schema)).length > 0) {
      lookedAgain = true;
      continue;
    }
    const which = failed ? `migration ${failed.migrationName}` : "migrating the database";
    throw new Error(`${which} failed: ${String((error as Error)?.message ?? error)}`, {
      cause: error,
    });
  }
}
