import pg from "pg";
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";
import type { Logger } from "pino";
import type { PoolStats } from "../rate-limit-store.js";
import { toStorageError, type FailureSite } from "./errors.js";

/** Longest wait for a connection (a new one, or a free one from a busy pool). */
const ACQUIRE_TIMEOUT_MS = 10_000;

/**
 * Our own deadline runs this much past the server's statement_timeout: the server
 * cancels a slow statement itself (57014); ours only fires when the server cannot
 * answer at all (frozen, or the network dropped it without a reset).
 */
const DEADLINE_GRACE_MS = 2_000;

export interface PoolOptions {
  readonly maxConnections: number;
  /** The server's statement_timeout and (plus a grace) our wait for any answer; 0 = none. */
  readonly statementTimeoutMs: number;
  readonly types: pg.CustomTypesConfig;
  readonly logger?: Pick<Logger, "warn">;
}

/** Marks a statement whose answer did not come in time (no code of pg's to tell it by). */
class DeadlineError extends Error {}

/**
 * A pg pool that survives its database: every client has an `error` listener from
 * the moment it connects (pg-pool listens only while a client is idle, so a
 * connection lost mid-request would otherwise end the process), the pool's own
 * `error` (an idle connection died) is logged, and every failure to connect or to
 * run a statement passes through `toStorageError`. A lost connection is never
 * reused: pg-pool drops it and connects anew on demand, so the gateway recovers
 * by itself when the database returns.
 */
export function resilientPool(connectionString: string, options: PoolOptions): PostgresPool & { stats(): PoolStats } {
  const pool = new pg.Pool({
    connectionString,
    max: options.maxConnections,
    types: options.types,
    connectionTimeoutMillis: ACQUIRE_TIMEOUT_MS,
    // A peer that vanished without a reset is found by keepalive probes, not never.
    keepAlive: true,
    ...(options.statementTimeoutMs > 0 ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  const lost = new WeakSet<pg.PoolClient>();
  pool.on("connect", (client) => {
    const markLost = () => lost.add(client);
    client.on("error", markLost);
    client.on("end", markLost);
  });
  pool.on("error", (error) => {
    // The driver's words and code are enough: a stack here only points into pg.
    options.logger?.warn(
      { reason: error.message, code: (error as { code?: unknown }).code },
      "an idle PostgreSQL connection was lost; the pool connects anew on demand",
    );
  });
  const deadlineMs = options.statementTimeoutMs > 0 ? options.statementTimeoutMs + DEADLINE_GRACE_MS : 0;
  return {
    async connect() {
      try {
        return new GuardedClient(await pool.connect(), lost, deadlineMs);
      } catch (error) {
        throw toStorageError(error, { connecting: true });
      }
    },
    end: () => pool.end(),
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/** One checked-out connection as Kysely sees it; errors leave it as domain errors. */
class GuardedClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly lost: WeakSet<pg.PoolClient>,
    private readonly deadlineMs: number,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely asks for cursors only when the dialect is given a cursor class; ours is not.
    if (typeof sqlOrCursor !== "string") throw new Error("cursors are not supported by Homer's PostgreSQL store");
    return this.#run<R>(sqlOrCursor, parameters ?? []);
  }

  async #run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const site = (error?: unknown): FailureSite => ({
      connectionLost: this.lost.has(this.client),
      timedOut: error instanceof DeadlineError,
    });
    // A statement behind one that timed out would wait on the same dead socket.
    if (this.lost.has(this.client)) throw toStorageError(new Error("the connection was lost"), site());
    const query = this.client.query(sql, [...parameters]) as unknown as Promise<PostgresQueryResult<R>>;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (this.deadlineMs === 0) return await query;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          this.lost.add(this.client);
          reject(new DeadlineError(`no answer from PostgreSQL in ${this.deadlineMs} ms`));
        }, this.deadlineMs);
      });
      return await Promise.race([query, deadline]);
    } catch (error) {
      throw toStorageError(error, site(error));
    } finally {
      clearTimeout(timer);
    }
  }

  /** A lost connection goes back destroyed, so the pool never hands it out again. */
  release(destroy?: boolean): void {
    this.client.release(destroy || this.lost.has(this.client) ? true : undefined);
  }
}
