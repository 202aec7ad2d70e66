import type { Framework, MetricCondition, ModelFilter } from "../generated/graphql";

/** A metric condition's operator, as `MetricCondition` names it. */
export type Operator = "lt" | "lte" | "gt" | "gte" | "eq";

/** The operators in the order offered, with how the URL spells them and how a person reads them. */
export const OPERATORS: readonly { readonly op: Operator; readonly url: string; readonly symbol: string; readonly words: string }[] = [
  { op: "lt", url: "<", symbol: "<", words: "less than" },
  { op: "lte", url: "<=", symbol: "≤", words: "at most" },
  { op: "gt", url: ">", symbol: ">", words: "more than" },
  { op: "gte", url: ">=", symbol: "≥", words: "at least" },
  { op: "eq", url: "=", symbol: "=", words: "equal to" },
];

const operator = (op: Operator) => OPERATORS.find((o) => o.op === op)!;

/** Every framework of the schema's enum: a record, so the build fails when the schema gains one. */
const FRAMEWORK_NAMES: Record<Framework, true> = {
  CATBOOST: true,
  CRATE: true,
  FASTAI: true,
  GLUON: true,
  H2O: true,
  KERAS: true,
  LIGHTGBM: true,
  MLEAP: true,
  ONNX: true,
  OTHER: true,
  PYTHON_FUNCTION: true,
  PYTORCH: true,
  SKLEARN: true,
  SPACY: true,
  SPARK: true,
  STATSMODELS: true,
  TENSORFLOW: true,
  XGBOOST: true,
};
/** The frameworks `ModelFilter.framework` takes, in the schema's order. */
export const FRAMEWORKS = Object.keys(FRAMEWORK_NAMES) as Framework[];

export interface MetricRow {
  key: string;
  op: Operator;
  /** As typed: checked to be a number before anything is sent. */
  value: string;
}
export interface TagRow {
  key: string;
  value: string;
}
/** A filter as the form and the URL hold it: text, not yet checked. */
export interface FilterDraft {
  readonly metrics: readonly MetricRow[];
  readonly tags: readonly TagRow[];
  readonly framework: string;
}

// Metric keys follow the name rule, so no operator character is part of one.
const CONDITION = /^([^<>=]*)(<=|>=|<|>|=)(.*)$/;

/** The filter a family page's query string holds: `where=accuracy>=0.9` (repeated), `tag=team=vision` (repeated), `framework=PYTORCH`. */
export function readFilter(params: URLSearchParams): FilterDraft {
  const metrics = params.getAll("where").map((text): MetricRow => {
    const [, key = text, url = "=", value = ""] = CONDITION.exec(text) ?? [];
    return { key, op: OPERATORS.find((o) => o.url === url)!.op, value };
  });
  const tags = params.getAll("tag").map((text): TagRow => {
    const at = text.indexOf("=");
    return at < 0 ? { key: text, value: "" } : { key: text.slice(0, at), value: text.slice(at + 1) };
  });
  return { metrics, tags, framework: params.get("framework") ?? "" };
}

const blank = (row: { key: string; value: string }) => !row.key.trim() && !row.value.trim();

/** The query-string changes that hold `draft` (empty rows left out), for `withParams`. */
export function filterParams(draft: FilterDraft): Record<string, readonly string[] | string | null> {
  return {
    where: draft.metrics.filter((r) => !blank(r)).map((r) => `${r.key.trim()}${operator(r.op).url}${r.value.trim()}`),
    tag: draft.tags.filter((r) => !blank(r)).map((r) => `${r.key.trim()}=${r.value}`),
    framework: draft.framework || null,
  };
}

/** Whether the draft holds any condition. */
export function hasConditions(draft: FilterDraft): boolean {
  return draft.metrics.some((r) => !blank(r)) || draft.tags.some((r) => !blank(r)) || draft.framework !== "";
}

/**
 * The `ModelFilter` for a draft (null: no condition), or what is wrong with it in
 * words. Numbers are checked here and never sent otherwise; the rest (a metric key's
 * rule, two lower bounds on one key, the caps) the server checks and answers with
 * BAD_USER_INPUT. Conditions on one key join into one range while their operators differ.
 */
export function toModelFilter(draft: FilterDraft): ModelFilter | null | string {
  const metrics: MetricCondition[] = [];
  for (const row of draft.metrics) {
    if (blank(row)) continue;
    const key = row.key.trim();
    const { symbol } = operator(row.op);
    if (!key) return `The condition “${symbol} ${row.value.trim()}” needs a metric name.`;
    const text = row.value.trim();
    const value = Number(text);
    if (text === "" || !Number.isFinite(value)) {
      return text === ""
        ? `The condition on “${key}” needs a number.`
        : `“${text}” is not a number (in the condition ${key} ${symbol} ${text}).`;
    }
    const joined = metrics.find((c) => c.key === key && c[row.op] == null && (row.op === "eq") === (c.eq != null));
    if (joined) joined[row.op] = value;
    else metrics.push({ key, [row.op]: value });
  }
  // A Map: a tag may be named `constructor` or `__proto__`, which a plain object already "has" or swallows.
  const tags = new Map<string, string>();
  for (const row of draft.tags) {
    if (blank(row)) continue;
    const key = row.key.trim();
    if (!key) return `The tag value “${row.value}” needs a tag name.`;
    if (key.includes("=")) return `A tag named with “=” (“${key}”) cannot be filtered on here.`;
    if (!row.value) return `The tag “${key}” needs a value to match.`;
    if (tags.has(key)) return `The tag “${key}” is given twice: a version has one value for it.`;
    tags.set(key, row.value);
  }
  const framework = draft.framework;
  if (framework && !Object.hasOwn(FRAMEWORK_NAMES, framework)) return `“${framework}” is not a framework.`;
  if (metrics.length === 0 && tags.size === 0 && !framework) return null;
  return {
    ...(metrics.length ? { metrics } : {}),
    ...(tags.size ? { tags: Object.fromEntries(tags) } : {}),
    ...(framework ? { framework: framework as Framework } : {}),
  };
}
