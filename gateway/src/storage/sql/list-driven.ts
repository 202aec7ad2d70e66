import { sql, type Kysely, type SqlBool } from "kysely";
import type { ListQuery, ListedModel } from "../metadata-store.js";
import type { FilterCondition } from "./filter-sql.js";
import { modelColumns, partColumns, toRecord } from "./rows.js";
import type { Database, SqlDialect } from "./schema.js";

/**
 * A filtered page driven from one condition's index: its matches (few, as
 * `countMatches` found) are read whole into a materialised CTE, joined to their
 * versions (PostgreSQL: by key, `= any(array(…))`; SQLite: CROSS JOIN keeps the
 * matches the outer loop), tested against the other conditions and the keyset,
 * sorted and cut to the page. The order is the listing's, so cursors are the same as
 * a walk's and a listing may switch between a drive and a walk from one page to the
 * next. One statement, one snapshot.
 */
export async function listDriven(
  db: Kysely<Database>,
  dialect: SqlDialect,
  query: ListQuery,
  family: number,
  driver: FilterCondition,
  others: readonly FilterCondition[],
): Promise<ListedModel[]> {
  const desc = query.direction === "DESC";
  const { after, sortKey } = query;
  const value = sql.ref<number | null>("st.value");
  let keyset: ReturnType<typeof sql<SqlBool>> | null = null;
  if (after?.phase === "version") keyset = sql<SqlBool>`m.version ${sql.raw(desc ? "<" : ">")} ${after.version}`;
  if (after?.phase === "metric") {
    keyset = sql<SqlBool>`(${value} is null or ${value} ${sql.raw(desc ? "<" : ">")} ${after.value} or (${value} = ${after.value} and m.version < ${after.version}))`;
  }
  if (after?.phase === "missing") keyset = sql<SqlBool>`(${value} is null and m.version < ${after.version})`;

  const rows = await db
    .with(
      (cte) => cte("cand").materialized(),
      // Kysely writes a raw CTE body as it is: the parentheses are ours.
      () => sql<{ model_id: number }>`(${driver.source(family)})`,
    )
    .with("page", (qc) => {
      const joined = () => qc.selectFrom("cand as c").crossJoin("models as m").whereRef("m.id", "=", "c.model_id");
      // PostgreSQL: the versions are read by key, `id = any(array(…))`, not joined to the
      // matches: a join is planned from the estimate of the matches, and a range the
      // statistics overrate (created_at, estimated as if independent of the family)
      // made it a merge join that walked models_pkey from its first row (or, as key
      // probes, a cost that started JIT compilation). An array's length is guessed
      // at 10 whatever the estimate: an index scan of the primary key for any count.
      const byKey = sql<SqlBool>`m.id = any(array(select model_id from cand))`;
      const versions = dialect.anyArrays ? (qc.selectFrom("models as m").where(byKey) as unknown as ReturnType<typeof joined>) : joined();
      let page = versions
        .select(modelColumns(query.parts, "m"))
        .$if(sortKey !== null, (q) =>
          q.leftJoin("metrics as st", (j) => j.onRef("st.model_id", "=", "m.id").on("st.key", "=", sortKey ?? "")),
        )
        .select((sortKey === null ? sql<number | null>`null` : value).as("sort_value"))
        .limit(query.limit);
      for (const c of others) page = page.where(c.test);
      if (keyset) page = page.where(keyset);
      if (sortKey === null) return page.orderBy("m.version", desc ? "desc" : "asc");
      // Versions without the sort key come last, in either direction.
      return page
        .orderBy(sql`case when ${value} is null then 1 else 0 end`)
        .orderBy(value, desc ? "desc" : "asc")
        .orderBy("m.version", "desc");
    })
    .selectFrom("page")
    .selectAll("page")
    .select(partColumns(db, dialect, query.parts, "page"))
    .execute();

  // The outer select keeps no order: put the page together here.
  const rank = (v: number | null) => (v === null ? 1 : 0);
  rows.sort((a, b) => {
    if (sortKey === null) return desc ? b.version - a.version : a.version - b.version;
    const [va, vb] = [a.sort_value === null ? null : Number(a.sort_value), b.sort_value === null ? null : Number(b.sort_value)];
    return rank(va) - rank(vb) || (va === null || vb === null ? 0 : desc ? vb - va : va - vb) || b.version - a.version;
  });
  return rows.map((row) => ({
    model: toRecord(row, query.project, query.name),
    position:
      sortKey === null
        ? { phase: "version", version: row.version }
        : row.sort_value === null
          ? { phase: "missing", version: row.version }
          : { phase: "metric", value: Number(row.sort_value), version: row.version },
  }));
}
