import { BadInputError, DomainError, PayloadTooLargeError, type ErrorCode } from "../domain/errors.js";

/** The HTTP status each code answers with. */
const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
  INTERNAL_SERVER_ERROR: 500,
});

/**
 * Codes that describe the whole request rather than one field: a GraphQL response
 * carrying one of them gets that code's HTTP status (and `Retry-After`) too.
 */
const REQUEST_LEVEL: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["PAYLOAD_TOO_LARGE", "UNAVAILABLE", "INSUFFICIENT_STORAGE"]);

/** What a client is told about a failure, on every transport. */
export interface ClientError {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly message: string;
  /** Seconds after which a retry may succeed (`Retry-After`). */
  readonly retryAfterSeconds?: number;
  /** GraphQL `extensions`: the error's details and its code. */
  readonly extensions: Readonly<Record<string, unknown>>;
}

/** Errors with an HTTP status from libraries (body-parser, busboy). */
interface HttpLikeError {
  readonly status?: number;
  readonly statusCode?: number;
  readonly message: string;
}

/**
 * The domain error an error stands for: itself, or a library's client-side HTTP
 * error (4xx) as the matching domain error; undefined for anything unexpected.
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

/** A client error from its parts (a code the gateway answers itself, e.g. an unknown route). */
export function clientErrorOf(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>): ClientError {
  const retryAfter = details?.retryAfterSeconds;
  return {
    code,
    httpStatus: HTTP_STATUS[code],
    message,
    ...(typeof retryAfter === "number" ? { retryAfterSeconds: retryAfter } : {}),
    extensions: { ...details, code },
  };
}

/** An error not meant for the client: its message is never shown. */
export const INTERNAL_ERROR: ClientError = Object.freeze(clientErrorOf("INTERNAL_SERVER_ERROR", "Internal server error"));

/**
 * The one map from an error to what the client sees — GraphQL, downloads and
 * plain HTTP alike. Undefined for an unexpected error (masked, and logged by the caller).
 */
export function clientError(error: unknown): ClientError | undefined {
  const domain = toDomainError(error);
  return domain && clientErrorOf(domain.code, domain.message, domain.details);
}

/** The HTTP status a GraphQL response carrying `code` answers with, when the code describes the whole request. */
export function requestLevelError(code: unknown, extensions?: Readonly<Record<string, unknown>>): ClientError | undefined {
  if (typeof code !== "string" || !REQUEST_LEVEL.has(code as ErrorCode)) return undefined;
  return clientErrorOf(code as ErrorCode, "", extensions);
}

/** The JSON body plain HTTP routes answer errors with, shaped like a GraphQL response. */
export function httpErrorBody(error: ClientError) {
  return { errors: [{ message: error.message, extensions: { code: error.code } }] };
}
