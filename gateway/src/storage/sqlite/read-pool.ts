import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from "kysely";
import { PREPARED_STATEMENTS } from "./cached-driver.js";

/** What a reader thread is told when it starts. */
interface ReaderData {
  readonly file: string;
  readonly betterSqlite3: string;
  readonly busyTimeoutMs: number;
  readonly cacheKib: number;
  readonly preparedStatements: number;
}

/**
 * A reader thread: its own connection to the file, asked one statement at a time;
 * it answers `{ id, rows }` or `{ id, error }` and never writes (`query_only`, and a
 * statement SQLite does not call read-only is refused before it runs, whether it
 * returns rows or not). Prepared statements are kept by SQL text, least recently
 * used first, as on the store's own connection (`StatementCache`). Kept as source
 * text, so that it runs as it is from the built gateway and from the sources under test.
 */
const READER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.betterSqlite3);
let database;
const statements = new Map();
function open() {
  if (database) return database;
  const opened = new Database(workerData.file, { fileMustExist: true });
  try {
    opened.pragma("busy_timeout = " + workerData.busyTimeoutMs);
    opened.pragma("cache_size = -" + workerData.cacheKib);
    opened.pragma("query_only = ON");
  } catch (error) {
    opened.close();
    throw error;
  }
  return (database = opened);
}
function statement(sql) {
  // Only \`all\` runs here: a statement is never left iterating, so a cached one is always free.
  let cached = statements.get(sql);
  if (cached !== undefined) {
    statements.delete(sql);
    statements.set(sql, cached);
    return cached;
  }
  cached = open().prepare(sql);
  // A statement that returns rows may still write (a pragma that sets, a returning clause).
  if (!cached.reader || !cached.readonly) throw Object.assign(new Error("a reader thread runs reads only"), { code: "HOMER_NOT_A_READ" });
  if (statements.size >= workerData.preparedStatements) statements.delete(statements.keys().next().value);
  statements.set(sql, cached);
  return cached;
}
parentPort.on("message", (message) => {
  let rows;
  try {
    rows = statement(message.sql).all(message.parameters);
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: { message: String(error?.message ?? error), code: error?.code, name: error?.name } });
    return;
  }
  parentPort.postMessage({ id: message.id, rows });
});
`;

/** Settings of the reader threads' connections (the store's own connection has the same). */
export interface ReadPoolOptions {
  readonly threads: number;
  readonly busyTimeoutMs: number;
  readonly cacheKib: number;
  readonly preparedStatements?: number;
}

interface Pending {
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (error: Error) => void;
}

/** One reader thread and the statements it was given that have not come back. */
class Reader {
  readonly pending = new Map<number, Pending>();
  readonly worker: Worker;
  readonly #whenIdle: (() => void)[] = [];

  constructor(data: ReaderData, onExit: (reader: Reader, error: Error) => void) {
    this.worker = new Worker(READER_SOURCE, { eval: true, workerData: data });
    // An idle reader keeps no process alive; one with statements out does.
    this.worker.unref();
    this.worker.on("message", (message: { id: number; rows?: unknown[]; error?: { message: string; code?: string; name?: string } }) => {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.error) pending.reject(readerError(message.error));
      else pending.resolve(fromClone(message.rows!));
      if (this.pending.size === 0) this.#idle();
    });
    let failure: Error | undefined;
    this.worker.on("error", (error) => (failure = error));
    this.worker.on("exit", (code) => {
      onExit(this, failure ?? new Error(`the SQLite reader thread stopped (exit code ${code})`));
      this.#idle();
    });
  }

  #idle(): void {
    this.worker.unref();
    for (const done of this.#whenIdle.splice(0)) done();
  }

  /** Resolves once every statement sent has been answered. */
  idle(): Promise<void> {
    return this.pending.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#whenIdle.push(resolve));
  }

  /** Throws (DataCloneError), having kept nothing, for parameters that cannot be copied to the thread. */
  send(id: number, sql: string, parameters: readonly unknown[], pending: Pending): void {
    this.worker.postMessage({ id, sql, parameters });
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(id, pending);
  }
}

/** The error a reader's connection raised, with SQLite's code, as better-sqlite3 raises it on the main thread. */
function readerError({ message, code, name }: { message: string; code?: string; name?: string }): Error {
  const error = new Error(message) as Error & { code?: string };
  if (name) error.name = name;
  if (code !== undefined) error.code = code;
  return error;
}

/**
 * Rows as the main thread's connection gives them: a BLOB comes back from another
 * thread as a plain Uint8Array, where better-sqlite3 gives a Buffer.
 */
function fromClone(rows: unknown[]): unknown[] {
  for (const row of rows as Record<string, unknown>[]) {
    for (const key in row) {
      const value = row[key];
      if (value instanceof Uint8Array && !Buffer.isBuffer(value)) row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return rows;
}

/**
 * Reads run on threads of their own, each with its own connection to the file: a
 * page's statement (most of its CPU) no longer holds the event loop, so HTTP,
 * GraphQL and the next requests' work go on beside it, and one slow listing does not
 * hold up every other request. WAL lets these connections read beside the store's
 * writer: each statement reads the last committed state when it starts, so a version
 * a request created is in the next listing. A statement goes to the thread with the
 * fewest out; threads start with the first read and are started again if one stops.
 */
export class SqliteReadPool {
  readonly #readers: (Reader | undefined)[];
  readonly #data: ReaderData;
  #nextId = 0;
  #closed = false;

  constructor(file: string, options: ReadPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError("a read pool needs at least one thread");
    this.#readers = Array.from({ length: options.threads }, () => undefined);
    this.#data = {
      file,
      betterSqlite3: createRequire(import.meta.url).resolve("better-sqlite3"),
      busyTimeoutMs: options.busyTimeoutMs,
      cacheKib: options.cacheKib,
      preparedStatements: options.preparedStatements ?? PREPARED_STATEMENTS,
    };
  }

  /** Threads running now (they start with the first read). */
  get running(): number {
    return this.#readers.filter(Boolean).length;
  }

  /** The rows of one read statement. */
  all(sql: string, parameters: readonly unknown[]): Promise<unknown[]> {
    if (this.#closed) return Promise.reject(new Error("the SQLite store is closed"));
    const reader = this.#pick();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => reader.send(id, sql, parameters, { resolve, reject }));
  }

  /** An idle thread; else one not started yet; else the one with the fewest statements out. */
  #pick(): Reader {
    let best: Reader | undefined;
    let free = -1;
    for (let i = 0; i < this.#readers.length; i++) {
      const reader = this.#readers[i];
      if (reader === undefined) {
        if (free < 0) free = i;
      } else if (best === undefined || reader.pending.size < best.pending.size) best = reader;
    }
    if (best !== undefined && (best.pending.size === 0 || free < 0)) return best;
    return (this.#readers[free] = new Reader(this.#data, (reader, error) => this.#exited(reader, error)));
  }

  #exited(reader: Reader, error: Error): void {
    const at = this.#readers.indexOf(reader);
    if (at >= 0) this.#readers[at] = undefined;
    for (const pending of reader.pending.values()) pending.reject(error);
    reader.pending.clear();
  }

  /** Stops the threads once their statements are answered. */
  async close(): Promise<void> {
    this.#closed = true;
    const readers = this.#readers.filter((r): r is Reader => r !== undefined);
    await Promise.all(
      readers.map(async (reader) => {
        await reader.idle();
        await reader.worker.terminate();
      }),
    );
  }
}

/** The pool as a Kysely connection: reads only, never in a transaction. */
class PoolConnection implements DatabaseConnection {
  constructor(private readonly pool: SqliteReadPool) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return { rows: (await this.pool.all(compiledQuery.sql, compiledQuery.parameters)) as R[] };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("the SQLite read pool does not stream");
  }
}

class PoolDriver implements Driver {
  readonly #connection: PoolConnection;

  constructor(private readonly pool: SqliteReadPool) {
    this.#connection = new PoolConnection(pool);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection;
  }

  async beginTransaction(): Promise<void> {
    throw new Error("the SQLite read pool runs no transactions");
  }

  async commitTransaction(): Promise<void> {}

  async rollbackTransaction(): Promise<void> {}

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    await this.pool.close();
  }
}

/** A Kysely dialect whose statements run on `pool`'s threads. */
export function readPoolDialect(pool: SqliteReadPool): Dialect {
  return {
    createDriver: () => new PoolDriver(pool),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
}
