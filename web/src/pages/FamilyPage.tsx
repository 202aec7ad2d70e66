import { lazy, Suspense, useCallback, useMemo, useState } from "react";
import { useQuery } from "urql";
import { Link, useParams } from "wouter";
import { MetricSeriesDocument, type ModelVersionsQueryVariables } from "../generated/graphql";
import type { MetricSeries } from "../components/MetricChart";
import { ErrorMessage, Empty, LiveStopped, Loading } from "../components/Status";
import { VersionFilter } from "../components/VersionFilter";
import { VersionRows, type PageEnd } from "../components/VersionRows";
import { useFamilyAliases } from "../lib/aliases";
import { filterParams, readFilter, toModelFilter, type FilterDraft } from "../lib/filter";
import { formatMetric } from "../lib/format";
import { useLiveEvents } from "../lib/live";
import { useMayWrite } from "../lib/permissions";
import { useTitle } from "../lib/title";
import { useQueryParams, withParams } from "../lib/url";

// uPlot loads beside the table's data, not before the first view.
const MetricChart = lazy(() => import("../components/MetricChart").then((module) => ({ default: module.MetricChart })));

/** Versions a page of the table holds. */
const PAGE = 50;
/** The chart shows this many of the latest versions (the server's largest page). */
const CHART_VERSIONS = 500;

/**
 * A family: its versions (sortable by any metric, paged, each with its aliases), a
 * filter (metric thresholds, tags, framework) over the table and the chart, a chart
 * of chosen metrics, and picks to compare.
 */
export function FamilyPage() {
  const { project, name } = useParams<{ project: string; name: string }>();
  const mayWrite = useMayWrite(project);
  useTitle(name);
  const [params, setParams] = useQueryParams();
  const sortKey = params.get("sort") || null;
  const direction = params.get("dir") === "asc" ? "ASC" : "DESC";
  const lowerIsBetter = params.get("best") === "low";
  const setParam = (changes: Record<string, string | null>) => setParams((previous) => withParams(previous, changes), { replace: true });
  // The filter is the URL's: applying one is a history entry of its own (the back button undoes it).
  const filterKey = ["where", "tag", "framework"].map((key) => params.getAll(key).join("\n")).join("\n\n");
  const draft = useMemo(() => readFilter(params), [filterKey]);
  const checked = useMemo(() => toModelFilter(draft), [draft]);
  const filter = typeof checked === "string" ? null : checked;
  const filterInvalid = typeof checked === "string";
  const applyFilter = (next: FilterDraft | null) =>
    setParams((previous) => withParams(previous, next ? filterParams(next) : { where: null, tag: null, framework: null }));

  const [dataShown, setDataShown] = useState(false);
  const [lastPage, setLastPage] = useState<PageEnd | null>(null);
  const [pageKeys, setPageKeys] = useState<readonly string[]>([]);
  const addPageKeys = useCallback(
    (end: PageEnd) =>
      setPageKeys((known) => (end.metricKeys.every((key) => known.includes(key)) ? known : [...new Set([...known, ...end.metricKeys])])),
    [],
  );
  const onLastPage = useCallback((end: PageEnd) => (setLastPage(end), addPageKeys(end)), [addPageKeys]);
  // The table's first page is asked first and alone (the gateway answers one at a time): the chart follows.
  const firstPageIn = lastPage !== null && !(lastPage.fetching && lastPage.totalCount === 0);
  const [series] = useQuery({
    query: MetricSeriesDocument,
    variables: { project, name, filter, first: CHART_VERSIONS },
    pause: filterInvalid || !firstPageIn,
  });
  // The aliases' badges follow the table's first page too (a small list, one statement).
  const aliases = useFamilyAliases(project, name, !firstPageIn);
  const live = useLiveEvents({ project, name });
  const chartModels = useMemo(() => [...(series.data?.models.nodes ?? [])].reverse(), [series.data]);
  const metricKeys = useMemo(
    () => [...new Set([...pageKeys, ...chartModels.flatMap((m) => m.metrics.map((metric) => metric.key))])].sort(),
    [chartModels, pageKeys],
  );
  const chosen =
    params
      .get("chart")
      ?.split(",")
      .filter((key) => metricKeys.includes(key)) ?? metricKeys.slice(0, 1);
  const versions = useMemo(() => chartModels.map((m) => m.version), [chartModels]);
  const chosenKey = chosen.join(",");
  const chartSeries = useMemo<MetricSeries[]>(
    () =>
      chosenKey
        .split(",")
        .filter(Boolean)
        .map((key) => {
          const values = chartModels.map((m) => m.metrics.find((metric) => metric.key === key)?.value ?? null);
          let bestVersion: number | null = null;
          let bestValue = 0;
          values.forEach((value, i) => {
            if (value === null) return;
            if (bestVersion === null || (lowerIsBetter ? value < bestValue : value > bestValue)) {
              bestVersion = chartModels[i]!.version;
              bestValue = value;
            }
          });
          return { key, values, bestVersion };
        }),
    [chartModels, chosenKey, lowerIsBetter],
  );

  // Keyset pages: each is asked from the end cursor of the one before (a new filter or sort starts over).
  const listVariables = useMemo(
    () => ({ project, name, sortKey, direction, filter, first: PAGE }) satisfies ModelVersionsQueryVariables,
    [project, name, sortKey, direction, filter],
  );
  const listKey = JSON.stringify(listVariables);
  const [cursors, setCursors] = useState<{ key: string; after: (string | null)[] }>({ key: listKey, after: [null] });
  const after = cursors.key === listKey ? cursors.after : [null];
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const onSelect = useCallback(
    (version: number, on: boolean) =>
      setSelected((previous) => {
        const next = new Set(previous);
        if (on) next.add(version);
        else next.delete(version);
        return next;
      }),
    [],
  );

  const base = `/projects/${encodeURIComponent(project)}/models/${encodeURIComponent(name)}`;
  const compared = [...selected].sort((a, b) => a - b);
  const sortBy = (key: string | null) => {
    const same = key === sortKey;
    setParam({ sort: key, dir: same && direction === "DESC" ? "asc" : null });
  };
  const ariaSort = (key: string | null) => (key === sortKey ? (direction === "ASC" ? "ascending" : "descending") : undefined);
  const sortButton = (key: string | null, label: string) => (
    <button type="button" className="sort" onClick={() => sortBy(key)}>
      {label}
      <span aria-hidden="true">{key === sortKey ? (direction === "ASC" ? " ▲" : " ▼") : ""}</span>
    </button>
  );
  const total = series.data?.models.totalCount;
  // totalCount is the family's whatever the filter: the chart's page counts the matches when it holds them all.
  const matches = series.data && !series.data.models.pageInfo.hasNextPage ? series.data.models.nodes.length : undefined;
  const noVersion = filter ? matches === 0 : total === 0;
  const counted = filter
    ? series.data && (matches === undefined ? `more than ${CHART_VERSIONS} of ${total} match` : `${matches} of ${total} match`)
    : lastPage && !lastPage.fetching
      ? lastPage.totalCount
      : undefined;
  const event = live.event;

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/">Projects</Link> / <Link href={`/projects/${encodeURIComponent(project)}`}>{project}</Link> /{" "}
        <span aria-current="page">{name}</span>
      </nav>
      <h1>{name}</h1>
      <p className="actions">
        {mayWrite && (
          <Link href={`/projects/${encodeURIComponent(project)}/upload?name=${encodeURIComponent(name)}`} className="button">
            Upload a new version
          </Link>
        )}{" "}
        {compared.length >= 2 && compared.length <= 4 ? (
          <Link href={`${base}/compare?v=${compared.join(",")}`} className="button">
            Compare {compared.length} versions
          </Link>
        ) : (
          <span className="hint">Select 2 to 4 versions to compare them.</span>
        )}
      </p>
      <p className="live" role="status" aria-live="polite">
        {event ? `Live: version ${event.version} ${event.type.toLowerCase()}.` : ""}
      </p>
      {live.stopped && <LiveStopped error={live.stopped} onResume={live.resume} resumesIn={live.resumesIn} />}
      <VersionFilter key={filterKey} applied={draft} metricKeys={metricKeys} onApply={applyFilter} />
      {series.error && <ErrorMessage error={series.error} />}
      {series.fetching && !series.data && <Loading what="versions" />}
      {series.data &&
        noVersion &&
        (filter ? (
          <Empty>No version matches this filter.</Empty>
        ) : (
          <Empty>This model has no version (it may have just been deleted).</Empty>
        ))}

      {metricKeys.length > 0 && !filterInvalid && !noVersion && (
        <section aria-labelledby="chart-title">
          <h2 id="chart-title">Metrics across versions</h2>
          <fieldset className="metric-picks">
            <legend>Metrics on the chart</legend>
            {metricKeys.map((key) => (
              <label key={key}>
                <input
                  type="checkbox"
                  checked={chosen.includes(key)}
                  onChange={(e) =>
                    setParam({ chart: (e.target.checked ? [...chosen, key] : chosen.filter((k) => k !== key)).join(",") || "-" })
                  }
                />{" "}
                {key}
              </label>
            ))}
            <label>
              Best is{" "}
              <select value={lowerIsBetter ? "low" : "high"} onChange={(e) => setParam({ best: e.target.value === "low" ? "low" : null })}>
                <option value="high">the highest value</option>
                <option value="low">the lowest value</option>
              </select>
            </label>
          </fieldset>
          {chartSeries.length > 0 ? (
            <>
              <Suspense fallback={<Loading what="the chart" />}>
                <MetricChart versions={versions} series={chartSeries} />
              </Suspense>
              <p className="hint">
                {filter
                  ? matches === undefined
                    ? `The latest ${versions.length} matching versions (more match). `
                    : `All ${versions.length} matching versions (of ${total}). `
                  : total !== undefined && total > versions.length
                    ? `The latest ${versions.length} of ${total} versions. `
                    : `All ${versions.length} versions. `}
                {chartSeries
                  .map((s) => (s.bestVersion === null ? `${s.key}: no value` : `best ${s.key}: v${s.bestVersion} (circled)`))
                  .join("; ")}
              </p>
              <details onToggle={(e) => setDataShown(e.currentTarget.open)}>
                <summary>The chart's data as a table</summary>
                {/* Rendered when opened: up to 500 rows the first view need not build. */}
                {dataShown && (
                  <table className="data">
                    <caption className="visually-hidden">Metric values by version</caption>
                    <thead>
                      <tr>
                        <th scope="col">Version</th>
                        {chartSeries.map((s) => (
                          <th scope="col" key={s.key} className="num">
                            {s.key}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {versions.map((version, i) => (
                        <tr key={version}>
                          <th scope="row">v{version}</th>
                          {chartSeries.map((s) => (
                            <td key={s.key} className="num">
                              {formatMetric(s.values[i])}
                              {s.bestVersion === version ? " (best)" : ""}
                            </td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </details>
            </>
          ) : (
            <Empty>Choose a metric to draw.</Empty>
          )}
        </section>
      )}

      {/* Asked at once with the chart's query, not after it: the table is the first thing to show. */}
      {!noVersion && !filterInvalid && (
        <section aria-labelledby="versions-title">
          <h2 id="versions-title">Versions{counted !== undefined && counted !== null ? ` (${counted})` : ""}</h2>
          <table className="data">
            <caption className="visually-hidden">
              Versions of {name}
              {filter ? " that match the filter" : ""}, sorted by {sortKey ?? "version"} {direction === "ASC" ? "ascending" : "descending"}
            </caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Compare</span>
                </th>
                <th scope="col" aria-sort={ariaSort(null)}>
                  {sortButton(null, "Version")}
                </th>
                {metricKeys.map((key) => (
                  <th scope="col" key={key} aria-sort={ariaSort(key)} className="num">
                    {sortButton(key, key)}
                  </th>
                ))}
                <th scope="col">Created</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {after.map((cursor, i) => (
                <VersionRows
                  key={cursor ?? "first"}
                  variables={{ ...listVariables, after: cursor }}
                  metricKeys={metricKeys}
                  aliases={aliases.byVersion}
                  selected={selected}
                  onSelect={onSelect}
                  onPage={i === after.length - 1 ? onLastPage : addPageKeys}
                />
              ))}
            </tbody>
          </table>
          {/* The chart's query says the same refusal above (a filter the server does not take). */}
          {lastPage?.error && lastPage.error.message !== series.error?.message && <ErrorMessage error={lastPage.error} />}
          {lastPage?.fetching && <Loading what="versions" />}
          {lastPage?.hasNextPage && !lastPage.fetching && (
            <button type="button" onClick={() => setCursors({ key: listKey, after: [...after, lastPage.endCursor] })}>
              Load more versions
            </button>
          )}
        </section>
      )}
    </>
  );
}
