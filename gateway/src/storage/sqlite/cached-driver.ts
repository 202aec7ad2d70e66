import type Database from "better-sqlite3";
import { setTimeout as delay } from "node:timers/promises";
import { CompiledQuery, SelectQueryNode, type DatabaseConnection, type Driver, type QueryResult } from "kysely";
import { databaseUnavailable } from "../../domain/errors.js";
import { RETRY_AFTER_SECONDS } from "../network-errors.js";

/**
 * Distinct statement texts the connection keeps prepared, as on PostgreSQL
 * (storage/postgres/pool.ts): Homer's statements come from a few dozen query shapes
 * (times the lengths of batched `in` lists), so the cap is only a bound. Past it the
 * least recently used text is finalised (by the garbage collector) and prepared anew
 * when it comes back.
 */
export const PREPARED_STATEMENTS = 256;

/**
 * better-sqlite3's prepared statements by SQL text, least recently used first.
 * SQLite re-prepares a statement itself when the schema it was compiled against
 * changes (sqlite3_prepare_v2 and SQLITE_SCHEMA), so a cached statement never runs
 * against an outdated table; the test suite checks it with `alter table`.
 */
export class StatementCache {
  readonly #statements = new Map<string, Database.Statement>();
  /** Statements compiled so far: a cache hit does not count. */
  prepares = 0;

  constructor(
    private readonly database: Database.Database,
    readonly capacity = PREPARED_STATEMENTS,
  ) {}

  get size(): number {
    return this.#statements.size;
  }

  statement(sql: string): Database.Statement {
    const cached = this.#statements.get(sql);
    // A statement still iterating (a stream the caller has not finished) cannot run
    // again; the new run gets a statement of its own, left out of the cache.
    if (cached !== undefined && !cached.busy) {
      // Map keeps insertion order: moving the hit to the end keeps the oldest first.
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = this.#prepare(sql);
    if (cached === undefined) {
      if (this.#statements.size >= this.capacity) this.#statements.delete(this.#statements.keys().next().value as string);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** A statement for one run only (streams hold theirs until the caller stops reading). */
  uncached(sql: string): Database.Statement {
    return this.#prepare(sql);
  }

  #prepare(sql: string): Database.Statement {
    const statement = this.database.prepare(sql);
    this.prepares++;
    return statement;
  }
}

/**
 * Waits for another process's write lock off the event loop: SQLite's busy handler
 * sleeps in the calling thread, which held every request of the gateway (health checks
 * included) for the whole busy_timeout. `run` is tried with the connection's
 * busy_timeout at 0, and again after short timers while it fails SQLITE_BUSY (which
 * leaves nothing done); past `lockWaitMs`, UNAVAILABLE.
 */
class LockWait {
  /** The connection's busy_timeout set to 0, and back: prepared once, as every wait sets both. */
  readonly #noLockWait: Database.Statement;
  readonly #lockWait: Database.Statement;

  constructor(
    database: Database.Database,
    private readonly lockWaitMs: number,
  ) {
    this.#noLockWait = database.prepare("pragma busy_timeout = 0");
    this.#lockWait = database.prepare(`pragma busy_timeout = ${lockWaitMs}`);
  }

  async run<T>(attempt: () => T | Promise<T>): Promise<T> {
    const deadline = Date.now() + this.lockWaitMs;
    for (;;) {
      this.#noLockWait.get();
      try {
        return await attempt();
      } catch (error) {
        if ((error as { code?: unknown })?.code !== "SQLITE_BUSY") throw error;
        if (Date.now() >= deadline) throw databaseUnavailable("timed out", RETRY_AFTER_SECONDS, error);
      } finally {
        this.#lockWait.get();
      }
      await delay(5 + Math.random() * 20);
    }
  }
}

/** The one connection to the file, running statements from the cache. */
class CachedSqliteConnection implements DatabaseConnection {
  constructor(
    readonly statements: StatementCache,
    private readonly database: Database.Database,
    private readonly lockWait: LockWait,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery;
    const statement = this.statements.statement(sql);
    // A write of its own (no transaction around it) takes the write lock as a transaction's begin does.
    if (!statement.readonly && !this.database.inTransaction) return this.lockWait.run(() => run<R>(statement, parameters));
    return run<R>(statement, parameters);
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiledQuery.query)) throw new Error("the SQLite driver streams select queries only");
    for (const row of this.statements.uncached(compiledQuery.sql).iterate(compiledQuery.parameters)) yield { rows: [row as R] };
  }
}

function run<R>(statement: Database.Statement, parameters: readonly unknown[]): QueryResult<R> {
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** Hands out the single connection to one user at a time, in order. */
class ConnectionMutex {
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;

  async lock(): Promise<void> {
    while (this.#held) await this.#held;
    this.#held = new Promise((resolve) => (this.#release = resolve));
  }

  unlock(): void {
    const release = this.#release;
    this.#held = undefined;
    this.#release = undefined;
    release?.();
  }
}

/**
 * Kysely's SqliteDriver with one difference that matters: it `prepare`s every
 * statement it runs (a sizable share of a page's CPU), where this one keeps them in
 * a bounded cache. Transactions BEGIN IMMEDIATE: they take the write lock before
 * their first read, so with several processes on one file no transaction decides on
 * a snapshot another process changes before it writes.
 */
export class CachedSqliteDriver implements Driver {
  readonly #mutex = new ConnectionMutex();
  readonly #connection: CachedSqliteConnection;
  readonly #lockWait: LockWait;

  constructor(
    private readonly database: Database.Database,
    capacity = PREPARED_STATEMENTS,
    /** How long a write waits for another process's write lock (the connection's busy_timeout). */
    lockWaitMs = 10_000,
  ) {
    this.#lockWait = new LockWait(database, lockWaitMs);
    this.#connection = new CachedSqliteConnection(new StatementCache(database, capacity), database, this.#lockWait);
  }

  /** The connection's statement cache (its counters are what the tests read). */
  get statements(): StatementCache {
    return this.#connection.statements;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    return this.#connection;
  }

  /** `begin immediate`, waiting for another process's write lock off the event loop (`LockWait`). */
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const begin = CompiledQuery.raw("begin immediate");
    await this.#lockWait.run(() => connection.executeQuery(begin));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  /**
   * After SQLITE_FULL, IOERR, NOMEM or BUSY SQLite may already have rolled the whole
   * transaction back; a ROLLBACK then only fails with "no transaction is active".
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.database.inTransaction) await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    this.database.close();
  }
}
