import type { Logger } from "pino";
import type { RateLimitStore, Taken } from "./rate-limit-store.js";

/** How long a request waits for the shared buckets before its process decides alone. */
const SHARED_DEADLINE_MS = 1_000;
/** At most one warning this often while the shared buckets cannot answer. */
const WARN_EVERY_MS = 30_000;

/**
 * A shared limiter that fails open to a local one: while the database cannot
 * answer (down, or slower than 1 s), each process limits with its own buckets,
 * so the limits still hold per replica (at most replicas × the limit in total)
 * and no request fails because of the limiter itself. Failing closed would turn
 * a database outage into 429s on requests that need no database (the health
 * probes are outside the limiter, downloads are not).
 */
export function withLocalFallback(shared: RateLimitStore, local: RateLimitStore, logger?: Pick<Logger, "warn">): RateLimitStore {
  // The monotonic clock: a wall clock stepped back would silence the warning for the step's length.
  let warnedAt = -Infinity;
  const fallBack = (error: unknown, bucket: string, wanted: number, perMinute: number) => {
    const now = performance.now();
    if (now - warnedAt >= WARN_EVERY_MS) {
      warnedAt = now;
      logger?.warn(
        { reason: error instanceof Error ? error.message : String(error) },
        "the shared rate-limit buckets failed (no answer in time, or an error); limiting per process until they answer",
      );
    }
    return local.take(bucket, wanted, perMinute);
  };
  /**
   * Shared takes that missed their deadline and are still running. Each holds what it
   * runs on (on PostgreSQL a pool connection, until the statement timeout): while any
   * runs, takes go to the local buckets without asking again, or every late take
   * held one more connection and a stuck bucket row drained the pool that every
   * other request needs.
   */
  let late = 0;
  return {
    scope: shared.scope,
    async take(bucket, wanted, perMinute): Promise<Taken> {
      if (late > 0) return fallBack(new Error("an earlier take is still unanswered"), bucket, wanted, perMinute);
      let timer: NodeJS.Timeout | undefined;
      let answered = false;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${SHARED_DEADLINE_MS} ms`)), SHARED_DEADLINE_MS);
      });
      const taking = shared.take(bucket, wanted, perMinute);
      const settled = taking.then(
        () => void (answered = true),
        () => void (answered = true), // when late, its failure is no one's to handle
      );
      try {
        return await Promise.race([taking, deadline]);
      } catch (error) {
        if (!answered) {
          late++;
          void settled.then(() => late--);
        }
        return fallBack(error, bucket, wanted, perMinute);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await shared.close();
      await local.close();
    },
  };
}
