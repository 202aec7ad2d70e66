import type { Logger } from "pino";
import { UnavailableError } from "../../domain/errors.js";
import { isSessionRefusal } from "./errors.js";

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

export interface WaitOptions {
  /** Give up after this long; 0 tries once. */
  readonly timeoutMs: number;
  readonly logger?: Pick<Logger, "warn" | "info">;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The driver's own words for why a connection failed (for the operator, never a client). */
function reasonOf(error: UnavailableError): string {
  const cause = error.cause as { message?: unknown; code?: unknown } | undefined;
  const message = typeof cause?.message === "string" && cause.message !== "" ? cause.message : error.message;
  return typeof cause?.code === "string" && !message.includes(cause.code) ? `${message} (${cause.code})` : message;
}

/**
 * Start-up: retries `ping` with exponential backoff (250 ms doubling to 5 s) while
 * the database is unreachable, logging each retry, for at most `timeoutMs`. A
 * database that answers with a refusal (bad password, no such database) fails at
 * once: waiting would not change that.
 */
export async function waitForDatabase(ping: () => Promise<void>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (let attempt = 1, delay = FIRST_DELAY_MS; ; attempt++, delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      await ping();
      if (attempt > 1) options.logger?.info({ attempt }, "PostgreSQL is reachable");
      return;
    } catch (error) {
      if (!(error instanceof UnavailableError)) throw error;
      if (isSessionRefusal(error.cause)) throw error.cause;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`PostgreSQL was not reachable within ${options.timeoutMs} ms (HOMER_DB_CONNECT_TIMEOUT_MS): ${reasonOf(error)}`, {
          cause: error,
        });
      }
      const retryInMs = Math.min(delay, left);
      options.logger?.warn({ attempt, retryInMs, reason: reasonOf(error) }, "PostgreSQL is not reachable yet; retrying");
      await sleep(retryInMs);
    }
  }
}
