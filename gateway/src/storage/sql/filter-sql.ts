import { sql, type RawBuilder, type SqlBool } from "kysely";
import type { MetricRange, ModelFilter, TagMatch } from "../../domain/model-filter.js";
import type { SqlDialect } from "./schema.js";

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
  /**
   * For a condition whose index ends in `version` (a tag, the framework): its matches
   * as `(model_id, version)` from that index, which a version-sorted page walks in
   * order; null for the others.
   */
  readonly byVersion: ((family: number) => RawBuilder<{ model_id: number; version: number }>) | null;
  /** For a tag condition, the tag: model_tag_metrics lists its matches in a metric's order. */
  readonly tag: TagMatch | null;
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
      byVersion: null,
      tag: null,
    });
  }
  for (const tag of filter.tags) {
    out.push({
      metricKey: null,
      test: sql<SqlBool>`exists (select 1 from model_tags ft where ft.model_id = m.id and ft.key = ${tag.key} and ft.value = ${tag.json})`,
      source: (family) => sql`select model_id from model_tags where family_id = ${family} and key = ${tag.key} and value = ${tag.json}`,
      byVersion: (family) =>
        sql`select model_id, version from model_tags where family_id = ${family} and key = ${tag.key} and value = ${tag.json}`,
      tag,
    });
  }
  if (filter.framework !== null) {
    const framework = filter.framework;
    out.push({
      metricKey: null,
      test: sql<SqlBool>`${dialect.unindexed(sql.ref("m.framework"))} = ${framework}`,
      source: (family) => sql`select id as model_id from models where family_id = ${family} and framework = ${framework}`,
      byVersion: (family) => sql`select id as model_id, version from models where family_id = ${family} and framework = ${framework}`,
      tag: null,
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
        // `created_at >= 0` as written: the predicate of the partial index models_family_created.
        sql`select id as model_id from models where family_id = ${family} and created_at >= 0 and ${and(rangeSql(sql.ref("created_at"), range))}`,
      byVersion: null,
      tag: null,
    });
  }
  return out;
}
