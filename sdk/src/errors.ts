import type { CombinedError } from "@urql/core";

/** Every code a registry call can fail with; those in SERVER_CODES come from the server. */
export type RegistryErrorCode =
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  /** An edit was made against a revision the version no longer has (someone else edited it): read it again. */
  | "CONFLICT"
  | "BAD_USER_INPUT"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "PAYLOAD_TOO_LARGE"
  /** Rate limited: `retryAfterSeconds` says when to try again. */
  | "TOO_MANY_REQUESTS"
  /** The registry's database or blob store is down for now: retry later (`retryAfterSeconds`). */
  | "UNAVAILABLE"
  /** The registry is out of storage space. */
  | "INSUFFICIENT_STORAGE"
  | "INTERNAL_SERVER_ERROR"
  /** The registry could not be reached, or the connection broke. */
  | "NETWORK_ERROR"
  /** `awaitRegistration` ran out. */
  | "TIMEOUT"
  /** A downloaded file's sha256 did not match the registry's. */
  | "INTEGRITY_ERROR"
  /**
   * The operation needs Node (local files) and ran elsewhere, the gateway serves a schema this SDK does not speak,
   * or a download's folder cannot hold the version's files apart (names that differ only in case on a disk that ignores it).
   */
  | "UNSUPPORTED"
  /** The caller's `AbortSignal` stopped the transfer. */
  | "ABORTED";

/** @internal The codes a server answers with (test/wire-constants.test.ts checks them against the gateway). */
export const SERVER_CODES: ReadonlySet<string> = new Set<string>([
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "CONFLICT",
  "BAD_USER_INPUT",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "PAYLOAD_TOO_LARGE",
  "TOO_MANY_REQUESTS",
  "UNAVAILABLE",
  "INSUFFICIENT_STORAGE",
  "INTERNAL_SERVER_ERROR",
]);

/** The code an HTTP status means when the body says nothing better. */
export function codeForStatus(status: number | undefined): RegistryErrorCode {
  switch (status) {
    case 400:
      return "BAD_USER_INPUT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 413:
      return "PAYLOAD_TOO_LARGE";
    case 429:
      return "TOO_MANY_REQUESTS";
    case 503:
      return "UNAVAILABLE";
    case 507:
      return "INSUFFICIENT_STORAGE";
    default:
      return status !== undefined && status >= 500 ? "INTERNAL_SERVER_ERROR" : "NETWORK_ERROR";
  }
}

/**
 * The one error type the SDK throws: `if (e instanceof RegistryError && e.code === "NOT_FOUND")`.
 * Like urql's CombinedError it keeps the two sides apart: `graphQLError` is set when the
 * registry answered with a GraphQL error, and otherwise the failure is the transport's
 * (no answer, or an HTTP status) or the SDK's own check of the caller's input.
 */
export class RegistryError extends Error {
  override readonly name = "RegistryError";

  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options: { readonly cause?: unknown; readonly status?: number; readonly field?: string; readonly graphQLError?: GraphQLErrorBody } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.field = options.field;
    this.graphQLError = options.graphQLError;
  }

  /** The HTTP status, when the server answered with one. */
  readonly status: number | undefined;
  /** The input field at fault, for BAD_USER_INPUT. */
  readonly field: string | undefined;
  /** The GraphQL error the registry answered with; undefined for a transport or local failure. */
  readonly graphQLError: GraphQLErrorBody | undefined;
}

/** A GraphQL error as it travels: `extensions.code` names the failure. */
export interface GraphQLErrorBody {
  readonly message: string;
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/**
 * The one reading of a GraphQL `errors` array, whichever transport carried it
 * (urql, or the SDK's own streaming upload): the first error, its code and field.
 */
export function fromGraphQLErrors(
  errors: readonly GraphQLErrorBody[] | undefined,
  doing: string,
  options: { readonly status?: number; readonly cause?: unknown } = {},
): RegistryError | undefined {
  const [first] = errors ?? [];
  if (!first) return undefined;
  const field = typeof first.extensions?.field === "string" ? first.extensions.field : undefined;
  const graphQLError = { message: first.message, extensions: first.extensions };
  // Apollo words its CSRF refusal as a BAD_REQUEST with no code of its own.
  if (first.extensions?.code === "BAD_REQUEST" && first.message.includes("CSRF")) {
    const why =
      "the registry refused the request as a possible cross-site request forgery (Apollo's CSRF prevention): " +
      "the apollo-require-preflight header the SDK sends did not reach it (does a proxy drop it?)";
    return new RegistryError("FORBIDDEN", `${doing}: ${why}`, { ...options, graphQLError });
  }
  return new RegistryError(codeOf(first.extensions?.code), `${doing}: ${first.message}`, { ...options, field, graphQLError });
}

/** A failure of the transport itself: no answer at all (`status` undefined) or an HTTP error status. */
export function transportError(
  doing: string,
  what: string,
  options: { readonly status?: number; readonly cause?: unknown } = {},
): RegistryError {
  return new RegistryError(codeForStatus(options.status), `${doing}: ${what}`, options);
}

/** Maps a GraphQL error's `extensions.code` to ours; validation failures are bad input too. */
export function codeOf(code: unknown): RegistryErrorCode {
  if (typeof code === "string" && SERVER_CODES.has(code)) return code as RegistryErrorCode;
  if (code === "GRAPHQL_VALIDATION_FAILED" || code === "GRAPHQL_PARSE_FAILED") return "BAD_USER_INPUT";
  return "INTERNAL_SERVER_ERROR";
}

/** The origin of the page the SDK runs in; undefined outside a browser (or on an opaque origin). */
function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  return typeof origin === "string" && origin !== "null" ? origin : undefined;
}

/**
 * The page's origin when a failure looks like a CORS refusal: a browser refuses
 * a cross-origin response without telling the page why, so fetch rejects with a
 * bare TypeError and no response, exactly as when the host is down.
 */
function refusedOrigin(url: string | undefined, networkError: Error | undefined): string | undefined {
  const origin = pageOrigin();
  if (origin === undefined || url === undefined || !(networkError instanceof TypeError)) return undefined;
  try {
    return new URL(url, origin).origin === origin ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** A caller's (or a server's) value in an error: short, its control characters escaped by JSON. */
export function shownValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  try {
    return JSON.stringify(value)?.slice(0, 100) ?? typeof value;
  } catch {
    // A BigInt inside, or a cycle: its kind says enough.
    return typeof value;
  }
}

/** What a request that stalled for `ms` fails with (each transport reports it as NETWORK_ERROR). */
export class StalledError extends Error {}
export const stalled = (ms: number) => new StalledError(`no bytes for ${ms / 1000} s`);

/**
 * A request that got no answer at all (`cause` is what fetch or XMLHttpRequest
 * failed with): from a page on another origin this is most often the gateway
 * refusing that origin, which a browser does not let the page tell apart.
 */
export function unreachable(doing: string, url: string | undefined, failure: unknown, cause: unknown = failure): RegistryError {
  const origin = refusedOrigin(url, failure instanceof Error ? failure : undefined);
  const message =
    origin !== undefined
      ? `the registry refused this origin or could not be reached: set HOMER_CORS_ORIGINS on the gateway to include ${origin}`
      : failure instanceof StalledError
        ? `the registry went silent (${failure.message})`
        : `could not reach the registry (${failure instanceof Error ? failure.message : String(failure)})`;
  return transportError(doing, message, { cause });
}

/** What an aborted transfer rejects with (`then`: what the caller can do now); the signal's reason is the cause. */
export function aborted(doing: string, signal: AbortSignal, then?: string): RegistryError {
  return new RegistryError("ABORTED", `${doing} was aborted${then ? `; ${then}` : ""}`, { cause: signal.reason });
}

/** Turns urql's CombinedError into a RegistryError that says what was being done (at `url`, when known). */
export function fromCombinedError(error: CombinedError, doing: string, url?: string): RegistryError {
  const fromServer = fromGraphQLErrors(error.graphQLErrors, doing, { cause: error });
  if (fromServer) return fromServer;
  const response = error.response as { status?: number } | undefined;
  const status = response?.status;
  if (status === undefined) return unreachable(doing, url, error.networkError ?? error, error);
  const code = codeForStatus(status);
  const reason = error.networkError?.message ?? error.message;
  const message =
    code === "UNAUTHENTICATED"
      ? "the registry wants an API key (HOMER_API_KEY)"
      : code === "NETWORK_ERROR"
        ? `could not reach the registry (${reason})`
        : `the registry answered HTTP ${status} (${reason})`;
  return transportError(doing, message, { cause: error, status });
}
