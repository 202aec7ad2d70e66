import { sql, type Kysely, type SqlBool } from "kysely";
import type { ListQuery, ListedModel } from "../metadata-store.js";
import type { FilterCondition } from "./filter-sql.js";
import { modelColumns, partColumns, toRecord } from "./rows.js";
import type { Database, SqlDialect } from "./schema.js";

/**
 * A filtered page driven from one condition's index: its matches (few, as
 * `countMatches` found) are read whole into a materialised CTE, joined to their
 * versions (SQLite: CROSS JOIN keeps the matches the outer loop), tested against the
 * other conditions and the keyset, sorted and cut to the page. The order is the
 * listing's, so cursors are the same as a walk's and a listing may switch between a
 * drive and a walk from one page to the next. One statement, one snapshot.
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
      const matches = qc.selectFrom("cand as c");
      const joined = dialect.lateralJoins
        ? (matches.crossJoinLateral((eb) =>
            eb.selectFrom("models").selectAll().whereRef("models.id", "=", "c.model_id").as("m"),
          ) as unknown as ReturnType<typeof matches.crossJoin<"models as m">>)
        : matches.crossJoin("models as m");
      let page = joined
        .select(modelColumns(query.parts, "m"))
        .whereRef("m.id", "=", "c.model_id")
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
