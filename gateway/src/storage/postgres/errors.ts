import { databaseUnavailable, InsufficientStorageError, UnavailableError } from "../../domain/errors.js";
import { NETWORK_CODES, RETRY_AFTER_SECONDS } from "../network-errors.js";

/**
 * SQLSTATEs that say "the server cannot serve now" rather than "this statement is
 * wrong": admin_shutdown, crash_shutdown, cannot_connect_now (starting up or
 * shutting down), too_many_connections, out_of_memory, query_canceled (our
 * statement timeout fired: the database is hung or overloaded), and lock_not_available
 * (a lock_timeout the database's administrator set cut a wait behind another's lock).
 */
const UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set(["57P01", "57P02", "57P03", "53300", "53200", "57014", "55P03"]);

/** Where a failure happened, which decides what an error without a code means. */
export interface FailureSite {
  /** Acquiring a connection: any failure there means the database could not be reached. */
  readonly connecting?: boolean;
  /** The connection emitted `error` or `end`: the socket is gone, whatever the message says. */
  readonly connectionLost?: boolean;
  /** Our own deadline for the statement passed. */
  readonly timedOut?: boolean;
}

/**
 * read_only_sql_transaction: the session is on a hot standby (a failover is under way,
 * or the address still leads to the demoted primary). A write there cannot succeed,
 * and the session stays read-only whatever the server becomes.
 */
export function isReadOnly(error: unknown): boolean {
  return codeOf(error) === "25006";
}

/**
 * lock_not_available (55P03): a wait for a lock cut short by lock_timeout, as the error
 * itself or as the cause of the UNAVAILABLE `toStorageError` made of it.
 */
export function isLockTimeout(error: unknown): boolean {
  return codeOf(error) === "55P03" || codeOf((error as { cause?: unknown } | null)?.cause) === "55P03";
}

/**
 * deadlock_detected (40P01) and serialization_failure (40001): the server rolled the
 * transaction back because of another one's; the same request sent again may succeed.
 */
export function isRolledBack(error: unknown): boolean {
  const code = codeOf(error);
  return code === "40P01" || code === "40001";
}

/** Seconds a client waits before sending again a change the database rolled back. */
const ROLLED_BACK_RETRY_SECONDS = 1;

/**
 * The server refusing a new session by name: no such database (3D000: dropped or
 * renamed), no such role or no login (28000), a wrong password (28P01), no CONNECT
 * privilege (42501). At start-up that is configuration, and `waitForDatabase` fails at
 * once; once serving, the database changed under the replica, which serves again when
 * it is put back.
 */
const SESSION_REFUSALS: ReadonlySet<string> = new Set(["3D000", "28000", "28P01", "42501"]);

export function isSessionRefusal(error: unknown): boolean {
  return SESSION_REFUSALS.has(codeOf(error) ?? "");
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Whether PostgreSQL's answer (or the socket) says the database is unreachable for now. */
export function isConnectionFailure(error: unknown, site: FailureSite = {}): boolean {
  if (error instanceof UnavailableError) return true;
  const code = codeOf(error);
  if (code !== undefined) {
    // Class 08: connection exception (08000, 08003, 08006, 08001, 08004, …).
    if (code.startsWith("08") || UNAVAILABLE_SQLSTATES.has(code) || NETWORK_CODES.has(code)) return true;
    // While connecting, object_not_in_prerequisite_state is "database … is not currently
    // accepting connections" (ALTER DATABASE … ALLOW_CONNECTIONS false, a maintenance window),
    // and a refusal by name is the database changed under a serving replica.
    if (site.connecting && (code === "55000" || SESSION_REFUSALS.has(code))) return true;
    // Any other SQLSTATE is the server's considered answer to a statement.
    if (/^[0-9A-Z]{5}$/.test(code)) return false;
  }
  // pg reports a vanished socket and pg-pool its acquire timeouts without a code.
  return Boolean(site.connecting || site.connectionLost || site.timedOut);
}

/**
 * The one place where PostgreSQL connection failures become domain errors: an
 * unreachable, restarting, hung or read-only database, and a transaction it rolled back to
 * break a deadlock, are `UNAVAILABLE` (503, Retry-After);
 * every other error is passed on unchanged (a full disk, 53100, is told by
 * `postgresDialect.isOutOfSpace` like SQLite's, in `guardedDialect`).
 */
export function toStorageError(error: unknown, site: FailureSite = {}): unknown {
  if (error instanceof UnavailableError || error instanceof InsufficientStorageError) return error;
  if (isReadOnly(error)) return databaseUnavailable("read-only", RETRY_AFTER_SECONDS, error);
  if (isRolledBack(error)) return databaseUnavailable("rolled back", ROLLED_BACK_RETRY_SECONDS, error);
  if (!isConnectionFailure(error, site)) return error;
  return databaseUnavailable(site.timedOut ? "timed out" : "unreachable", RETRY_AFTER_SECONDS, error);
}
