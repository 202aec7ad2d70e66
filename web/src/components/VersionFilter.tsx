import { useState, type FormEvent } from "react";
import {
  FRAMEWORKS,
  OPERATORS,
  hasConditions,
  toModelFilter,
  type FilterDraft,
  type MetricRow,
  type Operator,
  type TagRow,
} from "../lib/filter";

const EMPTY_METRIC: MetricRow = { key: "", op: "gte", value: "" };
const EMPTY_TAG: TagRow = { key: "", value: "" };

/** `rows` with row `i` changed by `change`. */
function edit<T>(rows: readonly T[], i: number, change: Partial<T>): T[] {
  return rows.map((row, j) => (j === i ? { ...row, ...change } : row));
}

/**
 * The family page's filter: metric thresholds (key, operator, value), tags
 * (key = value) and the framework. Applied on submit, as a new history entry (the
 * URL holds it: deep links and the back button); a number that is not one is said
 * in words and nothing is sent. `applied` is the filter in the URL: the form starts
 * from it (its parent gives it a new key when the URL changes).
 */
export function VersionFilter(props: {
  applied: FilterDraft;
  metricKeys: readonly string[];
  onApply: (draft: FilterDraft | null) => void;
}) {
  const { applied, metricKeys, onApply } = props;
  const [metrics, setMetrics] = useState<MetricRow[]>(applied.metrics.length ? [...applied.metrics] : [EMPTY_METRIC]);
  const [tags, setTags] = useState<TagRow[]>(applied.tags.length ? [...applied.tags] : [EMPTY_TAG]);
  const [framework, setFramework] = useState(applied.framework);
  const initialProblem = toModelFilter(applied);
  const [problem, setProblem] = useState<string | null>(typeof initialProblem === "string" ? initialProblem : null);
  const active = hasConditions(applied);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const draft = { metrics, tags, framework };
    const checked = toModelFilter(draft);
    if (typeof checked === "string") return setProblem(checked);
    setProblem(null);
    onApply(draft);
  };

  return (
    <details className="filter" open={active || problem !== null}>
      <summary>Filter versions{active ? " (filtered)" : ""}</summary>
      <form onSubmit={submit} noValidate>
        <datalist id="filter-metric-keys">
          {metricKeys.map((key) => (
            <option key={key} value={key} />
          ))}
        </datalist>
        <fieldset>
          <legend>Metric conditions</legend>
          {metrics.map((row, i) => (
            <div className="filter-row" key={i}>
              <label>
                Metric
                <input
                  value={row.key}
                  list="filter-metric-keys"
                  autoComplete="off"
                  onChange={(e) => setMetrics(edit(metrics, i, { key: e.target.value }))}
                />
              </label>
              <label>
                Operator
                <select value={row.op} onChange={(e) => setMetrics(edit(metrics, i, { op: e.target.value as Operator }))}>
                  {OPERATORS.map((o) => (
                    <option key={o.op} value={o.op}>
                      {o.symbol} {o.words}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Threshold
                <input
                  value={row.value}
                  inputMode="decimal"
                  autoComplete="off"
                  onChange={(e) => setMetrics(edit(metrics, i, { value: e.target.value }))}
                />
              </label>
              {metrics.length > 1 && (
                <button
                  type="button"
                  aria-label={`Remove metric condition ${i + 1}`}
                  onClick={() => setMetrics(metrics.filter((_, j) => j !== i))}
                >
                  Remove
                </button>
              )}
            </div>
          ))}
          <button type="button" onClick={() => setMetrics([...metrics, EMPTY_METRIC])}>
            Add a metric condition
          </button>
        </fieldset>
        <fieldset>
          <legend>Tags</legend>
          {tags.map((row, i) => (
            <div className="filter-row" key={i}>
              <label>
                Tag
                <input value={row.key} autoComplete="off" onChange={(e) => setTags(edit(tags, i, { key: e.target.value }))} />
              </label>
              <span aria-hidden="true">=</span>
              <label>
                Tag value
                <input value={row.value} autoComplete="off" onChange={(e) => setTags(edit(tags, i, { value: e.target.value }))} />
              </label>
              {tags.length > 1 && (
                <button type="button" aria-label={`Remove tag condition ${i + 1}`} onClick={() => setTags(tags.filter((_, j) => j !== i))}>
                  Remove
                </button>
              )}
            </div>
          ))}
          <button type="button" onClick={() => setTags([...tags, EMPTY_TAG])}>
            Add a tag condition
          </button>
          <p className="hint">A tag matches when the version has exactly this text as its value.</p>
        </fieldset>
        <label className="filter-framework">
          Framework
          <select value={framework} onChange={(e) => setFramework(e.target.value)}>
            <option value="">any</option>
            {FRAMEWORKS.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <div>
          <button type="submit">Apply the filter</button>{" "}
          {active && (
            <button type="button" onClick={() => onApply(null)}>
              Clear the filter
            </button>
          )}
        </div>
      </form>
    </details>
  );
}
