import type { GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { clientError } from "../http/error-map.js";

/** GraphQL's own request errors, already safe to show. */
const PASS_THROUGH = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/** Whether an error is expected (a domain error or GraphQL's own request errors). */
export function isExpectedError(error: unknown, code: unknown): boolean {
  return clientError(unwrapResolverError(error)) !== undefined || (typeof code === "string" && PASS_THROUGH.has(code));
}

/**
 * Apollo's `formatError`: domain errors get their code through `clientError`, the
 * rest is masked. Unexpected errors are logged with their request id by the
 * `requestReporting` plugin.
 */
export function createFormatError(options: { readonly development: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const client = clientError(unwrapResolverError(error));
    if (client) {
      return { message: client.message, locations: formatted.locations, path: formatted.path, extensions: client.extensions };
    }
    const code = formatted.extensions?.code;
    if (typeof code === "string" && PASS_THROUGH.has(code)) {
      const { stacktrace: _, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    return {
      message: options.development ? formatted.message : "Internal server error",
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    };
  };
}
