import { sql, type Kysely, type Selectable } from "kysely";
import type { AliasChange, AliasRecord, AliasRef, ModelEventType, ModelParts, ModelRecord, ModelRef } from "../../domain/records.js";
import { MAX_ALIASES_PER_MODEL } from "../../domain/limits.js";
import { tooManyAliases } from "../../domain/rules.js";
import type { AliasInTheWay, AliasOutcome } from "../metadata-store.js";
import { familyId, modelColumns, partColumns, toRecord } from "./rows.js";
import type { Database, SqlDialect } from "./schema.js";

/** Records an event in the caller's transaction (the store's `#recordEvent`). */
export type RecordEvent = (trx: Kysely<Database>, type: ModelEventType, ref: ModelRef, alias: string | null) => Promise<void>;

function toAlias(row: Selectable<Database["aliases"]>, project: string, name: string): AliasRecord {
  return {
    project,
    name,
    alias: row.alias,
    version: Number(row.version),
    protected: Boolean(Number(row.protected)),
    updatedAt: new Date(Number(row.updated_at)),
    updatedBy: row.updated_by,
  };
}

/**
 * The family's id inside a write transaction, with its row locked where the
 * database has row locks (PostgreSQL; SQLite serialises writers): alias changes
 * serialise with each other and with creates, overwrites and deletes of the family.
 */
export async function lockFamily(trx: Kysely<Database>, dialect: SqlDialect, project: string, name: string): Promise<number | null> {
  let q = trx.selectFrom("families").select("id").where("project", "=", project).where("name", "=", name);
  if (dialect.supportsRowLocks) q = q.forUpdate();
  const family = await q.executeTakeFirst();
  return family ? Number(family.id) : null;
}

async function currentAlias(trx: Kysely<Database>, family: number, ref: AliasRef): Promise<AliasRecord | null> {
  const row = await trx.selectFrom("aliases").selectAll().where("family_id", "=", family).where("alias", "=", ref.alias).executeTakeFirst();
  return row ? toAlias(row, ref.project, ref.name) : null;
}

/** Whether the family has `count` aliases or more (reading at most `count` keys). */
async function hasAliasesUpTo(trx: Kysely<Database>, family: number, count: number): Promise<boolean> {
  const rows = await trx.selectFrom("aliases").select("alias").where("family_id", "=", family).limit(count).execute();
  return rows.length >= count;
}

/**
 * Sets an alias inside the caller's write transaction: the version must exist (an
 * alias only ever points at a registered version), `check` decides against the
 * alias as it is, a new alias needs room (MAX_ALIASES_PER_MODEL), then one upsert and, when the pointer was created or moved, an
 * ALIAS_SET event. A change that changes nothing writes nothing.
 */
export async function applyAliasChange(
  trx: Kysely<Database>,
  dialect: SqlDialect,
  change: AliasChange,
  record: RecordEvent,
): Promise<AliasOutcome> {
  const { ref } = change;
  const family = await lockFamily(trx, dialect, ref.project, ref.name);
  if (family === null) return { missing: change.version === undefined ? "alias" : "version" };
  const previous = await currentAlias(trx, family, ref);
  if (change.version === undefined && previous === null) return { missing: "alias" };
  if (change.version !== undefined) {
    const model = await trx
      .selectFrom("models")
      .select("id")
      .where("family_id", "=", family)
      .where("version", "=", change.version)
      .executeTakeFirst();
    if (!model) return { missing: "version" };
  }
  change.check(previous);
  // Under the family's lock: two new aliases of one family cannot both take its last place.
  if (previous === null && (await hasAliasesUpTo(trx, family, MAX_ALIASES_PER_MODEL))) throw tooManyAliases(ref.project, ref.name);
  const version = change.version ?? previous!.version;
  const isProtected = change.protected ?? previous?.protected ?? false;
  if (previous && previous.version === version && previous.protected === isProtected) return { alias: previous, previous };
  const now = Date.now();
  const values = {
    version,
    protected: dialect.flag(isProtected),
    updated_at: now,
    updated_by: change.updatedBy,
  };
  await trx
    .insertInto("aliases")
    .values({ family_id: family, alias: ref.alias, ...values })
    .onConflict((oc) => oc.columns(["family_id", "alias"]).doUpdateSet(values))
    .execute();
  // Protection alone is audited, not an event: watchers follow where aliases point.
  if (previous?.version !== version) await record(trx, "ALIAS_SET", { project: ref.project, name: ref.name, version }, ref.alias);
  const alias = { ...ref, version, protected: isProtected, updatedAt: new Date(now), updatedBy: change.updatedBy };
  return { alias, previous };
}

/** Removes an alias inside the caller's write transaction once `check` accepted it; null when absent. */
export async function applyAliasRemoval(
  trx: Kysely<Database>,
  dialect: SqlDialect,
  ref: AliasRef,
  check: (current: AliasRecord) => void,
  record: RecordEvent,
): Promise<AliasRecord | null> {
  const family = await lockFamily(trx, dialect, ref.project, ref.name);
  if (family === null) return null;
  const current = await currentAlias(trx, family, ref);
  if (!current) return null;
  check(current);
  await trx.deleteFrom("aliases").where("family_id", "=", family).where("alias", "=", ref.alias).execute();
  await record(trx, "ALIAS_REMOVED", { project: ref.project, name: ref.name, version: current.version }, ref.alias);
  return current;
}

/**
 * Inside a delete's transaction: the aliases pointing at the version. When there
 * are any, `aliased` decides (it throws to refuse the delete); if it returns they
 * are removed, each with an ALIAS_REMOVED event.
 */
export async function dropAliasesOf(
  trx: Kysely<Database>,
  family: number,
  ref: ModelRef,
  aliased: (aliases: readonly AliasInTheWay[]) => void,
  record: RecordEvent,
): Promise<void> {
  const rows = await trx
    .selectFrom("aliases")
    .select(["alias", "protected"])
    .where("family_id", "=", family)
    .where("version", "=", ref.version)
    .execute();
  if (rows.length === 0) return;
  const found = rows.map((r) => ({ alias: r.alias, protected: Boolean(Number(r.protected)) })).sort((a, b) => (a.alias < b.alias ? -1 : 1));
  aliased(found);
  await trx.deleteFrom("aliases").where("family_id", "=", family).where("version", "=", ref.version).execute();
  for (const { alias } of found) await record(trx, "ALIAS_REMOVED", ref, alias);
}

/** A family's aliases, by alias name (byte order), in one statement. */
export async function listAliases(db: Kysely<Database>, dialect: SqlDialect, project: string, name: string): Promise<AliasRecord[]> {
  const rows = await db
    .selectFrom("aliases as a")
    .selectAll("a")
    .where("a.family_id", "=", familyId(db, project, name))
    .orderBy(dialect.byteOrder(sql.ref<string>("a.alias")))
    .execute();
  return rows.map((row) => toAlias(row, project, name));
}

/**
 * The aliases of each of a project's named families (a page of them) in one
 * statement: the families by their unique (project, name) key, then each one's
 * aliases by the primary key (family_id, alias). Families without aliases map to [].
 */
export async function listAliasesOfFamilies(
  db: Kysely<Database>,
  dialect: SqlDialect,
  project: string,
  names: readonly string[],
): Promise<Map<string, AliasRecord[]>> {
  const byFamily = new Map<string, AliasRecord[]>(names.map((name) => [name, []]));
  if (names.length === 0) return byFamily;
  const rows = await db
    .selectFrom("families as f")
    .innerJoin("aliases as a", "a.family_id", "f.id")
    .selectAll("a")
    .select("f.name as family_name")
    .where("f.project", "=", project)
    .where("f.name", "in", names)
    .orderBy(dialect.byteOrder(sql.ref<string>("a.alias")))
    .execute();
  for (const row of rows) byFamily.get(row.family_name)?.push(toAlias(row, project, row.family_name));
  return byFamily;
}

/** The version an alias points at, with `parts`, in one statement; null when the alias or its version is absent. */
export async function getAliasedModel(
  db: Kysely<Database>,
  dialect: SqlDialect,
  ref: AliasRef,
  parts: ModelParts,
): Promise<ModelRecord | null> {
  const family = familyId(db, ref.project, ref.name);
  const row = await db
    .selectFrom("models as m")
    .select(modelColumns(parts, "m"))
    .select(partColumns(db, dialect, parts))
    .where("m.family_id", "=", family)
    .where("m.version", "=", (eb) =>
      eb.selectFrom("aliases as a").select("a.version").where("a.family_id", "=", family).where("a.alias", "=", ref.alias),
    )
    .executeTakeFirst();
  return row ? toRecord(row, ref.project, ref.name) : null;
}
