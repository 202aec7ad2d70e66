import type { Kysely } from "kysely";
import type { ModelRecord } from "../../domain/records.js";
import type { BestOfFamiliesQuery } from "../metadata-store.js";
import { modelColumns, partColumns, toRecord } from "./rows.js";
import type { Database, SqlDialect } from "./schema.js";

/**
 * Each named family's first version of a metric sort, and the asked-for parts, in
 * one statement: the families by their unique (project, name) index, then per
 * family one seek into metrics_sort (or metrics_sort_asc) for the top row — the
 * same order `listModels` walks (value, then version descending). Families without
 * the metric (or absent) have no row.
 */
export async function bestOfFamilies(
  db: Kysely<Database>,
  dialect: SqlDialect,
  query: BestOfFamiliesQuery,
): Promise<Map<string, ModelRecord>> {
  const best = new Map<string, ModelRecord>();
  if (query.names.length === 0) return best;
  const desc = query.direction === "DESC";
  const rows = await db
    .selectFrom("families as f")
    .innerJoin("models as m", (join) =>
      join.on("m.id", "=", (eb) =>
        eb
          .selectFrom("metrics as mt")
          .select("mt.model_id")
          .whereRef("mt.family_id", "=", "f.id")
          .where("mt.key", "=", query.metric)
          .orderBy("mt.value", desc ? "desc" : "asc")
          .orderBy("mt.version", "desc")
          .limit(1),
      ),
    )
    .select("f.name as family_name")
    .select(modelColumns(query.parts, "m"))
    .select(partColumns(db, dialect, query.parts))
    .where("f.project", "=", query.project)
    .where("f.name", "in", query.names)
    .execute();
  for (const row of rows) best.set(row.family_name, toRecord(row, query.project, row.family_name));
  return best;
}
