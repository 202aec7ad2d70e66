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
    return result.data;
  }
}

/** How many times a read that met a version changing under it (CONFLICT) is asked in all. */
const READ_ATTEMPTS = 3;
