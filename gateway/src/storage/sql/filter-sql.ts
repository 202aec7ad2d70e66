import { sql, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import type { MetricRange, ModelFilter } from "../../domain/model-filter.js";
import type { Database, SqlDialect } from "./schema.js";

/**
 * One condition of a filter, as the two things a page can do with it: test a
 * version (`test`, on the row aliased `m`), or list the model ids that satisfy it
 * from an index (`source`), the way a page drives from its most selective condition.
 */
export interface FilterCondition {
  /** The metric key this condition ranges over, for a metric condition. */
  readonly metricKey: string | null;
  readonly test: RawBuilder<SqlBool>;
  /** `select model_id from … where family_id = … and <condition>`: an index range. */
  source(family: number): RawBuilder<{ model_id: number }>;
}

/** `column` within `range`, as conditions an index on the column can seek by. */
export function rangeSql(column: RawBuilder<number>, range: Pick<MetricRange, "lower" | "upper">): RawBuilder<SqlBool>[] {
  const out: RawBuilder<SqlBool>[] = [];
  if (range.lower) out.push(sql<SqlBool>`${column} ${sql.raw(range.lower.inclusive ? ">=" : ">")} ${range.lower.value}`);
  if (range.upper) out.push(sql<SqlBool>`${column} ${sql.raw(range.upper.inclusive ? "<=" : "<")} ${range.upper.value}`);
  return out;
}

const and = (conditions: readonly RawBuilder<SqlBool>[]) => sql<SqlBool>`${sql.join(conditions, sql` and `)}`;

/**
 * The conditions of `filter`. Tests that read models columns go through
 * `dialect.unindexed`, so that a page walking an index in sort order is not
 * turned by SQLite's planner into a scan of another index and a sort.
 */
export function filterConditions(dialect: SqlDialect, filter: ModelFilter): FilterCondition[] {
  const out: FilterCondition[] = [];
  for (const range of filter.metrics) {
    const bounds = (column: string) => rangeSql(sql.ref<number>(column), range);
    out.push({
      metricKey: range.key,
      test: sql<SqlBool>`exists (select 1 from metrics fm where fm.model_id = m.id and fm.key = ${range.key}${sql.join(
        bounds("fm.value").map((b) => sql` and ${b}`),
        sql``,
      )})`,
      source: (family) => sql`select model_id from metrics where family_id = ${family} and key = ${range.key} and ${and(bounds("value"))}`,
    });
  }
  for (const tag of filter.tags) {
    out.push({
      metricKey: null,
      test: sql<SqlBool>`exists (select 1 from model_tags ft where ft.model_id = m.id and ft.key = ${tag.key} and ft.value = ${tag.json})`,
      source: (family) => sql`select model_id from model_tags where family_id = ${family} and key = ${tag.key} and value = ${tag.json}`,
    });
  }
  if (filter.framework !== null) {
    const framework = filter.framework;
    out.push({
      metricKey: null,
      test: sql<SqlBool>`${dialect.unindexed(sql.ref("m.framework"))} = ${framework}`,
      source: (family) => sql`select id as model_id from models where family_id = ${family} and framework = ${framework}`,
    });
  }
  if (filter.createdAfter !== null || filter.createdBefore !== null) {
    const range = {
      lower: filter.createdAfter === null ? null : { value: filter.createdAfter, inclusive: false },
      upper: filter.createdBefore === null ? null : { value: filter.createdBefore, inclusive: false },
    };
    out.push({
      metricKey: null,
      test: and(rangeSql(dialect.unindexed(sql.ref<number>("m.created_at")), range)),
      source: (family) =>
        sql`select id as model_id from models where family_id = ${family} and ${and(rangeSql(sql.ref("created_at"), range))}`,
    });
  }
  return out;
}

/**
 * How many matches of its most selective condition a page may read before it walks
 * the sort order instead. Walking tests about `limit / selectivity` rows, that is
 * `limit × versions / matches`; driving reads and sorts the `matches`: the two meet
 * at sqrt(limit × versions), so neither reads more than that (7,142 rows for a page
 * of 50 in a 1M-version family). A filter that keeps a fixed number of versions is
 * driven and one that keeps a fixed share is walked: either page stays flat as the
 * family grows.
 */
export function driveLimit(limit: number, versions: number): number {
  return Math.max(16, Math.ceil(Math.sqrt(limit * versions)));
}

/**
 * The matches of each condition, counted up to `cap` from its index (one
 * statement; each count stops at `cap`, so it costs at most that many index entries).
 */
export async function countMatches(
  db: Kysely<Database>,
  family: number,
  conditions: readonly FilterCondition[],
  cap: number,
): Promise<number[]> {
  const counts = conditions.map(
    (c, i) => sql`(select count(*) from (${c.source(family)} limit ${cap}) ${sql.raw(`d${i}`)}) as ${sql.raw(`c${i}`)}`,
  );
  const { rows } = await sql<Record<string, unknown>>`select ${sql.join(counts)}`.execute(db);
  return conditions.map((_, i) => Number(rows[0]?.[`c${i}`]));
}
