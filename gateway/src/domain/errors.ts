/**
 * Domain errors. The services throw these; `clientError` (http/error-map.ts) maps
 * them to a code and an HTTP status in exactly one place, for every transport.
 */
export const ERROR_CODES = [
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  /** The version changed since the caller read it (a stale `expectedRevision`): read it again. */
  "CONFLICT",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "PAYLOAD_TOO_LARGE",
  "TOO_MANY_REQUESTS",
  /** The database or blob store cannot be reached; retry after `retryAfterSeconds`. */
  "UNAVAILABLE",
  /** The blob store or database is out of space. */
  "INSUFFICIENT_STORAGE",
  "INTERNAL_SERVER_ERROR",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An expected failure whose message is safe to show to the caller. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadInputError extends DomainError {
  /** @param field the argument path at fault, e.g. `input.files[2].path` */
  constructor(message: string, field?: string) {
    super("BAD_USER_INPUT", message, field ? { field } : undefined);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super("NOT_FOUND", `${what} ${id} not found`);
  }
}

export class AlreadyExistsError extends DomainError {
  constructor(what: string, id: string, hint?: string) {
    super("ALREADY_EXISTS", `${what} ${id} already exists${hint ? `; ${hint}` : ""}`);
  }
}

/** The one ALREADY_EXISTS for a taken version, wherever it is detected. */
export function versionExists(ref: { project: string; name: string; version: number }): AlreadyExistsError {
  return new AlreadyExistsError("model version", `${ref.project}/${ref.name}@${ref.version}`, "pass overwrite: true to replace it");
}

/** An edit made against a revision that is no longer the version's: nothing was changed. */
export class ConflictError extends DomainError {
  constructor(message: string, details?: Readonly<Record<string, unknown>>) {
    super("CONFLICT", message, details);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(message: string) {
    super("PAYLOAD_TOO_LARGE", message);
  }
}

/** The one PAYLOAD_TOO_LARGE for a file past the size limit, wherever it is detected. */
export function fileTooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`file exceeds the ${maxBytes}-byte limit`);
}

export class UnauthenticatedError extends DomainError {
  constructor(message: string) {
    super("UNAUTHENTICATED", message);
  }
}

/**
 * The one UNAUTHENTICATED for a revoked key, wherever it is found: at a request's start,
 * or by a change that request makes after its key was revoked meanwhile.
 */
export function keyRevoked(): UnauthenticatedError {
  return new UnauthenticatedError("this API key was revoked");
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super("FORBIDDEN", message);
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(message: string, retryAfterSeconds: number) {
    super("TOO_MANY_REQUESTS", message, { retryAfterSeconds });
  }
}

/**
 * A family has used every version number up to MAX_VERSION, so none can be
 * assigned. Not a DomainError: storage raises it and the service words it.
 */
export class VersionsExhaustedError extends Error {
  constructor(
    readonly project: string,
    readonly family: string,
  ) {
    super(`${project}/${family} has no version number left`);
    this.name = new.target.name;
  }
}

/** A dependency (database, blob store) is down: the request may succeed later. */
export class UnavailableError extends DomainError {
  constructor(message: string, retryAfterSeconds = 5, options?: { cause?: unknown }) {
    super("UNAVAILABLE", message, { retryAfterSeconds });
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The blob store or database has no room left; nothing of the request was kept. */
export class InsufficientStorageError extends DomainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INSUFFICIENT_STORAGE", message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * The one INSUFFICIENT_STORAGE, worded alike for every backend: which store ran out
 * of room, and that nothing of the request was kept.
 */
export function outOfSpace(store: "database" | "file storage", cause: unknown): InsufficientStorageError {
  const full = store === "database" ? "is out of space" : "is full";
  return new InsufficientStorageError(`the registry's ${store} ${full}; nothing of this request was kept`, { cause });
}

/** The one UNAVAILABLE for a database that is down or hung, worded alike for every backend. */
export function databaseUnavailable(
  how: "unreachable" | "timed out" | "schema changed" | "read-only" | "rolled back",
  retryAfterSeconds: number,
  cause: unknown,
): UnavailableError {
  const what = {
    unreachable: "the database is unreachable",
    "timed out": "the database did not answer in time",
    "schema changed": "the database schema changed during the request (an upgrade is migrating it)",
    "read-only": "the database is read-only (a standby, or failing over)",
    "rolled back": "the database rolled the change back to break a deadlock with another (nothing of it was made)",
  }[how];
  return new UnavailableError(`${what}; retry in ${retryAfterSeconds} s`, retryAfterSeconds, { cause });
}

/**
 * A storage backend failed in a way neither the caller nor a retry can fix (an I/O
 * error, a read-only or unwritable store). Not a domain error: callers see it masked
 * as INTERNAL_SERVER_ERROR and it is logged; its class tells it apart from a client's
 * broken upload.
 */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = new.target.name;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
