import { sql, type Kysely } from "kysely";
import { MissingParentError } from "../../domain/lineage.js";
import type { LineageDraft, ModelRecord, ModelRef } from "../../domain/records.js";
import type { DerivedQuery } from "../metadata-store.js";
import { modelColumns, partColumns, toRecord } from "./rows.js";
import type { Database, SqlDialect } from "./schema.js";
import { versionsByRefs } from "./version-refs.js";

/**
 * Inside a create's or an edit's transaction: every parent exists (MissingParentError
 * for the first that does not). One statement for all of them (at most MAX_PARENTS), each
 * a seek by its family and number (`versionsByRefs`: with the parents as alternatives of
 * one condition, PostgreSQL read a long family whole for them). A parent deleted by a
 * transaction that commits after this one read it leaves the same state as a delete right
 * after the child's commit: the reference stays.
 */
export async function checkParents(trx: Kysely<Database>, dialect: SqlDialect, parents: readonly ModelRef[]): Promise<void> {
  if (parents.length === 0) return;
  const found = await versionsByRefs(trx, dialect, parents).select(["f.project", "f.name", "m.version"]).execute();
  const present = new Set(found.map((r) => `${r.project}\u0000${r.name}\u0000${Number(r.version)}`));
  const missing = parents.find((p) => !present.has(`${p.project}\u0000${p.name}\u0000${p.version}`));
  if (missing) throw new MissingParentError(missing);
}

/**
 * Inside a create's or an edit's transaction, before its parents are checked: waits
 * for and holds until commit the one lock every write of parent rows takes. Each
 * cycle check then reads every edge committed before it, and no other edge can be
 * added until this transaction ends. Without it, under READ COMMITTED, two writers
 * (A names B while B names A) each check a graph without the other's edge, both
 * commit and close a cycle. A no-op where writers are serialised already (SQLite).
 */
export async function lockLineage(trx: Kysely<Database>, dialect: SqlDialect): Promise<void> {
  await dialect.transactionLock("homer.lineage")?.execute(trx);
}

/**
 * Whether `self` is among the ancestors of `parents` (so naming them would close a
 * cycle): whether one of them is among the descendants of `self`, walked down from the
 * versions that name `self` as a parent, in one recursive statement that ends on any
 * graph since UNION keeps each descendant once. Only versions that exist in `projects`
 * (null: all), those the caller may read, are walked: a version it may not read is not a
 * descendant, as the caller sees it (its lineage, even its existence, is hidden, and a
 * refusal would tell them). A cycle through a project the caller cannot read is therefore
 * possible; every walk of lineage tolerates one.
 *
 * Down, not up: each step is a seek of `model_parents_children` by the whole reference
 * and two primary-key reads, the only plan there is whatever the statistics say. The walk
 * up joined a parent's reference to its version by family and number, and PostgreSQL, its
 * statistics saying families are small (many of one version, one long chain), read that
 * version by `models_family_created` (the family's versions) and filtered the number:
 * quadratic in the chain, 9.7 s for 15,000 versions, under the lineage lock every lineage
 * write waits for (migration 0019 took that index from such lookups since). A create of a
 * new number (at the tip of any chain) is named by nobody: its walk reads no row.
 */
export async function closesCycle(
  trx: Kysely<Database>,
  self: ModelRef,
  parents: readonly ModelRef[],
  projects: readonly string[] | null,
): Promise<boolean> {
  if (parents.length === 0) return false;
  if (projects !== null && projects.length === 0) return false;
  if (parents.some((p) => p.project === self.project && p.name === self.name && p.version === self.version)) return true;
  const readable = projects === null ? sql`1 = 1` : sql`f.project in (${sql.join(projects)})`;
  const wanted = sql.join(
    parents.map((p) => sql`(project = ${p.project} and name = ${p.name} and version = ${p.version})`),
    sql` or `,
  );
  const { rows } = await sql<{ one: number }>`
    with recursive descendants(project, name, version) as (
      select cast(${self.project} as text) as project, cast(${self.name} as text) as name, cast(${self.version} as integer) as version
      union
      select f.project, f.name, m.version
        from descendants d
        join model_parents pp on pp.parent_project = d.project and pp.parent_name = d.name and pp.parent_version = d.version
        join models m on m.id = pp.model_id
        join families f on f.id = m.family_id
       where ${readable}
    )
    select 1 as one from descendants where ${wanted} limit 1`.execute(trx);
  return rows.length > 0;
}

/** Writes a version's parent rows (its facts are a column of its row). */
export async function insertParents(trx: Kysely<Database>, modelId: number, lineage: LineageDraft | null | undefined): Promise<void> {
  if (!lineage || lineage.parents.length === 0) return;
  await trx
    .insertInto("model_parents")
    .values(
      lineage.parents.map((p, position) => ({
        model_id: modelId,
        position,
        parent_project: p.project,
        parent_name: p.name,
        parent_version: p.version,
      })),
    )
    .execute();
}

/** The lineage column's value for a draft. */
export function factsColumn(lineage: LineageDraft | null | undefined): string | null {
  return lineage?.facts ? JSON.stringify(lineage.facts) : null;
}

/** Parents whose derived versions one `listDerived` statement reads (a subquery each). */
const DERIVED_PARENTS_PER_READ = 100;
/** Bound parameters a `listDerived` statement may take: far within either backend's limit. */
const DERIVED_PARAMETERS = 5_000;

/**
 * The versions whose lineage names each of `parents` (a list per parent, in their order),
 * oldest row first, keyset paged by row id over the `model_parents_children` index (an
 * overwritten child has a new row and moves to the end). One statement per up to 100
 * parents: for each, a subquery takes its first `limit` children from the index (those
 * in `projects`), and their rows are read once for all.
 */
export async function listDerived(db: Kysely<Database>, dialect: SqlDialect, query: DerivedQuery): Promise<ModelRecord[][]> {
  const pages = query.parents.map((): ModelRecord[] => []);
  const { projects } = query;
  if (projects !== null && projects.length === 0) return pages;
  // Each subquery binds the parent (3), the cursor and the limit, and the projects.
  const perRead = Math.max(1, Math.min(DERIVED_PARENTS_PER_READ, Math.floor(DERIVED_PARAMETERS / (5 + (projects?.length ?? 0)))));
  for (let start = 0; start < query.parents.length; start += perRead) {
    const children = query.parents.slice(start, start + perRead).map((parent, i) => {
      let ids = db
        .selectFrom("model_parents as p")
        // A literal, so that the statement's text depends only on how many parents it reads.
        .select([sql<number>`${sql.lit(i)}`.as("k"), "p.model_id"])
        .where("p.parent_project", "=", parent.project)
        .where("p.parent_name", "=", parent.name)
        .where("p.parent_version", "=", parent.version)
        .orderBy("p.model_id", "asc")
        .limit(query.limit);
      if (query.afterId !== null) ids = ids.where("p.model_id", ">", query.afterId);
      if (projects !== null)
        ids = ids.where((eb) =>
          eb.exists(
            eb
              .selectFrom("models as cm")
              .innerJoin("families as cf", "cf.id", "cm.family_id")
              .select(sql`1`.as("one"))
              .whereRef("cm.id", "=", "p.model_id")
              .where("cf.project", "in", projects),
          ),
        );
      // Wrapped: SQLite takes ORDER BY and LIMIT only at the end of a compound select.
      return db.selectFrom(ids.as(`c${i}`)).selectAll();
    });
    const union = children.slice(1).reduce((all, next) => all.unionAll(next), children[0]!);
    const rows = await db
      .selectFrom(union.as("d"))
      .innerJoin("models as m", "m.id", "d.model_id")
      .innerJoin("families as f", "f.id", "m.family_id")
      .select(modelColumns(query.parts, "m"))
      .select(["d.k", "f.project as family_project", "f.name as family_name"])
      .select(partColumns(db, dialect, query.parts))
      .orderBy("d.k")
      .orderBy("m.id")
      .execute();
    for (const row of rows) pages[start + Number(row.k)]!.push(toRecord(row, row.family_project, row.family_name));
  }
  return pages;
}
