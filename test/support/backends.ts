import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { KyselyConfig } from "kysely";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import type { BlobEntry } from "../../gateway/src/storage/blob-store.js";
import { closeStorage, openStorage, type Storage } from "../../gateway/src/storage/factory.js";
import { s3ClientOf, type S3Server } from "./s3-server.js";

export type Backend = "sqlite" | "postgres";
export type BlobBackend = "fs" | "s3";

/** A metadata store with a blob store, named `sqlite+s3` (plain `sqlite` means `sqlite+fs`). */
export interface StorageCombo {
  readonly name: string;
  readonly metadata: Backend;
  readonly blobs: BlobBackend;
}

/** Each entry of HOMER_TEST_BACKENDS: `sqlite`, `postgres`, `sqlite+fs`, `sqlite+s3`, `postgres+s3`, … */
function parseCombos(text: string): StorageCombo[] {
  const combos: StorageCombo[] = [];
  for (const entry of text.split(",").map((b) => b.trim().toLowerCase())) {
    const [metadata, blobs = "fs"] = entry.split("+");
    if ((metadata !== "sqlite" && metadata !== "postgres") || (blobs !== "fs" && blobs !== "s3")) continue;
    const name = blobs === "fs" ? metadata : `${metadata}+${blobs}`;
    if (!combos.some((c) => c.name === name)) combos.push({ name, metadata, blobs });
  }
  return combos;
}

/**
 * The storage pairs the contract suite runs on: all four by default, narrowed by
 * HOMER_TEST_BACKENDS (e.g. `sqlite,postgres+s3`).
 */
export const STORAGE_COMBOS: readonly StorageCombo[] = parseCombos(
  process.env.HOMER_TEST_BACKENDS ?? "sqlite,postgres,sqlite+s3,postgres+s3",
);

/** Every metadata backend named in HOMER_TEST_BACKENDS (suites that run on a local blob directory). */
export const BACKENDS: readonly Backend[] = [...new Set(STORAGE_COMBOS.map((c) => c.metadata))];

/** The server the tests use; PostgreSQL on this machine, trust auth. */
export const PG_ADMIN_URL = process.env.HOMER_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestStorage extends Storage {
  readonly dataDir: string;
  readonly databaseUrl: string;
  /** The blob directory (fs), or a directory nothing uses (s3). */
  readonly blobDir: string;
  /** `HOMER_BLOB_URL` of this storage: the directory, or `s3://bucket/prefix`. */
  readonly blobUrl: string;
  /** Every addressable blob, sorted by digest (staging excluded), whatever the blob store. */
  listBlobs(): Promise<BlobEntry[]>;
  /** The names in staging. */
  stagingNames(): Promise<string[]>;
  /** Writes a staging entry as a process (of any host) would leave it, modified `ageMs` ago. */
  writeStaging(name: string, bytes: string, ageMs?: number): Promise<void>;
  /** Closes the stores and drops the database and directory. */
  cleanup(): Promise<void>;
}

async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Runs `statements` in turn as the server's superuser, on a session of its own. */
export async function adminQuery(...statements: string[]): Promise<void> {
  await withAdmin(async (client) => {
    for (const statement of statements) await client.query(statement);
  });
}

/**
 * pg's Pool.end() resolves before its sockets have closed, so the server may still
 * count sessions: wait for them rather than kill them (killing makes the closing
 * clients emit errors nobody listens to any more).
 */
async function dropDatabase(name: string): Promise<void> {
  await withAdmin(async (c) => {
    for (let attempt = 0; ; attempt++) {
      const { rows } = await c.query("select count(*)::int as n from pg_stat_activity where datname = $1", [name]);
      if (rows[0].n === 0 || attempt >= 50) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await c.query(`drop database if exists ${name} with (force)`);
  });
}

/** A fresh PostgreSQL database; returns its URL and a function that drops it. */
export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `homer_test_${randomBytes(6).toString("hex")}`;
  await withAdmin((c) => c.query(`create database ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => dropDatabase(name),
  };
}

export async function makeTempDir(prefix = "homer-test-"): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * Storage over a new PostgreSQL database whose default collation is the ICU locale
 * `icuLocale` (what the registry answers must not depend on it), with its own blob
 * directory; null where the server has no ICU. `close` drops both.
 */
export async function openLocaleStorage(icuLocale: string): Promise<{ readonly storage: Storage; close(): Promise<void> } | null> {
  const name = `homer_test_${icuLocale.replace(/\W/g, "_").toLowerCase()}_${randomBytes(6).toString("hex")}`;
  const created = await withAdmin((c) =>
    c
      .query(`create database ${name} template template0 locale_provider icu icu_locale '${icuLocale}' locale 'C.UTF-8'`)
      .then(() => true)
      .catch(() => false),
  );
  if (!created) return null;
  const dataDir = await makeTempDir();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const storage = await openStorage({ databaseUrl: url.toString(), blobUrl: path.join(dataDir, "blobs") });
  return {
    storage,
    async close() {
      await storage.metadata.close();
      await storage.blobs.close();
      await withAdmin((c) => c.query(`drop database if exists ${name} with (force)`));
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The test's view of a blob store's staging area, whichever kind it is. */
interface StagingArea {
  names(): Promise<string[]>;
  write(name: string, bytes: string, ageMs: number): Promise<void>;
}

function fsStaging(blobDir: string): StagingArea {
  const dir = path.join(blobDir, ".staging");
  return {
    names: async () => (await fs.readdir(dir)).sort(),
    async write(name, bytes, ageMs) {
      await fs.writeFile(path.join(dir, name), bytes);
      const then = new Date(Date.now() - ageMs);
      await fs.utimes(path.join(dir, name), then, then);
    },
  };
}

function s3Staging(s3: S3Server, blobUrl: string): StagingArea {
  const prefix = `${blobUrl.slice(`s3://${s3.bucket}/`.length)}/staging/`;
  const client = s3ClientOf(s3);
  return {
    async names() {
      const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
      return (page.Contents ?? []).map((object) => object.Key!.slice(prefix.length)).sort();
    },
    async write(name, bytes, ageMs) {
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: prefix + name, Body: bytes }));
      if (ageMs > 0) await s3.ageObject(prefix + name, new Date(Date.now() - ageMs));
    },
  };
}

/**
 * Real storage of the given backend in a fresh database, with blobs in a fresh
 * directory, or under a fresh prefix of `s3`'s bucket when `s3` is given.
 */
export async function openTestStorage(
  backend: Backend | StorageCombo,
  options: { log?: KyselyConfig["log"]; s3?: S3Server; sqliteReaders?: number; offloadReads?: () => boolean } = {},
): Promise<TestStorage> {
  const metadataBackend = typeof backend === "string" ? backend : backend.metadata;
  if (typeof backend !== "string" && backend.blobs === "s3" && !options.s3) throw new Error(`${backend.name} needs an S3 server`);
  const s3 = typeof backend === "string" || backend.blobs === "fs" ? undefined : options.s3;
  const dataDir = await makeTempDir();
  const blobDir = path.join(dataDir, "blobs");
  const blobUrl = s3 ? `${s3.blobUrl}/${randomBytes(6).toString("hex")}` : blobDir;
  const pgDb = metadataBackend === "postgres" ? await createPgDatabase() : undefined;
  const databaseUrl = pgDb?.url ?? path.join(dataDir, "registry.sqlite");
  const storage = await openStorage({
    databaseUrl,
    blobUrl,
    log: options.log,
    ...(options.sqliteReaders !== undefined ? { sqliteReaders: options.sqliteReaders } : {}),
    ...(options.offloadReads ? { offloadReads: options.offloadReads } : {}),
    ...(s3 ? { env: s3.env } : {}),
  });
  const staging = s3 ? s3Staging(s3, blobUrl) : fsStaging(blobDir);
  let cleaned = false;
  return {
    ...storage,
    dataDir,
    databaseUrl,
    blobDir,
    blobUrl,
    async listBlobs() {
      const found: BlobEntry[] = [];
      for await (const entry of storage.blobs.list()) found.push(entry);
      return found.sort((a, b) => a.sha256.localeCompare(b.sha256));
    },
    stagingNames: () => staging.names(),
    writeStaging: (name, bytes, ageMs = 0) => staging.write(name, bytes, ageMs),
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      await storage.metadata.close().catch(() => {});
      await storage.blobs.close().catch(() => {});
      await pgDb?.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Blob files under a blob directory (staging excluded). */
export async function listBlobFiles(blobDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(blobDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === ".staging") continue;
    found.push(...(await fs.readdir(path.join(blobDir, entry.name))));
  }
  return found.sort();
}

/** Resolves with the staging files (name and size) of a blob directory. */
export async function stagingFiles(blobDir: string): Promise<{ name: string; size: number }[]> {
  const dir = path.join(blobDir, ".staging");
  const found: { name: string; size: number }[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const stats = await fs.stat(path.join(dir, name)).catch(() => null);
    if (stats) found.push({ name, size: stats.size });
  }
  return found;
}

/** Waits for a store being opened, checks it answers a read (an empty registry's), then closes it. */
export async function expectOpensEmpty(opening: Promise<Storage>): Promise<void> {
  const storage = await opening;
  try {
    const absent = await storage.metadata.getModel({ project: "default", name: "m", version: 1 }, { metrics: false, files: false });
    if (absent !== null) throw new Error("the store opened on a registry that is not empty");
  } finally {
    await closeStorage(storage);
  }
}
