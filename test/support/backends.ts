import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { KyselyConfig } from "kysely";
import { openStorage, type Storage } from "../../gateway/src/storage/factory.js";

export type Backend = "sqlite" | "postgres";

/** Every backend, narrowed by HOMER_TEST_BACKENDS=sqlite,postgres. */
export const BACKENDS: readonly Backend[] = (process.env.HOMER_TEST_BACKENDS ?? "sqlite,postgres")
  .split(",")
  .map((b) => b.trim())
  .filter((b): b is Backend => b === "sqlite" || b === "postgres");

/** The server the tests use; PostgreSQL on this machine, trust auth. */
export const PG_ADMIN_URL = process.env.HOMER_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestStorage extends Storage {
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly blobDir: string;
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

/** Real storage of the given backend in a fresh database and directory. */
export async function openTestStorage(backend: Backend, options: { log?: KyselyConfig["log"] } = {}): Promise<TestStorage> {
  const dataDir = await makeTempDir();
  const blobDir = path.join(dataDir, "blobs");
  const pgDb = backend === "postgres" ? await createPgDatabase() : undefined;
  const databaseUrl = pgDb?.url ?? path.join(dataDir, "registry.sqlite");
  const storage = await openStorage({ databaseUrl, blobUrl: blobDir, log: options.log });
  let cleaned = false;
  return {
    ...storage,
    dataDir,
    databaseUrl,
    blobDir,
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      await storage.metadata.close().catch(() => {});
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
