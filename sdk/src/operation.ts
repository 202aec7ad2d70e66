import type { Client } from "@urql/core";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { fromCombinedError, RegistryError } from "./errors.js";

/** Runs one typed operation; any error becomes a RegistryError saying what was being done. */
export async function runOperation<D, V extends object>(
  client: Client,
  document: TypedDocumentNode<D, V>,
  variables: V,
  doing: string,
  kind: "query" | "mutation" = "query",
): Promise<D> {
  const result =
    kind === "mutation" ? await client.mutation(document, variables).toPromise() : await client.query(document, variables).toPromise();
  if (result.error) throw fromCombinedError(result.error, doing, result.operation.context.url);
  if (!result.data) throw new RegistryError("INTERNAL_SERVER_ERROR", `${doing}: the registry sent no data`);
  return result.data;
}
