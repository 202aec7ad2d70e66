import { sql, type Kysely } from "kysely";
import type { ListPosition, ListQuery, ListedModel } from "../metadata-store.js";
import { familyId, toRecord } from "./rows.js";
import type { Database } from "./schema.js";

/**
 * Metric-sorted listing as index range scans: the metric phase walks
 * metrics(family_id, key, value, version) in order and stops at the page size;
 * the missing phase walks models by version, skipping those that have the metric.
 */

export async function listModels(db: Kysely<Database>, query: ListQuery): Promise<ListedModel[]> {
  const { sortKey, after } = query;
  if (sortKey === null) return listByVersion(db, query);
  const listed: ListedModel[] = [];
  if (after === null || after.phase === "metric") {
    listed.push(...(await listByMetric(db, query, sortKey, after)));
  }
  if (listed.length < query.limit) {
    const resumeBelow = after?.phase === "missing" ? after.version : null;
    listed.push(...(await listMissing(db, query, sortKey, resumeBelow, query.limit - listed.length)));
  }
  return listed;
}

async function listByVersion(db: Kysely<Database>, query: ListQuery): Promise<ListedModel[]> {
  const desc = query.direction === "DESC";
  let q = db
    .selectFrom("models")
    .selectAll()
    .where("family_id", "=", familyId(db, query.project, query.name))
    .orderBy("version", desc ? "desc" : "asc")
    .limit(query.limit);
  if (query.after) q = q.where("version", desc ? "<" : ">", query.after.version);
  const rows = await q.execute();
  return rows.map((row) => ({
    model: toRecord(row, query.project, query.name),
    position: { phase: "version", version: row.version },
  }));
}

async function listByMetric(
  db: Kysely<Database>,
  query: ListQuery,
  sortKey: string,
  after: Extract<ListPosition, { phase: "metric" }> | null,
): Promise<ListedModel[]> {
  const desc = query.direction === "DESC";
  // Ties always break by version descending, whichever way the values go.
  let q = db
    .selectFrom("metrics as mt")
    .innerJoin("models as m", "m.id", "mt.model_id")
    .selectAll("m")
    .select("mt.value as sort_value")
    .where("mt.family_id", "=", familyId(db, query.project, query.name))
    .where("mt.key", "=", sortKey)
    .orderBy("mt.value", desc ? "desc" : "asc")
    .orderBy("mt.version", "desc")
    .limit(query.limit);
  if (after) {
    // A range the index can seek to, then the exact keyset condition.
    q = q
      .where("mt.value", desc ? "<=" : ">=", after.value)
      .where((eb) => eb.or([eb("mt.value", desc ? "<" : ">", after.value), eb("mt.version", "<", after.version)]));
  }
  const rows = await q.execute();
  return rows.map(({ sort_value, ...row }) => ({
    model: toRecord(row, query.project, query.name),
    position: { phase: "metric", value: Number(sort_value), version: row.version },
  }));
}

async function listMissing(db: Kysely<Database>, query: ListQuery, sortKey: string, below: number | null, limit: number): Promise<ListedModel[]> {
  let q = db
    .selectFrom("models as m")
    .selectAll("m")
    .where("m.family_id", "=", familyId(db, query.project, query.name))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("metrics as mt")
            .select(sql`1`.as("one"))
            .whereRef("mt.model_id", "=", "m.id")
            .where("mt.key", "=", sortKey),
        ),
      ),
    )
    .orderBy("m.version", "desc")
    .limit(limit);
  if (below !== null) q = q.where("m.version", "<", below);
  const rows = await q.execute();
  return rows.map((row) => ({
    model: toRecord(row, query.project, query.name),
    position: { phase: "missing", version: row.version },
  }));
}

