import { useQuery } from "urql";
import { Link, useParams, useSearch } from "wouter";
import { ModelForCompareDocument, type VersionDetailFragment } from "../generated/graphql";
import { ParentRef } from "../components/LineageFacts";
import { ErrorMessage, Empty, Loading } from "../components/Status";
import { formatBytes, formatDelta, formatMetric } from "../lib/format";
import { useTitle } from "../lib/title";
import { versionOf } from "../lib/url";

const MAX = 4;

/** Versions named by `?v=1,2` (2 to 4), in order, each a version number (`versionOf`). */
function versionsOf(search: string): number[] {
  const listed = new URLSearchParams(search).get("v")?.split(",") ?? [];
  const versions = listed.map(versionOf).filter((v) => v !== null);
  return [...new Set(versions)].slice(0, MAX);
}

/** One version of the comparison (a fixed number of hooks: unused slots are paused). */
function useVersion(project: string, name: string, version: number | undefined) {
  const [result] = useQuery({
    query: ModelForCompareDocument,
    variables: { project, name, version: version ?? 1 },
    pause: version === undefined,
  });
  return result;
}

/** 2 to 4 versions side by side: metrics with deltas against the first, lineage, signature, tags, files (same or changed by sha256). */
export function ComparePage() {
  const { project, name } = useParams<{ project: string; name: string }>();
  useTitle(`Compare ${name}`);
  const versions = versionsOf(useSearch());
  const results = [
    useVersion(project, name, versions[0]),
    useVersion(project, name, versions[1]),
    useVersion(project, name, versions[2]),
    useVersion(project, name, versions[3]),
  ].slice(0, versions.length);
  const familyUrl = `/projects/${encodeURIComponent(project)}/models/${encodeURIComponent(name)}`;
  const error = results.find((r) => r.error)?.error;
  const models = results.map((r) => r.data?.model);
  const loaded = results.every((r) => r.data) ? models.filter((m): m is VersionDetailFragment => !!m) : null;

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/">Projects</Link> / <Link href={`/projects/${encodeURIComponent(project)}`}>{project}</Link> /{" "}
        <Link href={familyUrl}>{name}</Link> / <span aria-current="page">compare</span>
      </nav>
      <h1>
        Compare {name} {versions.map((v) => `v${v}`).join(", ")}
      </h1>
      {versions.length < 2 && (
        <Empty>
          Pick 2 to 4 versions in <Link href={familyUrl}>the list of versions</Link>.
        </Empty>
      )}
      {error && <ErrorMessage error={error} />}
      {versions.length >= 2 && !loaded && !error && <Loading what="the versions" />}
      {loaded && loaded.length < versions.length && <Empty>Some of these versions do not exist (any more).</Empty>}
      {loaded && loaded.length >= 2 && <Comparison models={loaded} familyUrl={familyUrl} />}
    </>
  );
}

type Lineage = NonNullable<VersionDetailFragment["lineage"]>;

/** The lineage's parts as one line of text each (empty when absent), compared cell by cell. */
const LINEAGE_ROWS: readonly (readonly [string, (lineage: Lineage) => string])[] = [
  [
    "Training data",
    ({ trainingDataset: d }) =>
      d ? [d.name, d.version && `version ${d.version}`, d.uri, d.digest && `${d.digest.slice(0, 20)}…`].filter(Boolean).join(", ") : "",
  ],
  ["Run", ({ run }) => (run ? [run.id, run.uri].filter(Boolean).join(", ") : "")],
  [
    "Program",
    ({ program: p }) =>
      p ? [p.repository, p.gitCommit && `commit ${p.gitCommit.slice(0, 12)}`, p.entryPoint].filter(Boolean).join(", ") : "",
  ],
  ["Environment", ({ environment }) => environment ?? ""],
];

function Comparison({ models, familyUrl }: { models: readonly VersionDetailFragment[]; familyUrl: string }) {
  const first = models[0]!;
  const metricKeys = [...new Set(models.flatMap((m) => m.metrics.map((metric) => metric.key)))].sort();
  const tagKeys = [...new Set(models.flatMap((m) => Object.keys(m.tags)))].sort();
  const paths = [...new Set(models.flatMap((m) => m.files.map((f) => f.path)))].sort();
  const metricOf = (model: VersionDetailFragment, key: string) => model.metrics.find((m) => m.key === key)?.value;
  const header = (
    <thead>
      <tr>
        <th scope="col">
          <span className="visually-hidden">Item</span>
        </th>
        {models.map((m) => (
          <th scope="col" key={m.version} className="num">
            <Link href={`${familyUrl}/versions/${m.version}`}>v{m.version}</Link>
          </th>
        ))}
      </tr>
    </thead>
  );
  const signatureText = (m: VersionDetailFragment) =>
    m.signature
      ? [
          ...m.signature.inputs.map((f) => `in ${f.name ?? "?"}: ${f.type}`),
          ...m.signature.outputs.map((f) => `out ${f.name ?? "?"}: ${f.type}`),
        ].join("; ")
      : "none";
  return (
    <>
      <h2>Metrics</h2>
      {metricKeys.length === 0 ? (
        <Empty>None of these versions has metrics.</Empty>
      ) : (
        <table className="data compare">
          <caption className="visually-hidden">Metrics, with the difference to v{first.version}</caption>
          {header}
          <tbody>
            {metricKeys.map((key) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                {models.map((m, i) => {
                  const value = metricOf(m, key);
                  const base = metricOf(first, key);
                  return (
                    <td key={m.version} className="num">
                      {formatMetric(value)}
                      {i > 0 && value !== undefined && base !== undefined && <span className="delta"> ({formatDelta(value - base)})</span>}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Lineage</h2>
      {models.every((m) => !m.lineage) ? (
        <Empty>None of these versions has lineage.</Empty>
      ) : (
        <table className="data compare text">
          <caption className="visually-hidden">Lineage of each version</caption>
          {header}
          <tbody>
            {LINEAGE_ROWS.map(([label, text]) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                {models.map((m) => (
                  <td key={m.version}>{(m.lineage && text(m.lineage)) || "–"}</td>
                ))}
              </tr>
            ))}
            <tr>
              <th scope="row">Parents</th>
              {models.map((m) => (
                <td key={m.version}>
                  {m.lineage?.parents.length
                    ? m.lineage.parents.map((parent, i) => (
                        <span key={`${parent.project}/${parent.name}/${parent.version}`}>
                          {i > 0 && ", "}
                          <ParentRef parent={parent} from={m.project} />
                        </span>
                      ))
                    : "–"}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      )}

      <h2>Signature</h2>
      <table className="data compare">
        {header}
        <tbody>
          <tr>
            <th scope="row">Fields</th>
            {models.map((m) => (
              <td key={m.version}>{signatureText(m)}</td>
            ))}
          </tr>
        </tbody>
      </table>

      <h2>Tags</h2>
      {tagKeys.length === 0 ? (
        <Empty>No tags.</Empty>
      ) : (
        <table className="data compare">
          {header}
          <tbody>
            {tagKeys.map((key) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                {models.map((m) => (
                  <td key={m.version}>{Object.hasOwn(m.tags, key) ? JSON.stringify(m.tags[key]) : "–"}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Files</h2>
      {paths.length === 0 ? (
        <Empty>No files.</Empty>
      ) : (
        <table className="data compare">
          <caption className="visually-hidden">Files, compared by sha256 with v{first.version}</caption>
          {header}
          <tbody>
            {paths.map((path) => {
              const base = first.files.find((f) => f.path === path);
              return (
                <tr key={path}>
                  <th scope="row">{path}</th>
                  {models.map((m, i) => {
                    const file = m.files.find((f) => f.path === path);
                    const verdict = !file ? "absent" : i === 0 ? "" : !base ? "added" : base.sha256 === file.sha256 ? "same" : "changed";
                    return (
                      <td key={m.version} className={verdict ? `file-${verdict}` : undefined}>
                        {file ? formatBytes(file.sizeBytes) : ""}
                        {verdict && ` ${verdict}`}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
