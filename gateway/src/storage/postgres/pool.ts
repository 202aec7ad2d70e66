import pg from "pg";
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";
import type { Logger } from "pino";
import { databaseUnavailable } from "../../domain/errors.js";
import type { PoolStats } from "../rate-limit-store.js";
import { isReadOnly, toStorageError, type FailureSite } from "./errors.js";

/** Longest wait for a connection (a new one, or a free one from a busy pool). */
const ACQUIRE_TIMEOUT_MS = 10_000;

/**
 * Our own deadline runs this much past the server's statement_timeout: the server
 * cancels a slow statement itself (57014); ours only fires when the server cannot
 * answer at all (frozen, or the network dropped it without a reset).
 */
const DEADLINE_GRACE_MS = 2_000;

/**
 * Distinct statement texts a connection keeps prepared. Homer's statements come
 * from a few dozen query shapes (times the lengths of batched `in` lists), so the
 * cap is only a bound: past it, new texts run unprepared rather than evicting.
 */
const PREPARED_PER_CONNECTION = 256;

/**
 * How long the server keeps a session of ours that sits in an open transaction without
 * sending anything (`idle_in_transaction_session_timeout`). Inside its transactions Homer
 * waits only on the blob store: a registration's S3 HEADs (each allowed two minutes of
 * silence, retried when throttled) and, rarely, a blob copied again (a multi-GiB server-side
 * copy), and a reclaim's batch of deletes. A session idle for ten minutes belongs to a replica
 * that is gone without a reset (a host lost in a failover, a partition), whose row and
 * migration locks otherwise stayed held until the server's TCP keepalive gave up, two hours
 * by default, while other replicas' writes to those rows waited and failed.
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 600_000;

export interface PoolOptions {
  readonly maxConnections: number;
  /** The server's statement_timeout and (plus a grace) our wait for any answer; 0 = none. */
  readonly statementTimeoutMs: number;
  /** The server's lock_timeout: how long a statement waits for a lock (default: the database's setting). */
  readonly lockTimeoutMs?: number;
  /** The server's idle_in_transaction_session_timeout (default IDLE_IN_TRANSACTION_TIMEOUT_MS). */
  readonly idleInTransactionTimeoutMs?: number;
  readonly types: pg.CustomTypesConfig;
  /**
   * Run statements as named prepared statements, parsed once per connection: the
   * server skips parsing and the client sends no SQL text after the first run.
   * Off for poolers that share server sessions between clients (PgBouncer in
   * transaction mode before 1.21).
   */
  readonly preparedStatements: boolean;
  readonly logger?: Pick<Logger, "warn">;
}

/** pg-pool awaits `onConnect` before it hands a new connection out (@types/pg types it as returning void). */
type PoolConfig = pg.PoolConfig & { readonly onConnect?: (client: pg.ClientBase) => Promise<unknown> };

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
  const settings = ["set extra_float_digits = 3"];
  if (options.statementTimeoutMs === 0) settings.push("set statement_timeout = 0");
  if (options.lockTimeoutMs !== undefined) settings.push(`set lock_timeout = ${Math.floor(options.lockTimeoutMs)}`);
  settings.push(
    `set idle_in_transaction_session_timeout = ${Math.floor(options.idleInTransactionTimeoutMs ?? IDLE_IN_TRANSACTION_TIMEOUT_MS)}`,
  );
  const config: PoolConfig = {
    connectionString,
    max: options.maxConnections,
    types: options.types,
    connectionTimeoutMillis: ACQUIRE_TIMEOUT_MS,
    // A peer that vanished without a reset is found by keepalive probes, not never.
    keepAlive: true,
    ...(options.statementTimeoutMs > 0 ? { statement_timeout: options.statementTimeoutMs } : {}),
    // Doubles as text that reads back as the same double, whatever the server, database or
    // role sets: at 0 (PostgreSQL 11's default) 15 digits, so 0.1 + 0.2 read back as 0.3 and
    // a cursor at that value repeated or skipped the versions tied at it. Above 0, PostgreSQL
    // 12+ writes the shortest exact text; 3 is 17 digits before 12. The pool awaits it before
    // handing the connection out, and a failure fails that connection as any other would.
    // No statement timeout is none, whatever the database or role sets (pg sends a timeout of
    // 0 as no setting at all): the migrations' connection waits for another replica's
    // migration, and runs its own, however long that takes.
    onConnect: (client) => client.query(settings.join("; ")),
  };
  const pool = new pg.Pool(config);
  const lost = new WeakSet<pg.PoolClient>();
  // Per connection: its prepared statements. A lost connection takes them with it
  // (pg-pool never hands it out again).
  const prepared = new WeakMap<pg.PoolClient, PreparedStatements>();
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
        const client = await pool.connect();
        let statements = prepared.get(client);
        if (!statements && options.preparedStatements) prepared.set(client, (statements = new PreparedStatements()));
        return new GuardedClient(client, lost, deadlineMs, statements);
      } catch (error) {
        throw toStorageError(error, { connecting: true });
      }
    },
    end: () => pool.end(),
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/**
 * One connection's named statements: text -> name, while there is room. Names are
 * never reused, so a statement the server outdated can be prepared anew beside it.
 */
class PreparedStatements {
  readonly #names = new Map<string, string>();
  #next = 0;
  /** Kysely sends BEGIN/COMMIT/ROLLBACK as plain statements on the connection. */
  inTransaction = false;

  nameOf(sql: string): string | undefined {
    let name = this.#names.get(sql);
    if (name === undefined && this.#names.size < PREPARED_PER_CONNECTION) this.#names.set(sql, (name = `homer_${this.#next++}`));
    return name;
  }

  /** The server's copy is outdated: the next run prepares the text under a new name. */
  forget(sql: string): void {
    this.#names.delete(sql);
  }
}

/**
 * A prepared statement the server can no longer run as prepared: a migration of
 * another replica altered a table it reads (`select *` would change its result
 * type), or a pooler reset the session and the statement is gone.
 */
function isStalePrepared(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (code === "0A000" && typeof message === "string" && message.includes("cached plan")) || code === "26000";
}

/** One checked-out connection as Kysely sees it; errors leave it as domain errors. */
class GuardedClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly lost: WeakSet<pg.PoolClient>,
    private readonly deadlineMs: number,
    /** This connection's prepared statements; undefined when preparing is off. */
    private readonly prepared: PreparedStatements | undefined,
  ) {}

  /** The statement as pg runs it: named (prepared once) while the cache has room. */
  #statement(sql: string, values: unknown[]): pg.QueryConfig {
    // Without parameters pg uses the simple protocol, which also runs scripts of
    // several statements (migrations); a named statement would not allow that.
    const name = this.prepared && values.length > 0 ? this.prepared.nameOf(sql) : undefined;
    return name === undefined ? { text: sql, values } : { name, text: sql, values };
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely asks for cursors only when the dialect is given a cursor class; ours is not.
    if (typeof sqlOrCursor !== "string") throw new Error("cursors are not supported by Homer's PostgreSQL store");
    return this.#runPrepared<R>(sqlOrCursor, parameters ?? []);
  }

  /**
   * Runs a statement, preparing it anew once when the server outdated it. Inside a
   * transaction the failed statement has aborted it: the connection is dropped (its
   * other statements are outdated too) and the caller is told to retry.
   */
  async #runPrepared<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const statements = this.prepared;
    if (statements) {
      const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase();
      if (verb === "begin" || verb === "start") statements.inTransaction = true;
      else if (verb === "commit" || verb === "rollback") statements.inTransaction = false;
    }
    try {
      return await this.#run<R>(sql, parameters);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      if (!statements || !isStalePrepared(cause)) throw error;
      statements.forget(sql);
      if (!statements.inTransaction) return await this.#run<R>(sql, parameters);
      this.lost.add(this.client);
      throw databaseUnavailable("schema changed", 1, cause);
    }
  }

  async #run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const site = (error?: unknown): FailureSite => ({
      connectionLost: this.lost.has(this.client),
      timedOut: error instanceof DeadlineError,
    });
    // A statement behind one that timed out would wait on the same dead socket.
    if (this.lost.has(this.client)) throw toStorageError(new Error("the connection was lost"), site());
    const query = this.client.query(this.#statement(sql, [...parameters])) as unknown as Promise<PostgresQueryResult<R>>;
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
      // A read-only session stays so: a new one finds the primary once writes are taken again.
      if (isReadOnly(error)) this.lost.add(this.client);
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
