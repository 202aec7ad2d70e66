import type { Client } from "@urql/core";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import type { FieldNode, OperationDefinitionNode } from "graphql";
import { fromCombinedError, RegistryError } from "./errors.js";

/** Runs one typed operation; any error becomes a RegistryError saying what was being done. */
export async function runOperation<D, V extends object>(
  client: Client,
  document: TypedDocumentNode<D, V>,
  variables: V,
  doing: string,
  kind: "query" | "mutation" = "query",
): Promise<D> {
  for (let attempt = 1; ; attempt++) {
    const result =
      kind === "mutation" ? await client.mutation(document, variables).toPromise() : await client.query(document, variables).toPromise();
    if (result.error) {
      const error = fromCombinedError(result.error, doing, result.operation.context.url);
      // A read answers CONFLICT only when a version it listed was deleted or replaced before its
      // large columns were read ("ask again"): asked again, it reads the versions as they are now.
      if (kind === "query" && error.code === "CONFLICT" && attempt < READ_ATTEMPTS) continue;
      throw error;
    }
    if (!result.data) throw new RegistryError("INTERNAL_SERVER_ERROR", `${doing}: the registry sent no data`);
    // A field asked for is in every answer (null when it has no value): one missing is an answer of another shape.
    const missing = askedFields(document).find((key) => (result.data as Record<string, unknown>)[key] === undefined);
    if (missing !== undefined) throw notShaped(doing, `its data has no ${JSON.stringify(missing)}`);
    return result.data;
  }
}

/** An answer the SDK cannot read as the schema says it is (a proxy's, or a registry that lies). */
export function notShaped(doing: string, what: string, cause?: unknown): RegistryError {
  return new RegistryError("INTERNAL_SERVER_ERROR", `${doing}: the registry's answer is not shaped as the schema says (${what})`, {
    cause,
  });
}

/** The response keys of an operation's top-level fields (not those an `@include` or `@skip` may leave out). */
function askedFields(document: TypedDocumentNode<unknown, never>): string[] {
  // By kind's text: the graphql package's Kind would bring graphql-js into browser bundles.
  const operation = document.definitions.find((d): d is OperationDefinitionNode => (d.kind as string) === "OperationDefinition");
  return (operation?.selectionSet.selections ?? []).flatMap((s) => {
    const field = s as FieldNode;
    return (s.kind as string) === "Field" && field.name.value !== "__typename" && !field.directives?.length
      ? [field.alias?.value ?? field.name.value]
      : [];
  });
}

/** How many times a read that met a version changing under it (CONFLICT) is asked in all. */
const READ_ATTEMPTS = 3;
