import { sql, type Kysely } from "kysely";
import type { ListedModel } from "../metadata-store.js";
import type { FilterCondition } from "./filter-sql.js";
import type { Database } from "./schema.js";

/** How a filtered page is read: not at all, driven from one condition's index, or by walking the sort order. */
export type FilterPlan =
  | { readonly kind: "empty" }
  | { readonly kind: "drive"; readonly driver: FilterCondition; readonly others: readonly FilterCondition[] }
  /** `counts`: each condition's matches as last counted (capped), in the filter's order. */
  | { readonly kind: "walk"; readonly counts: readonly number[] }
  /** The page itself, read by the probe: the walk filled it within its budget. */
  | { readonly kind: "page"; readonly page: ListedModel[] };

export interface PlanOptions {
  /**
   * Whether the walk can go down this condition's own index, which lists its matches
   * in the page's order: a tag's or the framework's by version (`byVersion`), a tag's
   * by a metric (model_tag_metrics).
   */
  readonly ordered: (condition: FilterCondition) => boolean;
  /** The walk in sort order, reading at most `budget` rows; whole when it holds `limit` rows. */
  readonly probe: (budget: number) => Promise<ListedModel[]>;
}

export interface FamilyShape {
  readonly id: number;
  /** Versions the family holds. */
  readonly versions: number;
  /** The highest version ever assigned (versions lie in 1..lastVersion). */
  readonly lastVersion: number;
}

/** Matches below which a condition drives the page whatever the sample would say. */
const FEW = 64;
/** Families with fewer versions are planned by the counts alone. */
const PROBED_FROM = 256;
/** The share of the rows walked the filter must keep for the probe to fill the page. */
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
 * 2. The probe: the walk itself in sort order, reading at most `limit / BROAD` rows.
 *    When the filter keeps a share of at least BROAD of what it reads, the page fills
 *    and that is the answer.
 * 3. Otherwise the matches are counted again up to `driveLimit`: fewer → the page
 *    drives from the fewest; else it walks, testing about `limit × versions /
 *    driveLimit` rows.
 *
 * So a filter that keeps a share of the family (the probe fills) or a fixed number
 * of versions (the counts stop early) costs the same at any family size, and the
 * probe reads the rows a walk would read first: the top of the sort order, no random
 * pages of the family. A filter that is a lone condition with an index in the page's
 * order (`ordered`: a tag or the framework by version, a tag by a metric) skips 2
 * and 3: the page walks that index and reads its own rows. The plan only chooses the
 * path: every path returns the same page.
 */
export async function planFilter(
  db: Kysely<Database>,
  family: FamilyShape,
  conditions: readonly FilterCondition[],
  limit: number,
  options: PlanOptions,
): Promise<FilterPlan> {
  const cap = driveLimit(limit, family.versions);
  // A condition that matches very few versions is found by a count that stops at
  // FEW (a few index entries each), before any probe.
  const first = await fewest(db, family.id, conditions, Math.min(FEW, cap));
  if (first.kind !== "walk" || cap <= FEW) return first;
  // A lone condition whose index lists its matches in the page's order is walked down
  // that index: the page reads its own rows and no more, at any selectivity.
  if (conditions.length === 1 && options.ordered(conditions[0]!)) return first;
  if (family.versions >= PROBED_FROM) {
    // At least FEW rows: a small page (bestModel's is 1) tolerates a rarer filter.
    const page = await options.probe(Math.max(FEW, Math.ceil(limit / BROAD)));
    if (page.length >= limit) return { kind: "page", page };
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
