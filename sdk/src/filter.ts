import { RegistryError } from "./errors.js";
import type { ModelFilter as GraphQLModelFilter } from "./generated/graphql.js";
import type { JsonValue } from "./types.js";
import type { Framework } from "./types.js";

/** A condition on one metric: one bound, a range (a lower and an upper bound), or `eq`. */
export interface MetricCondition {
  readonly key: string;
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly eq?: number;
}

/** Which versions `getModels` and `getBestModel` consider: those matching every condition given. */
export interface ModelFilter {
  /** At most 16, one per key. */
  readonly metrics?: readonly MetricCondition[];
  /** Tags with exactly these values (strings, numbers or booleans); at most 16. */
  readonly tags?: Readonly<Record<string, string | number | boolean>>;
  readonly framework?: Framework;
  /** Created strictly after (a Date or an ISO 8601 date-time). */
  readonly createdAfter?: Date | string;
  /** Created strictly before (a Date or an ISO 8601 date-time). */
  readonly createdBefore?: Date | string;
}

const bad = (message: string, field = "where") => new RegistryError("BAD_USER_INPUT", message, { field });

const OPERATORS = [
  ["<=", "lte"],
  [">=", "gte"],
  ["==", "eq"],
  ["<", "lt"],
  [">", "gt"],
  ["=", "eq"],
] as const;
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * A condition written as `key<op>number`: `latency<20`, `accuracy>=0.9`, `epochs=10`
 * (`<`, `<=`, `>`, `>=`, `=` or `==`; spaces around the operator are allowed).
 * BAD_USER_INPUT for anything else, and for a number that is not finite.
 */
export function parseMetricCondition(text: string): MetricCondition {
  for (const [symbol, operator] of OPERATORS) {
    const at = text.indexOf(symbol);
    if (at < 0) continue;
    const key = text.slice(0, at).trim();
    const number = text.slice(at + symbol.length).trim();
    if (key === "" || /[<>=\s]/.test(key)) break;
    const value = Number(number);
    if (!NUMBER.test(number) || !Number.isFinite(value)) {
      throw bad(`${JSON.stringify(text)}: ${JSON.stringify(number)} is not a finite number`);
    }
    return { key, [operator]: value };
  }
  throw bad(`${JSON.stringify(text)} is not a metric condition: write key<op>number, e.g. latency<20 or accuracy>=0.9`);
}

/**
 * Conditions from several `key<op>number` texts, those on one key merged into a
 * range (`latency>5` and `latency<20`); BAD_USER_INPUT for two bounds on one side
 * of a key, or `=` with another condition on its key.
 */
export function parseMetricConditions(texts: readonly string[]): MetricCondition[] {
  const byKey = new Map<string, Record<string, number | string>>();
  for (const text of texts) {
    const { key, ...bound } = parseMetricCondition(text);
    const merged = byKey.get(key) ?? { key };
    for (const [operator, value] of Object.entries(bound)) {
      const side = operator.startsWith("g") ? "g" : operator.startsWith("l") ? "l" : "e";
      const clash = Object.keys(merged).some((k) => k !== "key" && (side === "e" || k === "eq" || k.startsWith(side)));
      if (clash) throw bad(`${JSON.stringify(text)}: "${key}" already has a condition on that side`);
      merged[operator] = value;
    }
    byKey.set(key, merged);
  }
  return [...byKey.values()] as unknown as MetricCondition[];
}

function dateTime(value: Date | string, field: string): string {
  const date = typeof value === "string" ? new Date(value) : value;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw bad(`${field} is not a valid date-time`, field);
  return date.toISOString();
}

/** The GraphQL `ModelFilter` of a filter (dates as ISO 8601). */
export function toFilterInput(filter: ModelFilter | undefined): GraphQLModelFilter | undefined {
  if (filter === undefined) return undefined;
  return {
    metrics: filter.metrics?.map((c) => ({ ...c })),
    tags: filter.tags as Record<string, JsonValue> | undefined,
    framework: filter.framework,
    createdAfter: filter.createdAfter === undefined ? undefined : dateTime(filter.createdAfter, "createdAfter"),
    createdBefore: filter.createdBefore === undefined ? undefined : dateTime(filter.createdBefore, "createdBefore"),
  };
}
