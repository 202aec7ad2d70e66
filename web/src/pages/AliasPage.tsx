import { useQuery } from "urql";
import { Link, useParams } from "wouter";
import { ModelByAliasDocument } from "../generated/graphql";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { aliasProblem } from "../lib/aliases";
import { useTitle } from "../lib/title";
import { VersionView } from "./VersionPage";

/**
 * A version by alias (`/projects/p/models/mnist/aliases/champion`): the version the
 * alias points at now, resolved by `model(name, alias:)`, shown as its own page.
 * The address stays the alias's, so a bookmark follows the alias when it moves.
 */
export function AliasPage() {
  const { project, name, alias } = useParams<{ project: string; name: string; alias: string }>();
  useTitle(`${name}@${alias}`);
  const wrong = aliasProblem(alias);
  const [{ data, fetching, error }] = useQuery({ query: ModelByAliasDocument, variables: { project, name, alias }, pause: wrong !== null });
  const familyUrl = `/projects/${encodeURIComponent(project)}/models/${encodeURIComponent(name)}`;
  if (data?.model) return <VersionView project={project} name={name} version={String(data.model.version)} via={alias} />;
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link href="/">Projects</Link> / <Link href={`/projects/${encodeURIComponent(project)}`}>{project}</Link> /{" "}
        <Link href={familyUrl}>{name}</Link> / <span aria-current="page">{alias}</span>
      </nav>
      <h1>
        {name}@{alias}
      </h1>
      {wrong && <Empty>{wrong}</Empty>}
      {error && <ErrorMessage error={error} />}
      {fetching && <Loading what="the version" />}
      {data && (
        <Empty>
          No alias {alias} points at a version of {name}. <Link href={familyUrl}>See its versions</Link>.
        </Empty>
      )}
    </>
  );
}
