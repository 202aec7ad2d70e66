import { Link } from "wouter";
import type { LineageDetailFragment } from "../generated/graphql";
import { fileNameOf } from "../lib/download";
import { DownloadLink } from "./DownloadLink";

type Parent = LineageDetailFragment["parents"][number];

/** The page of a version, as the app's routes name it. */
export function versionUrl(ref: { project: string; name: string; version: number }): string {
  return `/projects/${encodeURIComponent(ref.project)}/models/${encodeURIComponent(ref.name)}/versions/${ref.version}`;
}

/** A URI written by whoever registered the version: a link only when it is http(s), else text. */
export function ExternalRef({ uri }: { uri: string }) {
  return /^https?:\/\//i.test(uri) ? (
    <a href={uri} rel="noreferrer noopener">
      {uri}
    </a>
  ) : (
    <code>{uri}</code>
  );
}

/** A parent: linked to its page while it exists and the key may read it; said otherwise. */
export function ParentRef({ parent, from }: { parent: Parent; from: string }) {
  const label = `${parent.project === from ? "" : `${parent.project}/`}${parent.name} v${parent.version}`;
  return parent.model ? (
    <Link href={versionUrl(parent)}>{label}</Link>
  ) : (
    <span>
      {label} <span className="hint">(deleted, or in a project this key may not read)</span>
    </span>
  );
}

/**
 * Where a version comes from: data set, run, program, environment file (a link to
 * the file when the version holds it) and parents (links to their pages). The
 * empty parts are left out.
 */
export function LineageFacts(props: {
  lineage: LineageDetailFragment;
  project: string;
  /** The version's name and number: its environment file is downloaded with a ticket. */
  name: string;
  version: number;
  files: readonly { path: string; downloadUrl: string }[];
}) {
  const { lineage, project, name, version, files } = props;
  const { trainingDataset: dataset, run, program, environment, parents } = lineage;
  const environmentFile = environment ? files.find((f) => f.path === environment) : undefined;
  return (
    <dl className="facts">
      {dataset && (
        <>
          <dt>Training data</dt>
          <dd>
            {dataset.name}
            {dataset.version ? ` (version ${dataset.version})` : ""}
            {dataset.uri && (
              <>
                {" at "}
                <ExternalRef uri={dataset.uri} />
              </>
            )}
            {dataset.digest && (
              <>
                {" "}
                <code title={dataset.digest}>{dataset.digest.slice(0, 20)}…</code>
              </>
            )}
          </dd>
        </>
      )}
      {run && (
        <>
          <dt>Run</dt>
          <dd>
            <code>{run.id}</code>
            {run.uri && (
              <>
                {" at "}
                <ExternalRef uri={run.uri} />
              </>
            )}
          </dd>
        </>
      )}
      {program && (
        <>
          <dt>Program</dt>
          <dd>
            {program.repository && <ExternalRef uri={program.repository} />}
            {program.gitCommit && (
              <>
                {" commit "}
                <code title={program.gitCommit}>{program.gitCommit.slice(0, 12)}</code>
              </>
            )}
            {program.entryPoint && (
              <>
                {", entry point "}
                <code>{program.entryPoint}</code>
              </>
            )}
          </dd>
        </>
      )}
      {environment && (
        <>
          <dt>Environment</dt>
          <dd>
            {environmentFile ? (
              <DownloadLink
                href={environmentFile.downloadUrl}
                fileName={fileNameOf(environment)}
                target={{ project, name, version, path: environmentFile.path }}
              >
                {environment}
              </DownloadLink>
            ) : (
              <code>{environment}</code>
            )}
          </dd>
        </>
      )}
      <dt>Parents</dt>
      <dd>
        {parents.length === 0 ? (
          "no parent version"
        ) : (
          <ul className="inline-list">
            {parents.map((parent) => (
              <li key={`${parent.project}/${parent.name}/${parent.version}`}>
                <ParentRef parent={parent} from={project} />
              </li>
            ))}
          </ul>
        )}
      </dd>
    </dl>
  );
}
