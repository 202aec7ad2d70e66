import type { Logger } from "pino";
import type { DomainError, ErrorCode } from "../domain/errors.js";

/** Codes that are the operator's business: the caller sees only the code, the log gets the cause. */
const INFRASTRUCTURE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["UNAVAILABLE", "INSUFFICIENT_STORAGE"]);

/**
 * Logs a failure of the registry's own storage (a database outage, a full disk)
 * with its cause. Every route's errors pass here: the GraphQL plugin and the
 * express error handler both call it.
 */
export function reportInfrastructureFailure(log: Pick<Logger, "error">, error: DomainError | undefined): void {
  if (!error || !INFRASTRUCTURE_CODES.has(error.code)) return;
  const what = error.code === "UNAVAILABLE" ? "storage is unavailable: request refused" : "storage is full: request refused";
  log.error({ err: error, cause: error.cause }, what);
}
