import { BadInputError } from "./errors.js";
import { assertName, MAX_TAG_KEY_CHARS } from "./rules.js";
import { assertLabel, quote } from "./text.js";

/** The most metric conditions one filter may hold. */
export const MAX_METRIC_CONDITIONS = 16;
/** The most tags one filter may match. */
export const MAX_TAG_CONDITIONS = 16;
/**
 * The longest tag value, as JSON text, that a filter can match: longer values are
 * stored but not indexed (an index entry has a size limit on PostgreSQL).
 */
export const MAX_TAG_FILTER_CHARS = 256;

/** A metric condition as a client writes it: one bound, a range, or `eq`. */
export interface MetricConditionInput {
  readonly key: string;
  readonly gt?: number | null;
  readonly gte?: number | null;
  readonly lt?: number | null;
  readonly lte?: number | null;
  readonly eq?: number | null;
}

export interface ModelFilterInput {
  readonly metrics?: readonly MetricConditionInput[] | null;
  readonly tags?: Readonly<Record<string, unknown>> | null;
  readonly framework?: string | null;
  readonly createdAfter?: Date | null;
  readonly createdBefore?: Date | null;
}

/** A bound of a range: the value and whether it is itself included. */
export interface Bound {
  readonly value: number;
  readonly inclusive: boolean;
}

/** A metric's range: versions with the metric inside it (no bound: any value). */
export interface MetricRange {
  readonly key: string;
  readonly lower: Bound | null;
  readonly upper: Bound | null;
}

/** A tag a version must have: its value as JSON text (`"vision"`, `3`, `true`). */
export interface TagMatch {
  readonly key: string;
  readonly json: string;
}

/**
 * A validated filter in canonical form (metrics and tags sorted by key), so equal
 * filters serialise alike: a cursor is bound to that text.
 */
export interface ModelFilter {
  readonly metrics: readonly MetricRange[];
  readonly tags: readonly TagMatch[];
  readonly framework: string | null;
  /** Epoch milliseconds, exclusive. */
  readonly createdAfter: number | null;
  /** Epoch milliseconds, exclusive. */
  readonly createdBefore: number | null;
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function finite(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new BadInputError(`${field} must be a finite number`, field);
  // -0 and 0 are one value to SQL: one spelling keeps equal filters' cursors equal.
  return value === 0 ? 0 : value;
}

function metricRange(c: MetricConditionInput, field: string): MetricRange {
  const key = assertName(c.key, `${field}.key`);
  const given = (["gt", "gte", "lt", "lte", "eq"] as const).filter((op) => c[op] != null);
  if (given.length === 0) throw new BadInputError(`${field} for "${key}" has no operator: give gt, gte, lt, lte or eq`, field);
  if (c.eq != null) {
    if (given.length > 1) throw new BadInputError(`${field} for "${key}": eq cannot be combined with another operator`, field);
    const value = finite(c.eq, `${field}.eq`);
    return { key, lower: { value, inclusive: true }, upper: { value, inclusive: true } };
  }
  if (c.gt != null && c.gte != null) throw new BadInputError(`${field} for "${key}": give gt or gte, not both`, field);
  if (c.lt != null && c.lte != null) throw new BadInputError(`${field} for "${key}": give lt or lte, not both`, field);
  const lower =
    c.gt != null
      ? { value: finite(c.gt, `${field}.gt`), inclusive: false }
      : c.gte != null
        ? { value: finite(c.gte, `${field}.gte`), inclusive: true }
        : null;
  const upper =
    c.lt != null
      ? { value: finite(c.lt, `${field}.lt`), inclusive: false }
      : c.lte != null
        ? { value: finite(c.lte, `${field}.lte`), inclusive: true }
        : null;
  return { key, lower, upper };
}

function tagMatch(key: string, value: unknown, field: string): TagMatch {
  assertLabel(key, `${field} (a key)`, MAX_TAG_KEY_CHARS);
  let json: string;
  if (typeof value === "string") json = JSON.stringify(assertLabel(value, `${field}.${key}`, MAX_TAG_FILTER_CHARS));
  else if (typeof value === "number") json = JSON.stringify(finite(value, `${field}.${key}`));
  else if (typeof value === "boolean") json = JSON.stringify(value);
  else throw new BadInputError(`${field}.${key} must be a string, number or boolean to filter on`, `${field}.${key}`);
  if (json.length > MAX_TAG_FILTER_CHARS) {
    throw new BadInputError(`${field}.${key} is longer than ${MAX_TAG_FILTER_CHARS} characters`, `${field}.${key}`);
  }
  return { key, json };
}

function epoch(value: Date, field: string): number {
  const ms = value instanceof Date ? value.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new BadInputError(`${field} must be a valid date-time`, field);
  return ms;
}

/**
 * Validates a filter: BAD_USER_INPUT for a metric key outside the name rule, a
 * duplicate key, a condition with no operator or two bounds on one side, more than
 * MAX_METRIC_CONDITIONS metrics or MAX_TAG_CONDITIONS tags, a tag value that is not a
 * short label, number or boolean. Null when the filter keeps every version (absent
 * or empty). An empty range (gt 5 lt 3, createdAfter after createdBefore) is valid
 * and matches nothing.
 */
export function normaliseFilter(input: ModelFilterInput | null | undefined, field = "filter"): ModelFilter | null {
  if (input == null) return null;
  const conditions = input.metrics ?? [];
  if (conditions.length > MAX_METRIC_CONDITIONS) {
    throw new BadInputError(`${field}.metrics has more than ${MAX_METRIC_CONDITIONS} conditions`, `${field}.metrics`);
  }
  const metrics = conditions.map((c, i) => metricRange(c, `${field}.metrics[${i}]`)).sort(byKey);
  for (const [i, m] of metrics.entries()) {
    if (i > 0 && m.key === metrics[i - 1]?.key) {
      throw new BadInputError(
        `${field}.metrics names "${m.key}" twice: give one condition per key (gt and lt together make a range)`,
        `${field}.metrics`,
      );
    }
  }
  const tagEntries = input.tags == null ? [] : Object.entries(input.tags);
  if (input.tags != null && (typeof input.tags !== "object" || Array.isArray(input.tags))) {
    throw new BadInputError(`${field}.tags must be an object of tag values`, `${field}.tags`);
  }
  if (tagEntries.length > MAX_TAG_CONDITIONS) {
    throw new BadInputError(`${field}.tags has more than ${MAX_TAG_CONDITIONS} entries`, `${field}.tags`);
  }
  const tags = tagEntries.map(([key, value]) => tagMatch(key, value, `${field}.tags`)).sort(byKey);
  const framework = input.framework ?? null;
  if (framework !== null && !/^[A-Z_0-9]{1,32}$/.test(framework)) {
    throw new BadInputError(`${field}.framework ${quote(framework)} is not a framework`, `${field}.framework`);
  }
  const createdAfter = input.createdAfter == null ? null : epoch(input.createdAfter, `${field}.createdAfter`);
  const createdBefore = input.createdBefore == null ? null : epoch(input.createdBefore, `${field}.createdBefore`);
  const filter = { metrics, tags, framework, createdAfter, createdBefore };
  return isEmpty(filter) ? null : filter;
}

function isEmpty(f: ModelFilter): boolean {
  return f.metrics.length === 0 && f.tags.length === 0 && f.framework === null && f.createdAfter === null && f.createdBefore === null;
}

/** Whether `value` lies in `range`. */
export function inRange(range: MetricRange, value: number): boolean {
  const { lower, upper } = range;
  if (lower && (lower.inclusive ? value < lower.value : value <= lower.value)) return false;
  if (upper && (upper.inclusive ? value > upper.value : value >= upper.value)) return false;
  return true;
}

/** Whether no value can lie in `range` (its lower bound above its upper). */
export function isEmptyRange(range: MetricRange): boolean {
  const { lower, upper } = range;
  if (!lower || !upper) return false;
  return lower.value > upper.value || (lower.value === upper.value && !(lower.inclusive && upper.inclusive));
}
