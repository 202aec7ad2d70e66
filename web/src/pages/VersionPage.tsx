import { lazy, Suspense, useState } from "react";
import { useQuery } from "urql";
import { Link, useLocation, useParams } from "wouter";
import { ModelVersionDocument } from "../generated/graphql";
import { DeleteVersion } from "../components/DeleteVersion";
import { DownloadLink } from "../components/DownloadLink";
import { LineageFacts, versionUrl } from "../components/LineageFacts";
import { VersionAliases } from "../components/VersionAliases";
import { SignatureTable } from "../components/SignatureTable";
import { Snippets } from "../components/Snippets";
import { Empty, ErrorMessage, LiveStopped, Loading } from "../components/Status";
import { useFamilyAliases } from "../lib/aliases";
import { fileNameOf } from "../lib/download";
import { formatBytes, formatDate, formatMetric } from "../lib/format";
import { useLiveEvents, type LiveEvents } from "../lib/live";
import { useMayWrite } from "../lib/permissions";
import { useTitle } from "../lib/title";
import { versionOf } from "../lib/url";

// markdown-it loads with the first model card shown.
const Markdown = lazy(() => import("../components/Markdown").then((module) => ({ default: module.Markdown })));

/**
 * One version: metadata, its aliases (set and removed here when the key may write),
 * metrics, lineage and derived versions, signature, example, tags, files, its model
 * card, how to fetch it, delete. It follows the family's live events: a version edited,
 * aliased or deleted elsewhere is shown as it is now, without a reload.
 */
export function VersionPage() {
  const { project, name, version } = useParams<{ project: string; name: string; version: string }>();
  return <VersionView project={project} name={name} version={version} />;
}

/**
 * What the latest event did to the version on screen, in words ("" for any other event).
 * Alias changes are not said here: the aliases' section shows them, and says this page's own.
 */
function liveNote(event: LiveEvents["event"], version: number): string {
  if (!event || event.version !== version) return "";
  if (event.type === "UPDATED") return "Live: this version was edited.";
  if (event.type === "OVERWRITTEN") return "Live: this version was replaced.";
  return "";
}

/** The version page's content for a version number as the URL spells it; `via`: the alias the URL named instead. */
export function VersionView(props: { project: string; name: string; version: string; via?: string }) {
  const { project, name, via } = props;
  const params = { version: props.version };
  const version = versionOf(params.version) ?? 0;
  useTitle(`${name} v${params.version}`);
  const [, navigate] = useLocation();
  const valid = version > 0;
  const [{ data, fetching, stale, error }] = useQuery({
    query: ModelVersionDocument,
    variables: { project, name, version },
    pause: !valid,
  });
  const mayWrite = useMayWrite(project);
  const aliases = useFamilyAliases(project, name, !valid);
  const familyUrl = `/projects/${encodeURIComponent(project)}/models/${encodeURIComponent(name)}`;
  const model = data?.model;
  // The family's events invalidate the cached version (edited, overwritten, deleted) and
  // its alias list, so what is shown is asked again; a version the server answered this page
  // (not the cache's copy, which may be older) and now answers null for was deleted while it was open.
  const live = useLiveEvents({ project, name });
  const shownKey = `${project}\n${name}\n${version}`;
  const [lastShown, setLastShown] = useState<string | null>(null);
  if (model && !stale && lastShown !== shownKey) setLastShown(shownKey);
  const deletedMeanwhile = data && !model && lastShown === shownKey;
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/">Projects</Link> / <Link href={`/projects/${encodeURIComponent(project)}`}>{project}</Link> /{" "}
        <Link href={familyUrl}>{name}</Link> / <span aria-current="page">{via ?? `v${params.version}`}</span>
      </nav>
      <h1>
        {name} v{params.version}
      </h1>
      {via && (
        <p className="hint">
          Reached through the alias <strong>{via}</strong>: this address follows it when it moves.
        </p>
      )}
      {!valid && <Empty>“{params.version}” is not a version number.</Empty>}
      {valid && live.stopped && <LiveStopped error={live.stopped} onResume={live.resume} resumesIn={live.resumesIn} />}
      {error && <ErrorMessage error={error} />}
      {fetching && !data && <Loading what="the version" />}
      <div className="live" role="status" aria-live="polite">
        {liveNote(live.event, version)}
        {deletedMeanwhile && (
          <p className="status empty deleted">
            This version was deleted while its page was open. <Link href={familyUrl}>See the versions of {name}</Link>.
          </p>
        )}
      </div>
      {data && !model && !deletedMeanwhile && (
        <Empty>
          There is no version {version} of {name}. <Link href={familyUrl}>See its versions</Link>.
        </Empty>
      )}
      {model && (
        <>
          {model.description && <p className="lead">{model.description}</p>}
          <dl className="facts">
            <dt>Created</dt>
            <dd>
              {formatDate(model.createdAt)}
              {model.createdBy ? ` by ${model.createdBy}` : ""}
            </dd>
            <dt>Framework</dt>
            <dd>{model.framework ?? "not given"}</dd>
            <dt>Size</dt>
            <dd>
              {formatBytes(model.sizeBytes)} in {model.files.length} {model.files.length === 1 ? "file" : "files"}
            </dd>
            <dt>Revision</dt>
            <dd>{model.revision}</dd>
            <dt>Status</dt>
            <dd>{model.status}</dd>
          </dl>
          <div className="archive">
            <DownloadLink
              href={model.archiveUrl}
              fileName={`${model.name}-${model.version}.tar`}
              target={{ project, name: model.name, version: model.version }}
              className="button"
            >
              Download all files (tar)
            </DownloadLink>
          </div>

          <VersionAliases project={project} name={name} version={version} aliases={aliases} mayWrite={mayWrite} familyUrl={familyUrl} />

          <h2>Metrics</h2>
          {model.metrics.length === 0 ? (
            <Empty>No metrics.</Empty>
          ) : (
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Metric</th>
                  <th scope="col" className="num">
                    Value
                  </th>
                </tr>
              </thead>
              <tbody>
                {model.metrics.map((metric) => (
                  <tr key={metric.key}>
                    <th scope="row">{metric.key}</th>
                    <td className="num">{formatMetric(metric.value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          <h2>Lineage</h2>
          {model.lineage ? (
            <LineageFacts lineage={model.lineage} project={project} name={model.name} version={model.version} files={model.files} />
          ) : (
            <Empty>No lineage was given.</Empty>
          )}
          <h3>Versions derived from this one</h3>
          {model.derivedModels.nodes.length === 0 ? (
            <Empty>No version names this one as a parent.</Empty>
          ) : (
            <ul className="inline-list">
              {model.derivedModels.nodes.map((derived) => (
                <li key={derived.id}>
                  <Link href={versionUrl(derived)}>
                    {derived.project === project ? "" : `${derived.project}/`}
                    {derived.name} v{derived.version}
                  </Link>
                </li>
              ))}
              {model.derivedModels.pageInfo.hasNextPage && <li>and more</li>}
            </ul>
          )}

          <h2>Signature</h2>
          {model.signature ? <SignatureTable signature={model.signature} /> : <Empty>No signature.</Empty>}

          <h2>Input example</h2>
          {model.inputExample === null || model.inputExample === undefined ? (
            <Empty>No input example.</Empty>
          ) : (
            <pre tabIndex={0} className="json">
              {JSON.stringify(model.inputExample, null, 2)}
            </pre>
          )}

          <h2>Tags</h2>
          {Object.keys(model.tags).length === 0 ? (
            <Empty>No tags.</Empty>
          ) : (
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Tag</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(model.tags).map(([key, value]) => (
                  <tr key={key}>
                    <th scope="row">{key}</th>
                    <td>{typeof value === "string" ? value : JSON.stringify(value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          <h2>Files</h2>
          {model.files.length === 0 ? (
            <Empty>No files (registered as metadata only).</Empty>
          ) : (
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col" className="num">
                    Size
                  </th>
                  <th scope="col">sha256</th>
                </tr>
              </thead>
              <tbody>
                {model.files.map((file) => (
                  <tr key={file.path}>
                    <th scope="row">
                      <DownloadLink
                        href={file.downloadUrl}
                        fileName={fileNameOf(file.path)}
                        target={{ project, name: model.name, version: model.version, path: file.path }}
                      >
                        {file.path}
                      </DownloadLink>
                    </th>
                    <td className="num">{formatBytes(file.sizeBytes)}</td>
                    <td>
                      <code title={file.sha256}>{file.sha256.slice(0, 12)}…</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          <h2>Model card</h2>
          {model.card ? (
            <Suspense fallback={<Loading what="the model card" />}>
              <Markdown source={model.card} />
            </Suspense>
          ) : (
            <Empty>No model card (a README.md at the top of the files).</Empty>
          )}

          <h2>Fetch it</h2>
          <Snippets project={project} name={name} version={version} archiveUrl={model.archiveUrl} />

          {mayWrite && (
            <>
              <h2>Delete</h2>
              <DeleteVersion project={project} name={name} version={version} onDeleted={() => navigate(familyUrl)} />
            </>
          )}
        </>
      )}
    </>
  );
}
