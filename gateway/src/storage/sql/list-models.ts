import { sql, type Compilable, type Kysely, type RawBuilder, type SqlBool } from "kysely";
import { isEmptyRange } from "../../domain/model-filter.js";
import type { ModelParts } from "../../domain/records.js";
import type { ListQuery, ListedModel } from "../metadata-store.js";
import { filterConditions, rangeSql, type FilterCondition } from "./filter-sql.js";
import { planFilter } from "./filter-plan.js";
import { listDriven } from "./list-driven.js";
import { familyId, modelColumns, partColumns, toRecord } from "./rows.js";
import type { Database, SqlDialect } from "./schema.js";
import { StatementTemplates, type SlotValue } from "./statement-templates.js";

/** Each store's templates of its unfiltered pages (the common listing: no filter, no plan). */
const templatesByDb = new WeakMap<Kysely<Database>, StatementTemplates>();

function templatesOf(db: Kysely<Database>): StatementTemplates {
  let templates = templatesByDb.get(db);
  if (!templates) templatesByDb.set(db, (templates = new StatementTemplates()));
  return templates;
}

/** The parts, as the part of a template's shape they decide (which columns and subqueries). */
const partsShape = (parts: ModelParts) =>
  `${+parts.metrics}${+parts.files}${+!!parts.flavors}${+!!parts.examples}${+!!parts.card}${+!!parts.lineage}${+!!parts.aliases}${+!!parts.largeSizes}${+!!parts.skipTags}${+!!parts.skipDescription}`;

/**
 * A page of a listing is one statement, whatever its phases and parts: a
 * statement reads one snapshot on SQLite and PostgreSQL alike, so every node is a
 * version as it was at one moment — never one deleted or overwritten between the
 * page and its metrics or files, never the same version in both phases.
 *
 * Metric sorts are index range scans: the metric phase (`hits`) walks
 * metrics(family_id, key, value, version) in order and stops at the page size;
 * the missing phase (`misses`) walks models by version, skipping those that have
 * the metric, and is limited to the rows `hits` left over. A page that `hits`
 * fills is read by the metric phase alone (one smaller statement); one that
 * reaches the missing phase is read again whole, both phases in one statement.
 *
 * A filtered page is still one statement: the small ones before it
 * (`filter-plan.ts`) only choose how to read it — driven from one condition's
 * matches (`list-driven.ts`) or walked in sort order with every condition tested —
 * and both ways read the same rows in the same order.
 */
export async function listModels(db: Kysely<Database>, dialect: SqlDialect, query: ListQuery, tagPairs = true): Promise<ListedModel[]> {
  const filter = query.filter ?? null;
  let tests: readonly FilterCondition[] = [];
  if (filter !== null) {
    if (filter.metrics.some(isEmptyRange)) return [];
    const sortKey = query.sortKey;
    // A tag filter sorted by a metric may walk model_tag_metrics, unless the family
    // holds a version whose pairs it lacks (over the cap, or written by a release
    // before 0015): found by a partial index that is empty in most families, in the
    // same statement as the family.
    const byTagMetric = tagPairs && sortKey !== null && filter.tags.length > 0;
    const family = await db
      .selectFrom("families")
      .select(["id", "version_count", "last_version"])
      .$if(byTagMetric, (q) =>
        q.select((eb) =>
          eb
            .exists(
              eb
                .selectFrom("models as u")
                .select(sql`1`.as("one"))
                .whereRef("u.family_id", "=", "families.id")
                .where("u.tag_metrics_revision", "is", null),
            )
            .as("tag_metrics_partial"),
        ),
      )
      .where("project", "=", query.project)
      .where("name", "=", query.name)
      .executeTakeFirst();
    if (!family) return [];
    const id = Number(family.id);
    const conditions = filterConditions(dialect, filter);
    const tagMetricsWhole = byTagMetric && !Number(family.tag_metrics_partial);
    const ordered = (c: FilterCondition) => (sortKey === null ? c.byVersion !== null : tagMetricsWhole && c.tag !== null);
    // The probe walks the first tag's pairs (the counts so far cannot tell the tags apart).
    const probeTag = conditions.find(ordered);
    const plan = await planFilter(
      db,
      { id, versions: Number(family.version_count), lastVersion: Number(family.last_version) },
      conditions,
      query.limit,
      {
        ordered,
        probe: (budget) =>
          sortKey === null
            ? listByVersion(db, dialect, query, conditions, undefined, budget)
            : listByMetric(db, dialect, query, sortKey, conditions, budget, probeTag && { family: id, driver: probeTag }),
      },
    );
    if (plan.kind === "empty") return [];
    if (plan.kind === "page") return plan.page;
    if (plan.kind === "drive") return listDriven(db, dialect, query, id, plan.driver, plan.others);
    tests = conditions;
    // The walk can go down the index of a condition that lists its matches in the
    // page's order (a tag or the framework by version, a tag by a metric): the fewest counted.
    const driver = conditions
      .map((c, i) => ({ c, n: plan.counts[i] ?? Infinity }))
      .filter(({ c }) => ordered(c))
      .sort((a, b) => a.n - b.n)[0]?.c;
    if (driver && sortKey === null) return listByVersion(db, dialect, query, tests, { family: id, driver });
    if (driver && sortKey !== null) {
      const page = await listByMetric(db, dialect, query, sortKey, tests, undefined, { family: id, driver });
      // The walk reads nothing when, in its own snapshot, a version of the family lacks its
      // pairs (edited past the cap, or written by the previous release, since the family
      // was read): then the page is read without them, so it never misses a version.
      if (page.length === 0 && !(await tagPairsWhole(db, id))) return listModels(db, dialect, query, false);
      return page;
    }
  }
  return query.sortKey === null ? listByVersion(db, dialect, query, tests) : listByMetric(db, dialect, query, query.sortKey, tests);
}

/**
 * The statement of a page without filter (the common listing), `build` of `query`,
 * from its shape's template: the project, name, page size, sort key and cursor are
 * its slots, so only the first page of each shape builds and compiles the query.
 */
function unfilteredPage<R>(db: Kysely<Database>, kind: string, query: ListQuery, build: (query: ListQuery) => Compilable<R>) {
  const { after, sortKey } = query;
  const values: SlotValue[] = [query.project, query.name, query.limit];
  if (sortKey !== null) values.push(sortKey);
  if (after) values.push(after.version);
  if (after?.phase === "metric") values.push(after.value);
  const shape = `${kind}|${query.direction}|${sortKey !== null}|${after?.phase ?? "-"}|${partsShape(query.parts)}`;
  return templatesOf(db).compile(shape, values, (v) => {
    const [project, name, limit, ...rest] = v as [string, string, number, ...SlotValue[]];
    const key = sortKey === null ? null : (rest.shift() as string);
    const version = rest.shift() as number;
    const position: ListQuery["after"] =
      after === null
        ? null
        : after.phase === "metric"
          ? { phase: "metric", version, value: rest.shift() as number }
          : { ...after, version };
    return build({ ...query, project, name, limit, sortKey: key, after: position });
  });
}

/**
 * A page by version: down the family's versions, or, with `ordered`, down the
 * index of one condition (a tag, the framework) that lists its matches in version
 * order (`byVersion`), each joined to its version and tested against the rest
 * (SQLite: CROSS JOIN keeps the index the outer loop). Either way the walk stops
 * at the page size; the driver's own index makes it read only its matches. With
 * a `budget`, the walk reads at most that many versions (a plan's probe: the page
 * is whole only when it fills).
 */
async function listByVersion(
  db: Kysely<Database>,
  dialect: SqlDialect,
  query: ListQuery,
  tests: readonly FilterCondition[],
  ordered?: { readonly family: number; readonly driver: FilterCondition },
  budget?: number,
): Promise<ListedModel[]> {
  const desc = query.direction === "DESC";
  const statement = (query: ListQuery) => {
    const keyset = (column: string) =>
      query.after ? [sql<SqlBool>`${sql.ref(column)} ${sql.raw(desc ? "<" : ">")} ${query.after.version}`] : [];
    const walked =
      budget === undefined
        ? null
        : db
            .selectFrom("models as w")
            .select(["w.id", "w.version"])
            .where("w.family_id", "=", familyId(db, query.project, query.name))
            .$call((q) => keyset("w.version").reduce((acc, k) => acc.where(k), q))
            .orderBy("w.version", desc ? "desc" : "asc")
            .limit(budget);
    const base = ordered
      ? db
          .selectFrom(sql<{ model_id: number; version: number }>`(${ordered.driver.byVersion!(ordered.family)})`.as("d"))
          .crossJoin("models as m")
          .whereRef("m.id", "=", "d.model_id")
      : walked
        ? (db.selectFrom(walked.as("d")).crossJoin("models as m").whereRef("m.id", "=", "d.id") as unknown as ReturnType<
            typeof db.selectFrom<"models as m">
          >)
        : db.selectFrom("models as m").where("m.family_id", "=", familyId(db, query.project, query.name));
    const version = ordered || walked ? sql.ref<number>("d.version") : sql.ref<number>("m.version");
    let q = base
      .select(modelColumns(query.parts, "m"))
      .select(partColumns(db, dialect, query.parts))
      .orderBy(version, desc ? "desc" : "asc")
      .limit(query.limit);
    if (!walked) for (const k of keyset(ordered ? "d.version" : "m.version")) q = q.where(k);
    for (const c of tests) if (c !== ordered?.driver) q = q.where(c.test);
    return q;
  };
  const rows =
    tests.length === 0 && !ordered && budget === undefined
      ? (await db.executeQuery(unfilteredPage(db, "version", query, statement))).rows
      : await statement(query).execute();
  return rows.map((row) => ({
    model: toRecord(row, query.project, query.name),
    position: { phase: "version", version: row.version },
  }));
}

/**
 * A page by a metric. With a `budget` (a plan's probe), the walk reads at most that
 * many index entries of the metric phase and never the missing phase: the page is
 * whole only when it fills. With `tagged` (a tag condition), the metric phase walks
 * that tag's (tag, metric) pairs, model_tag_metrics, in the same order as
 * metrics_sort, so it reads the tag's matches only and the cursors are the same; the
 * missing phase walks the tag's model_tags_match range by version.
 */
async function listByMetric(
  db: Kysely<Database>,
  dialect: SqlDialect,
  query: ListQuery,
  sortKey: string,
  tests: readonly FilterCondition[],
  budget?: number,
  tagged?: { readonly family: number; readonly driver: FilterCondition },
): Promise<ListedModel[]> {
  const desc = query.direction === "DESC";
  const { after } = query;
  // A condition on the sort key itself is a range of the walk, and keeps out the
  // versions without the key: then there is no missing phase.
  const onSortKey = query.filter?.metrics.find((r) => r.key === sortKey);
  // The tag walked is implied by the pairs' range (and by model_tags_match in the missing phase).
  const tag = tagged?.driver.tag ?? null;
  const walk = tag === null ? undefined : tagged;
  const others = tests.filter((c) => c.metricKey !== sortKey && c !== walk?.driver);
  if (onSortKey && after?.phase === "missing") return [];
  if (budget !== undefined && after?.phase === "missing") return [];
  const whole = walk ? [wholePairsSql(walk.family)] : [];
  // The metric phase of `query` (this page's, or a template's stand-ins) by `key`.
  const hitsOf = (query: ListQuery, key: string) => {
    const { after } = query;
    const family = familyId(db, query.project, query.name);
    // The walk's range of metrics_sort: the family's key, the sort key's own
    // condition, and after a cursor a range the index can seek to, then the exact keyset.
    const bounds: RawBuilder<SqlBool>[] = onSortKey ? rangeSql(sql.ref("mt.value"), onSortKey) : [];
    if (after?.phase === "metric") {
      const [before, beyond] = desc ? ["<=", "<"] : [">=", ">"];
      bounds.push(
        sql<SqlBool>`mt.value ${sql.raw(before)} ${after.value}`,
        sql<SqlBool>`(mt.value ${sql.raw(beyond)} ${after.value} or mt.version < ${after.version})`,
      );
    }
    // model_tag_metrics has the columns of metrics that the walk reads (model_id,
    // family_id, version, key, value): the same statement over it, with the tag's range.
    // Guarded in the walk's own snapshot: no row at all unless every version of the family has its pairs.
    const index = (
      tag && walk
        ? (db
            .selectFrom("model_tag_metrics as mt")
            .where("mt.family_id", "=", walk.family)
            .where("mt.tag_key", "=", tag.key)
            .where("mt.tag_value", "=", tag.json)
            .where(wholePairsSql(walk.family)) as unknown as ReturnType<typeof db.selectFrom<"metrics as mt">>)
        : db.selectFrom("metrics as mt").where("mt.family_id", "=", family)
    )
      .where("mt.key", "=", key)
      .$call((q) => bounds.reduce((acc, b) => acc.where(b), q));
    const walked =
      budget === undefined
        ? index
        : (db.selectFrom(
            index
              .select(["mt.model_id", "mt.value", "mt.version"])
              .orderBy("mt.value", desc ? "desc" : "asc")
              .orderBy("mt.version", "desc")
              .limit(budget)
              .as("mt"),
          ) as unknown as typeof index);
    // Ties always break by version descending, whichever way the values go.
    let hits = walked
      .innerJoin("models as m", "m.id", "mt.model_id")
      .select(modelColumns(query.parts, "m"))
      .select((eb) => eb.ref("mt.value").$castTo<number | null>().as("sort_value"))
      .orderBy("mt.value", desc ? "desc" : "asc")
      .orderBy("mt.version", "desc")
      // A page resuming in the missing phase has no metric rows left to show.
      .limit(after?.phase === "missing" ? 0 : query.limit);
    for (const c of others) hits = hits.where(c.test);
    return hits;
  };
  // Most pages are all hits: then the metric phase alone, with its parts, is the
  // page, and a statement of its own is cheaper to prepare and plan. Only a page
  // that reaches the missing phase needs both phases in one snapshot.
  if (after?.phase !== "missing") {
    const statement = (query: ListQuery, key: string) => hitsOf(query, key).select(partColumns(db, dialect, query.parts));
    // The common page (no filter): from its shape's template.
    const alone =
      !query.filter && tests.length === 0 && budget === undefined && !tagged && sortKey === query.sortKey
        ? (await db.executeQuery(unfilteredPage(db, "metric", query, (q) => statement(q, q.sortKey!)))).rows
        : await statement(query, sortKey).execute();
    if (alone.length >= query.limit || onSortKey || budget !== undefined) {
      // toRecord reads the models columns only: the row goes as it is, not copied without sort_value.
      return alone.map((row) => ({
        model: toRecord(row, query.project, query.name),
        position: { phase: "metric", value: Number(row.sort_value), version: row.version },
      }));
    }
  }
  const hits = hitsOf(query, sortKey);
  const rows = await db
    .with("hits", () => hits)
    .with("misses", (qc) => {
      // With a tag, down its model_tags_match range (SQLite: CROSS JOIN keeps it the outer loop).
      const versions = walk
        ? (qc
            .selectFrom(sql<{ model_id: number; version: number }>`(${walk.driver.byVersion!(walk.family)})`.as("d"))
            .crossJoin("models as m")
            .whereRef("m.id", "=", "d.model_id") as unknown as ReturnType<typeof qc.selectFrom<"models as m">>)
        : qc.selectFrom("models as m").where("m.family_id", "=", familyId(db, query.project, query.name));
      const version = sql.ref<number>(walk ? "d.version" : "m.version");
      let misses = versions
        .select(modelColumns(query.parts, "m"))
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom("metrics as mx")
                .select(sql`1`.as("one"))
                .whereRef("mx.model_id", "=", "m.id")
                .where("mx.key", "=", sortKey),
            ),
          ),
        )
        .orderBy(version, "desc")
        .limit(sql<number>`${query.limit} - ${qc.selectFrom("hits").select((eb) => eb.fn.countAll().as("n"))}`);
      if (after?.phase === "missing") misses = misses.where(version, "<", after.version);
      for (const c of [...whole, ...others.map((o) => o.test)]) misses = misses.where(c);
      return misses;
    })
    .selectFrom((qc) =>
      qc
        .selectFrom("hits")
        .selectAll("hits")
        .select(sql<number>`0`.as("phase"))
        .unionAll(
          qc
            .selectFrom("misses")
            .selectAll("misses")
            .select([sql<number | null>`null`.as("sort_value"), sql<number>`1`.as("phase")]),
        )
        .as("page"),
    )
    .selectAll("page")
    .select(partColumns(db, dialect, query.parts, "page"))
    .execute();
  // The arms come back in no guaranteed order: put the page together here.
  const value = (v: number | null) => Number(v);
  rows.sort(
    (a, b) =>
      Number(a.phase) - Number(b.phase) ||
      (desc ? value(b.sort_value) - value(a.sort_value) : value(a.sort_value) - value(b.sort_value)) ||
      b.version - a.version,
  );
  return rows.map((row) => ({
    model: toRecord(row, query.project, query.name),
    position:
      Number(row.phase) === 0
        ? { phase: "metric", value: Number(row.sort_value), version: row.version }
        : { phase: "missing", version: row.version },
  }));
}

/** True in a statement's snapshot when every version of `family` has its model_tag_metrics pairs (an empty partial index). */
function wholePairsSql(family: number): RawBuilder<SqlBool> {
  return sql<SqlBool>`not exists (select 1 from models u where u.family_id = ${family} and u.tag_metrics_revision is null)`;
}

async function tagPairsWhole(db: Kysely<Database>, family: number): Promise<boolean> {
  const row = await db.selectNoFrom(wholePairsSql(family).as("whole")).executeTakeFirstOrThrow();
  return Boolean(Number(row.whole));
}
