import { sql, type Kysely } from "kysely";
import type { ModelRef } from "../../domain/records.js";
import type { Database, SqlDialect } from "./schema.js";

/**
 * The versions `refs` name, as `f` (their families) joined to `m` (their rows), for the
 * caller to select from; a reference to no version has no row. The references are a
 * table: each one a probe of families' (project, name) key, then one seek of
 * `models_family_version` by family and number, the only index a lookup by both can use
 * (migration 0019). On PostgreSQL the seek is a lateral subquery (`SqlDialect.lateralJoins`),
 * in which both are restrictions: as a plain join PostgreSQL sought by the family alone and
 * filtered the number, reading a long family's every version per reference (100 references
 * into a family of 15,000: 220–270 ms, then 9–12).
 */
export function versionsByRefs(db: Kysely<Database>, dialect: SqlDialect, refs: readonly ModelRef[]) {
  const wanted = sql<{ column1: string; column2: string; column3: number }>`(values ${sql.join(
    refs.map((ref) => sql`(${ref.project}, ${ref.name}, cast(${ref.version} as integer))`),
  )})`.as("w");
  const families = db
    .selectFrom(wanted)
    .innerJoin("families as f", (join) => join.onRef("f.project", "=", "w.column1").onRef("f.name", "=", "w.column2"));
  const plain = () =>
    families.innerJoin("models as m", (join) => join.onRef("m.family_id", "=", "f.id").onRef("m.version", "=", "w.column3"));
  if (!dialect.lateralJoins) return plain();
  return families
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom("models as k")
          .select("k.id")
          .whereRef("k.family_id", "=", "f.id")
          .whereRef("k.version", "=", "w.column3")
          // A key: at most one row. The limit keeps PostgreSQL from flattening the subquery into the join.
          .limit(1)
          .as("k"),
      (join) => join.onTrue(),
    )
    .innerJoin("models as m", "m.id", "k.id") as unknown as ReturnType<typeof plain>;
}
