import type { KyselyConfig } from "kysely";
import path from "node:path";
import type { Logger } from "pino";
import { ConfigError, DEFAULT_SQLITE_READERS } from "../config.js";
import type { AccessStore } from "./access-store.js";
import type { BlobStore } from "./blob-store.js";
import type { EventFeed } from "./event-feed.js";
import { FsBlobStore } from "./fs/fs-blob-store.js";
import type { MetadataStore } from "./metadata-store.js";
import type { SqlMetadataStore } from "./sql/sql-metadata-store.js";
import { openPostgresStore } from "./postgres/index.js";
import type { OpenS3Options } from "./s3/index.js";
import { MemoryRateLimits } from "./memory/memory-rate-limits.js";
import type { PoolStats, RateLimitStore } from "./rate-limit-store.js";
import { withLocalFallback } from "./rate-limit-fallback.js";
import { RedisRateLimits } from "./redis/redis-rate-limits.js";

export interface StorageOptions {
  readonly databaseUrl: string;
  readonly blobUrl: string;
  /** Kysely's query log hook; tests use it to count statements. */
  readonly log?: KyselyConfig["log"];
  /** S3: path-style addressing; undefined: on exactly when AWS_ENDPOINT_URL is set. */
  readonly s3ForcePathStyle?: boolean;
  /** S3: where AWS_* settings are read (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** S3: tuning for tests and benchmarks (part sizes, staging age). */
  readonly s3Tuning?: OpenS3Options["tuning"];
  /** How long start-up waits for PostgreSQL and for an S3 blob store (default 60 s). */
  readonly dbConnectTimeoutMs?: number;
  /** PostgreSQL: statement_timeout of every connection (default 30 s; 0 = none). */
  readonly dbStatementTimeoutMs?: number;
  /** PostgreSQL: named prepared statements per connection (default on). */
  readonly dbPreparedStatements?: boolean;
  /** SQLite: how often, while anyone subscribes, to look for other processes' events (default 200 ms). */
  readonly eventPollMs?: number;
  /** SQLite: threads that run listings' reads (default `DEFAULT_SQLITE_READERS`; 0: the event loop). */
  readonly sqliteReaders?: number;
  /** SQLite with reader threads: whether a listing reads on one now (default: always); see `SqliteStoreOptions`. */
  readonly offloadReads?: () => boolean;
  /** Redis for the shared rate-limit buckets instead of the database (`redis://…`). */
  readonly redisUrl?: string;
  /** Where waiting for the database, lost connections and failed ROLLBACKs are reported. */
  readonly logger?: Pick<Logger, "warn" | "info">;
}

export interface Storage {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  readonly access: AccessStore;
  /** The event log behind subscriptions, in the metadata database. */
  readonly events: EventFeed;
  /** Which database holds the metadata (reported by `/readyz`). */
  readonly database: "sqlite" | "postgres";
  /**
   * Rate-limit buckets: in PostgreSQL, shared by every replica; with SQLite, in
   * this process (see storage/sql/migrations.ts 0005 for why).
   */
  readonly rateLimits: RateLimitStore;
  /** The database pool's connections, where there is a pool (PostgreSQL). */
  readonly poolStats?: () => PoolStats;
  /** Where the blobs are (reported by `/readyz`). */
  readonly blobStore: "fs" | "s3";
}

/** How long start-up waits for Redis before serving with per-process limits. */
const REDIS_START_WAIT_MS = 5_000;

/** The blob store of `blobUrl`: `s3://bucket/prefix`, or a directory (optionally `file://`). */
async function openBlobStore(options: StorageOptions): Promise<{ blobs: BlobStore; kind: Storage["blobStore"] }> {
  const { blobUrl } = options;
  if (/^s3:\/\//i.test(blobUrl)) {
    // Loaded on demand: the AWS SDK is large, and the embedded default never needs it.
    const { openS3BlobStore } = await import("./s3/index.js");
    const blobs = await openS3BlobStore(blobUrl, {
      forcePathStyle: options.s3ForcePathStyle,
      env: options.env,
      connectTimeoutMs: options.dbConnectTimeoutMs,
      logger: options.logger,
      tuning: options.s3Tuning,
    });
    return { blobs, kind: "s3" };
  }
  const dir = blobUrl.replace(/^file:\/\//, "");
  try {
    return { blobs: await FsBlobStore.open(dir), kind: "fs" };
  } catch (error) {
    throw unusableBlobDir(dir, error);
  }
}

/** Why a blob directory cannot be used at all (not writable, a file in its place): configuration, naming the directory and the setting. */
const UNUSABLE_DIR = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR", "EEXIST", "ENOENT", "ELOOP", "ENAMETOOLONG"]);

function unusableBlobDir(dir: string, error: unknown): unknown {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== "string" || !UNUSABLE_DIR.has(code)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ConfigError(
    `${path.resolve(dir)} (HOMER_BLOB_URL, by default HOMER_DATA_DIR/blobs) cannot be used as the blob directory: ${reason}; the gateway must be able to create and write it and its .staging folder`,
  );
}

/** Picks the backends from configuration: `postgres://` or a SQLite path; a directory or `s3://` for blobs. */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  const { databaseUrl, blobUrl } = options;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(blobUrl) && !/^(s3|file):\/\//i.test(blobUrl)) {
    throw new ConfigError(`unsupported blob store URL ${blobUrl}: use a directory or s3://bucket/prefix`);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(databaseUrl)?.[1]?.toLowerCase();
  if (scheme && !["postgres", "postgresql", "sqlite", "file"].includes(scheme)) {
    // A typo must not silently become a SQLite file named after the URL (password included).
    throw new ConfigError(`unsupported database URL scheme "${scheme}://": use postgres:// or a SQLite file path`);
  }
  const onRollbackFailure = (error: unknown) =>
    options.logger?.warn({ err: error }, "rollback failed; the error that caused it was passed on");
  const opened: { metadata: SqlMetadataStore; rateLimits: RateLimitStore; poolStats?: () => PoolStats } = /^postgres(ql)?:\/\//i.test(
    databaseUrl,
  )
    ? await openPostgresStore(databaseUrl, {
        log: options.log,
        connectTimeoutMs: options.dbConnectTimeoutMs,
        statementTimeoutMs: options.dbStatementTimeoutMs,
        preparedStatements: options.dbPreparedStatements,
        logger: options.logger,
        onRollbackFailure,
      })
    : {
        // Loaded on demand, like S3: better-sqlite3 is a native module built for one Node, and a
        // gateway on PostgreSQL never needs it.
        metadata: await (
          await import("./sqlite/index.js")
        ).openSqliteStore(databaseUrl.replace(/^(sqlite|file):(\/\/)?/i, ""), {
          log: options.log,
          onRollbackFailure,
          eventPollMs: options.eventPollMs,
          logger: options.logger,
          readers: options.sqliteReaders ?? DEFAULT_SQLITE_READERS,
          ...(options.offloadReads ? { offloadReads: options.offloadReads } : {}),
        }),
        rateLimits: new MemoryRateLimits(),
        poolStats: undefined,
      };
  if (options.redisUrl) {
    await opened.rateLimits.close();
    const redis = new RedisRateLimits(options.redisUrl, options.logger);
    if (!(await redis.ready(REDIS_START_WAIT_MS))) {
      options.logger?.warn("Redis (HOMER_REDIS_URL) did not answer at start; rate limits hold per process until it does");
    }
    opened.rateLimits = redis;
  }
  const { metadata, poolStats } = opened;
  if (metadata.newerMigrations.length > 0) {
    options.logger?.warn(
      { migrations: metadata.newerMigrations },
      "the database was migrated by a newer Homer release; this one runs on its schema (finish the upgrade)",
    );
  }
  // Shared buckets fail open to this process's own (see rate-limit-fallback.ts).
  const rateLimits =
    opened.rateLimits.scope === "shared" ? withLocalFallback(opened.rateLimits, new MemoryRateLimits(), options.logger) : opened.rateLimits;
  try {
    const { blobs, kind } = await openBlobStore(options);
    return {
      metadata,
      blobs,
      access: metadata.access,
      events: metadata.events,
      database: metadata.backend,
      blobStore: kind,
      rateLimits,
      poolStats,
    };
  } catch (error) {
    await rateLimits.close();
    await metadata.close();
    throw error;
  }
}

/** Closes both stores; the blob store is closed even when the database's close fails. */
export async function closeStorage(storage: Storage): Promise<void> {
  await storage.rateLimits.close();
  try {
    await storage.metadata.close();
  } finally {
    await storage.blobs.close();
  }
}
