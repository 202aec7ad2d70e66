import { CopyText } from "./CopyText";

/** How to fetch this version from a script, the terminal or plain HTTP. */
export function Snippets({ project, name, version, archiveUrl }: { project: string; name: string; version: number; archiveUrl: string }) {
  const url = `${location.origin}/graphql`;
  const quoted = JSON.stringify;
  const sdk = [
    `import { connection } from "@homer/sdk";`,
    ``,
    `const registry = await connection({ url: ${quoted(url)}, apiKey: process.env.HOMER_API_KEY, project: ${quoted(project)} }).getModelRegistry();`,
    `const model = await registry.getModel({ name: ${quoted(name)}, version: ${version} });`,
    `await model?.download("./${name}-v${version}");`,
  ].join("\n");
  const cli = `homer --url ${url} --project ${project} pull ${name}@${version} --out ./${name}-v${version}`;
  const curl = `curl -fL -H "authorization: Bearer $HOMER_API_KEY" -o ${name}-v${version}.tar ${quoted(archiveUrl)}`;
  return (
    <>
      <CopyText label="SDK (TypeScript)" text={sdk} />
      <CopyText label="CLI" text={cli} />
      <CopyText label="curl (archive)" text={curl} />
    </>
  );
}
