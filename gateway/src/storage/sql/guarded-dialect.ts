import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from "kysely";
import { outOfSpace } from "../../domain/errors.js";
import type { SqlDialect } from "./schema.js";

export interface GuardOptions {
  /** Told when a ROLLBACK fails; the error that caused the rollback is thrown regardless. */
  readonly onRollbackFailure?: (error: unknown) => void;
}

/**
 * Wraps a Kysely dialect so that every statement, BEGIN and COMMIT that fails for
 * want of space (SQLITE_FULL, PostgreSQL's disk_full) throws INSUFFICIENT_STORAGE,
 * and a failed ROLLBACK never replaces the error that made Kysely roll back.
 */
export function guardedDialect(inner: Dialect, sqlDialect: SqlDialect, options: GuardOptions = {}): Dialect {
  return {
    createDriver: () => new GuardedDriver(inner.createDriver(), sqlDialect, options),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
  };
}

function translate(error: unknown, sqlDialect: SqlDialect): unknown {
  return sqlDialect.isOutOfSpace(error) ? outOfSpace("database", error) : error;
}

class GuardedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly sqlDialect: SqlDialect,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      throw translate(error, this.sqlDialect);
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (error) {
      throw translate(error, this.sqlDialect);
    }
  }
}

/** The inner driver always gets its own connection objects back (PostgreSQL's release needs them). */
class GuardedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly sqlDialect: SqlDialect,
    private readonly options: GuardOptions,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new GuardedConnection(await this.inner.acquireConnection(), this.sqlDialect);
  }

  async #guard(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      throw translate(error, this.sqlDialect);
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#guard(() => this.inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#guard(() => this.inner.commitTransaction(unwrap(connection)));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // Kysely rolls back only after an error and rethrows that error once the
    // rollback returns: a rollback error thrown here would take its place.
    try {
      await this.inner.rollbackTransaction(unwrap(connection));
    } catch (error) {
      this.options.onRollbackFailure?.(error);
    }
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof GuardedConnection ? connection.inner : connection;
}
