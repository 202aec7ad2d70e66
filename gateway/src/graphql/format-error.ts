import type { GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { BadInputError, DomainError, HTTP_STATUS, PayloadTooLargeError, type ErrorCode } from "../domain/errors.js";

/** Errors with an HTTP status from libraries (graphql-upload-minimal, body-parser). */
interface HttpLikeError {
  readonly status?: number;
  readonly statusCode?: number;
  readonly expose?: boolean;
  readonly message: string;
}

/**
 * The one place that decides what a caller may see: domain errors keep their
 * code and message; a library's client-side HTTP error (4xx) becomes a domain
 * error; anything else is not a domain error.
 */
export function toDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  const http = error as HttpLikeError | null;
  const status = http?.status ?? http?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500 && typeof http?.message === "string") {
    return status === 413 ? new PayloadTooLargeError(http.message) : new BadInputError(http.message);
  }
  return undefined;
}

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
  return toDomainError(unwrapResolverError(error)) !== undefined || (typeof code === "string" && PASS_THROUGH.has(code));
}

/**
 * Apollo's `formatError`: maps domain errors to `extensions.code`, masks the rest.
 * Unexpected errors are logged with their request id by `logUnexpectedErrors`.
 */
export function createFormatError(options: { readonly development: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const domain = toDomainError(original);
    if (domain) {
      return {
        message: domain.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { ...domain.details, code: domain.code },
      };
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

/** The JSON body plain HTTP routes answer errors with, shaped like a GraphQL response. */
export function httpErrorBody(code: ErrorCode, message: string) {
  return { status: HTTP_STATUS[code], body: { errors: [{ message, extensions: { code } }] } };
}
