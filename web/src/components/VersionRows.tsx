import { useEffect } from "react";
import { useQuery } from "urql";
import { Link } from "wouter";
import { ModelVersionsDocument, type AliasInfoFragment, type ModelVersionsQueryVariables } from "../generated/graphql";
import { AliasBadges } from "./AliasBadges";
import { formatBytes, formatDate, formatMetric } from "../lib/format";

/** What a page of rows tells the table: whether more follow, and from where. */
export interface PageEnd {
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
  readonly totalCount: number;
  /** Metric keys of this page's versions (the table's columns before the chart's data is in). */
  readonly metricKeys: readonly string[];
  readonly fetching: boolean;
  readonly error?: Error;
}

/** Characters of a description a row shows: a description may be 64 Ki; its version's page shows it whole. */
const PREVIEW_CHARS = 300;

/** The start of `description`, cut at a character (never inside a surrogate pair), with an ellipsis when cut. */
function preview(description: string | null | undefined): string {
  if (!description) return "";
  if (description.length <= PREVIEW_CHARS) return description;
  const end = /[\ud800-\udbff]/.test(description[PREVIEW_CHARS - 1]!) ? PREVIEW_CHARS - 1 : PREVIEW_CHARS;
  return `${description.slice(0, end)}…`;
}

/**
 * One keyset page of a family's versions, as table rows: the server sorts (a
 * metric, missing values last, or the version), so pages follow on from each
 * other's end cursor and stay stable while versions are added.
 */
export function VersionRows(props: {
  readonly variables: ModelVersionsQueryVariables;
  readonly metricKeys: readonly string[];
  /** The family's aliases by version: badges beside each version. */
  readonly aliases: ReadonlyMap<number, readonly AliasInfoFragment[]>;
  readonly selected: ReadonlySet<number>;
  readonly onSelect: (version: number, on: boolean) => void;
  readonly onPage: (end: PageEnd) => void;
}) {
  const { variables, metricKeys, aliases, selected, onSelect, onPage } = props;
  const [{ data, fetching, error }] = useQuery({ query: ModelVersionsDocument, variables });
  const connection = data?.models;
  useEffect(() => {
    onPage({
      hasNextPage: connection?.pageInfo.hasNextPage ?? false,
      endCursor: connection?.pageInfo.endCursor ?? null,
      totalCount: connection?.totalCount ?? 0,
      metricKeys: [...new Set(connection?.nodes.flatMap((model) => model.metrics.map((metric) => metric.key)))],
      fetching,
      ...(error ? { error } : {}),
    });
  }, [connection, fetching, error, onPage]);
  const base = `/projects/${encodeURIComponent(variables.project)}/models/${encodeURIComponent(variables.name)}`;
  return (
    <>
      {connection?.nodes.map((model) => {
        const values = new Map(model.metrics.map((m) => [m.key, m.value]));
        return (
          <tr key={model.id}>
            <td>
              <input
                type="checkbox"
                aria-label={`Select version ${model.version} to compare`}
                checked={selected.has(model.version)}
                onChange={(e) => onSelect(model.version, e.target.checked)}
              />
            </td>
            <th scope="row" className="num">
              <Link href={`${base}/versions/${model.version}`}>v{model.version}</Link>
              <AliasBadges aliases={aliases.get(model.version)} />
            </th>
            {metricKeys.map((key) => (
              <td key={key} className="num">
                {formatMetric(values.get(key))}
              </td>
            ))}
            <td>{formatDate(model.createdAt)}</td>
            <td className="num">{formatBytes(model.sizeBytes)}</td>
            <td className="description">
              <span className="clamp">{preview(model.description)}</span>
            </td>
          </tr>
        );
      })}
    </>
  );
}
