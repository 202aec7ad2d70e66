import { sql, type Kysely } from "kysely";
import type { FilterCondition } from "./filter-sql.js";
import type { Database } from "./schema.js";

/** How a filtered page is read: not at all, driven from one condition's index, or by walking the sort order. */
export type FilterPlan =
  | { readonly kind: "empty" }
  | { readonly kind: "drive"; readonly driver: FilterCondition; readonly others: readonly FilterCondition[] }
  /** `counts`: each condition's matches as last counted (capped), in the filter's order. */
  | { readonly kind: "walk"; readonly counts: readonly number[] };

export interface FamilyShape {
  readonly id: number;
  /** Versions the family holds. */
  readonly versions: number;
  /** The highest version ever assigned (versions lie in 1..lastVersion). */
  readonly lastVersion: number;
}

/** Matches below which a condition drives the page whatever the sample would say. */
const FEW = 64;
/** Versions a plan tests the filter on before it decides. */
const SAMPLE = 64;
/** Runs of consecutive versions the sample is taken in (SAMPLE / RUNS versions each). */
const RUNS = 8;
/** A sample with fewer rows (a family thinned by deletions, a small one) decides nothing. */
const MIN_SAMPLED = 32;
/** The share of the sample the whole filter must keep for a page to walk without counting. */
const BROAD = 1 / 8;

/**
 * How many matches of its most selective condition a page may read before it walks
 * the sort order instead. Walking tests about `limit / selectivity` rows, that is
 * `limit × versions / matches`; driving reads and sorts the `matches`: the two meet
 * at sqrt(limit × versions), so neither reads more than that (7,142 rows for a page
 * of 50 in a 1M-version family).
 */
export function driveLimit(limit: number, versions: number): number {
  return Math.max(16, Math.ceil(Math.sqrt(limit * versions)));
}

/**
 * Chooses how to read a filtered page, in at most three small statements:
 *
 * 1. Each condition's matches are counted from its index up to FEW: none at all →
 *    empty; fewer → the page drives from the fewest.
 * 2. The whole filter is tested on SAMPLE versions spread over the family (primary
 *    key probes, a random offset each time). When it keeps at least BROAD of them,
 *    the page walks the sort order: it expects to test about `limit / BROAD` rows.
 * 3. Otherwise the matches are counted again up to `driveLimit`: fewer → the page
 *    drives from the fewest; else it walks, testing about `limit × versions /
 *    driveLimit` rows.
 *
 * So a filter that keeps a share of the family (the sample sees it) or a fixed
 * number of versions (the counts stop early) costs the same at any family size.
 * A page by version (`byVersion`) whose filter is a lone tag or framework skips 2
 * and 3: it walks that condition's index in version order (`FilterCondition.byVersion`).
 * The plan only chooses the path: every path returns the same page.
 */
export async function planFilter(
  db: Kysely<Database>,
  family: FamilyShape,
  conditions: readonly FilterCondition[],
  limit: number,
  byVersion = false,
): Promise<FilterPlan> {
  const cap = driveLimit(limit, family.versions);
  // A condition that matches very few versions is found by a count that stops at
  // FEW (a few index entries each), before any sample.
  const first = await fewest(db, family.id, conditions, Math.min(FEW, cap));
  if (first.kind !== "walk" || cap <= FEW) return first;
  // By version, a lone condition whose index lists its matches in version order is
  // walked down that index: the page reads its own rows and no more, at any selectivity.
  if (byVersion && conditions.length === 1 && conditions[0]!.byVersion !== null) return first;
  if (family.versions >= 4 * SAMPLE) {
    const sample = await sampleMatches(db, family, conditions);
    if (sample.rows >= MIN_SAMPLED && sample.kept >= BROAD * sample.rows) return first;
  }
  return fewest(db, family.id, conditions, cap);
}

/** Empty when a condition matches nothing, a drive from the fewest matches under `cap`, else a walk. */
async function fewest(db: Kysely<Database>, family: number, conditions: readonly FilterCondition[], cap: number): Promise<FilterPlan> {
  const counts = await countMatches(db, family, conditions, cap);
  const least = Math.min(...counts);
  if (least === 0) return { kind: "empty" };
  const at = counts.indexOf(least);
  const driver = conditions[at];
  if (driver && least < cap) return { kind: "drive", driver, others: conditions.filter((_, i) => i !== at) };
  return { kind: "walk", counts };
}

/**
 * How many of SAMPLE versions spread over 1..lastVersion exist, and how many of those the
 * filter keeps. The versions come in RUNS runs of consecutive versions, one run in each
 * of RUNS equal strata at the same random offset: a run lies on a page or two of each
 * index and table it touches, so the sample reads a few dozen pages rather than a few
 * per version (at 1M versions those are cold: the sample was most of a page's cost),
 * while the strata still spread it over the whole family.
 */
async function sampleMatches(
  db: Kysely<Database>,
  family: FamilyShape,
  conditions: readonly FilterCondition[],
): Promise<{ rows: number; kept: number }> {
  const run = SAMPLE / RUNS;
  const stratum = Math.max(run, Math.floor(family.lastVersion / RUNS));
  const start = 1 + Math.floor(Math.random() * (stratum - run + 1));
  const all = sql.join(
    conditions.map((c) => c.test),
    sql` and `,
  );
  const int = (n: number) => sql`cast(${n} as integer)`;
  // The versions as a recursive CTE of a few parameters: an IN list of 64 costs
  // PostgreSQL more to plan than the probes cost to run.
  const { rows } = await sql<{ n: number | string; kept: number | string | null }>`with recursive sample(v, i) as (
        select ${int(start)}, ${int(1)} union all
        select case when i % ${int(run)} = 0 then v + ${int(stratum - run + 1)} else v + 1 end, i + 1
        from sample where i < ${int(SAMPLE)}
      )
      select count(*) as n, sum(case when ${all} then 1 else 0 end) as kept
      from sample s cross join models m where m.family_id = ${family.id} and m.version = s.v`.execute(db);
  return { rows: Number(rows[0]?.n ?? 0), kept: Number(rows[0]?.kept ?? 0) };
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
