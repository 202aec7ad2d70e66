import { useMemo } from "react";
import { useQuery } from "urql";
import { Link, useParams } from "wouter";
import { ModelFamiliesWithBestDocument, type FamilyRowFragment, type ModelFamiliesWithBestQuery } from "../generated/graphql";
import { useFamilyPages } from "../components/FamilyPages";
import { Empty, ErrorMessage, LiveStopped, Loading } from "../components/Status";
import { formatDate, formatMetric } from "../lib/format";
import { useLiveEvents } from "../lib/live";
import { useMayWrite } from "../lib/permissions";
import { useTitle } from "../lib/title";
import { useQueryParams, withParams } from "../lib/url";

type Family = FamilyRowFragment & Partial<Pick<ModelFamiliesWithBestQuery["modelFamilies"]["nodes"][number], "best">>;
/** NAME and UPDATED are the server's orders (over every family); the others sort the families loaded. */
const SORTS = {
  name: "Name",
  updated: "Last update",
  versions: "Version count",
  latest: "Latest version",
  best: "Best metric",
} as const;
type Sort = keyof typeof SORTS;
/** With each family's best version the page is the document's (25): see families.graphql. */
const PAGE_WITH_BEST = 25;

const CLIENT_ORDER: Partial<Record<Sort, (a: Family, b: Family) => number>> = {
  versions: (a, b) => b.versionCount - a.versionCount,
  latest: (a, b) => b.latestVersion - a.latestVersion,
  // Families without the metric come last, as the server sorts versions.
  best: (a, b) => (b.best?.metric ?? -Infinity) - (a.best?.metric ?? -Infinity),
};

/** The models (families) of a project: search, sort, and each one's latest and best version. */
export function FamiliesPage() {
  const { project } = useParams<{ project: string }>();
  const mayWrite = useMayWrite(project);
  useTitle(`${project}: models`);
  const [params, setParams] = useQueryParams();
  const search = params.get("q") ?? "";
  const match = params.get("match") === "substring" ? "SUBSTRING" : "PREFIX";
  // The address is anyone's to write (a link in a model card): an unknown order, `__proto__` too, is by name.
  const requested = params.get("sort");
  const sort: Sort = requested !== null && Object.hasOwn(SORTS, requested) ? (requested as Sort) : "name";
  const metric = params.get("metric") ?? "";
  const update = (changes: Record<string, string>) => setParams((previous) => withParams(previous, changes), { replace: true });
  const listVariables = { project, search: search || null, match, orderBy: sort === "updated" ? "UPDATED" : "NAME" } as const;
  // Without a metric, page after page of 50 from each one's end cursor, as many as are asked for.
  const plain = useFamilyPages(listVariables, metric !== "");
  const [withBest] = useQuery({
    query: ModelFamiliesWithBestDocument,
    variables: { ...listVariables, metric, direction: "DESC" },
    pause: metric === "",
  });
  const { nodes, hasNextPage, fetching, error } = metric
    ? {
        nodes: withBest.data?.modelFamilies.nodes,
        hasNextPage: withBest.data?.modelFamilies.pageInfo.hasNextPage ?? false,
        fetching: withBest.fetching,
        error: withBest.error,
      }
    : plain.list;
  // Any change in the project shows up here (graphcache re-asks the list).
  const live = useLiveEvents({ project });
  const families = useMemo(() => {
    const shown: Family[] = [...(nodes ?? [])];
    const order = CLIENT_ORDER[sort];
    return order ? shown.sort(order) : shown;
  }, [nodes, sort]);
  const base = `/projects/${encodeURIComponent(project)}`;
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/">Projects</Link> / <span aria-current="page">{project}</span>
      </nav>
      <h1>Models in {project}</h1>
      {live.stopped && <LiveStopped error={live.stopped} onResume={live.resume} resumesIn={live.resumesIn} />}
      {mayWrite && (
        <p>
          <Link href={`${base}/upload`} className="button">
            Upload a new version
          </Link>
        </p>
      )}
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={search} onChange={(e) => update({ q: e.target.value })} />
        </label>
        <label>
          Match
          <select value={match === "SUBSTRING" ? "substring" : "prefix"} onChange={(e) => update({ match: e.target.value })}>
            <option value="prefix">Name starts with</option>
            <option value="substring">Name contains</option>
          </select>
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => update({ sort: e.target.value === "name" ? "" : e.target.value })}>
            {Object.entries(SORTS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Best by metric
          <input value={metric} placeholder="e.g. accuracy" onChange={(e) => update({ metric: e.target.value.trim() })} />
        </label>
      </form>
      {plain.loaders}
      {CLIENT_ORDER[sort] && nodes && <p className="hint">Sorted among the {families.length} models loaded.</p>}
      {error && <ErrorMessage error={error} />}
      {fetching && !nodes && <Loading what="models" />}
      {nodes && families.length === 0 && (
        <Empty>
          {search ? `No model name ${match === "PREFIX" ? "starts with" : "contains"} “${search}”.` : "This project holds no model yet."}
        </Empty>
      )}
      {families.length > 0 && (
        <table className="data">
          <caption className="visually-hidden">Models of {project}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="num">
                Versions
              </th>
              <th scope="col" className="num">
                Latest version
              </th>
              <th scope="col">Last update</th>
              {metric && (
                <th scope="col" className="num">
                  Best {metric}
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {families.map((family) => {
              const familyUrl = `${base}/models/${encodeURIComponent(family.name)}`;
              return (
                <tr key={family.name}>
                  <th scope="row">
                    <Link href={familyUrl}>{family.name}</Link>
                  </th>
                  <td className="num">{family.versionCount}</td>
                  <td className="num">
                    <Link href={`${familyUrl}/versions/${family.latestVersion}`}>v{family.latestVersion}</Link>
                  </td>
                  <td>{formatDate(family.updatedAt)}</td>
                  {metric && (
                    <td className="num">
                      {family.best ? (
                        <Link href={`${familyUrl}/versions/${family.best.version}`}>
                          {formatMetric(family.best.metric)} (v{family.best.version})
                        </Link>
                      ) : (
                        "–"
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {metric && hasNextPage && (
        <p className="hint">The first {PAGE_WITH_BEST} models are shown with their best version: search to narrow them.</p>
      )}
      {!metric && hasNextPage && (
        <button type="button" onClick={() => plain.loadMore()} disabled={fetching}>
          Load more models
        </button>
      )}
    </>
  );
}
