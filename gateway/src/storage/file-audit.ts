import type { KyselyConfig } from "kysely";
import { ConfigError } from "../config.js";
import type { BlobStore } from "./blob-store.js";
import { FsBlobStore } from "./fs/fs-blob-store.js";
import type { StorageOptions } from "./factory.js";
import { fileReferences, stillReferenced, type FileReference } from "./sql/file-references.js";
import { schemaState } from "./sql/migrate.js";
import type { Database, SqlDialect } from "./sql/schema.js";
import type { Kysely } from "kysely";

export type { FileReference } from "./sql/file-references.js";

/** The registry's files and blobs, read only: what `check-blobs` walks. */
export interface FileAudit {
  /** Which database and blob store, for the report. */
  readonly database: "sqlite" | "postgres";
  readonly blobStore: "fs" | "s3";
  /** Every version's files, a page at a time (see `fileReferences`). */
  files(pageSize: number): AsyncIterable<FileReference[]>;
  /** Whether the version still names the file (not deleted or overwritten since it was read). */
  stillReferenced(file: FileReference): Promise<boolean>;
  /** The blob's size, undefined when the store has none at that digest. */
  blobSize(sha256: string): Promise<number | undefined>;
  close(): Promise<void>;
}

export type FileAuditOptions = Pick<
  StorageOptions,
  "databaseUrl" | "blobUrl" | "s3ForcePathStyle" | "env" | "dbConnectTimeoutMs" | "logger"
> & {
  readonly log?: KyselyConfig["log"];
};

/**
 * Opens the database and the blob store of a registry for reading, beside gateways that
 * serve it: nothing is created, migrated or written. A database whose schema is not this
 * release's (migrations pending, or a newer release's applied) is refused with a
 * ConfigError, as are a missing SQLite file or blob directory.
 */
export async function openFileAudit(options: FileAuditOptions): Promise<FileAudit> {
  const { databaseUrl, blobUrl } = options;
  const postgres = /^postgres(ql)?:\/\//i.test(databaseUrl);
  let db: Kysely<Database>;
  let dialect: SqlDialect;
  if (postgres) {
    const { openPostgresReader, postgresDialect } = await import("./postgres/index.js");
    db = await openPostgresReader(databaseUrl, { log: options.log, connectTimeoutMs: options.dbConnectTimeoutMs, logger: options.logger });
    dialect = postgresDialect;
  } else {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl) && !/^(sqlite|file):\/\//i.test(databaseUrl)) {
      throw new ConfigError(`unsupported database URL ${databaseUrl.split("://")[0]}://: use postgres:// or a SQLite file path`);
    }
    const { openSqliteReader, sqliteDialect } = await import("./sqlite/index.js");
    db = openSqliteReader(databaseUrl.replace(/^(sqlite|file):(\/\/)?/i, ""), { log: options.log });
    dialect = sqliteDialect;
  }
  let blobs: BlobStore | undefined;
  try {
    const { pending, newer } = await schemaState(db, dialect);
    if (newer.length > 0) {
      throw new ConfigError(`the database was migrated by a newer Homer release (${newer.join(", ")}): run the check with that release`);
    }
    if (pending.length > 0) {
      throw new ConfigError(
        `the database's schema is not this release's (${pending.length} migration(s) pending, ${pending[0]} first): start this release's gateway once to migrate it, or run the check with the release that serves it`,
      );
    }
    if (/^s3:\/\//i.test(blobUrl)) {
      const { openS3BlobStore } = await import("./s3/index.js");
      blobs = await openS3BlobStore(blobUrl, {
        forcePathStyle: options.s3ForcePathStyle,
        env: options.env,
        connectTimeoutMs: options.dbConnectTimeoutMs,
        logger: options.logger,
      });
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(blobUrl) && !/^file:\/\//i.test(blobUrl)) {
      throw new ConfigError(`unsupported blob store URL ${blobUrl}: use a directory or s3://bucket/prefix`);
    } else {
      blobs = await FsBlobStore.openExisting(blobUrl.replace(/^file:\/\//, ""));
    }
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const store = blobs;
  return {
    database: dialect.name,
    blobStore: /^s3:\/\//i.test(blobUrl) ? "s3" : "fs",
    files: (pageSize) => fileReferences(db, pageSize),
    stillReferenced: (file) => stillReferenced(db, file),
    blobSize: (sha256) => store.sizeOf(sha256),
    async close() {
      try {
        await db.destroy();
      } finally {
        await store.close();
      }
    },
  };
}
