/**
 * Support for test/hostile.test.ts: a real gateway whose data directory sits inside
 * a sentinel directory tree, and the checks every hostile response must pass. The
 * requests themselves are written and sent by `./raw-request.ts`.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { Logger } from "pino";
import { startGateway, type Gateway } from "../../gateway/src/app.js";
import { loadConfig, type Config } from "../../gateway/src/config.js";
import { openStorage, type Storage } from "../../gateway/src/storage/factory.js";
import { createPgDatabase, type Backend } from "./backends.js";
import type { Reply } from "./raw-request.js";
import { silentLog } from "./registry.js";

/** Codes a hostile request may be answered with (the contract's plus Apollo's own request errors). */
export const KNOWN_CODES: ReadonlySet<string> = new Set([
  "BAD_USER_INPUT",
  "GRAPHQL_VALIDATION_FAILED",
  "GRAPHQL_PARSE_FAILED",
  "BAD_REQUEST",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "TOO_MANY_REQUESTS",
  // Apollo Server's typed request errors: an unknown operationName; APQ, which is off.
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

/** What must never appear in an answer to a stranger. */
const LEAKS: readonly [string, RegExp][] = [
  ["stack frame", /\n\s+at\s|\bat\s+[\w.<>$]+\s+\((?:file:|\/|node:)|"stacktrace"/],
  ["server path", /\/work\/|node_modules|file:\/\/|\.[cm]?[jt]s:\d+/],
  [
    "SQL",
    /SQLITE_|sqlite|better-sqlite|kysely|\bselect\s[^"\n]{0,80}\sfrom\s|\binsert\s+into\b|constraint failed|syntax error at or near|\brelation "/i,
  ],
  ["internal error", /Internal server error|INTERNAL_SERVER_ERROR/],
];

/** Problems with a reply's body: leaked internals or secrets. */
export function leaksIn(reply: Reply, secrets: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [what, pattern] of LEAKS) {
    const m = pattern.exec(reply.text);
    if (m) problems.push(`${what} in the body: …${reply.text.slice(Math.max(0, m.index - 60), m.index + 80)}…`);
  }
  for (const secret of secrets)
    if (secret && reply.text.includes(secret)) problems.push(`a secret (${secret.slice(0, 12)}…) is echoed in the body`);
  return problems;
}

/** Files and directories under `root` (relative paths), skipping `exclude`, with size and mtime. */
export async function snapshotTree(root: string, exclude: readonly string[] = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string) => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (exclude.includes(full)) continue;
      const stat = await fs.lstat(full);
      out.set(path.relative(root, full), entry.isDirectory() ? "dir" : `${stat.size}@${stat.mtimeMs}`);
      if (entry.isDirectory()) await walk(full);
    }
  };
  await walk(root);
  return out;
}

/** Every path under `root`, recursively (for looking for names that must not exist). */
export async function listAll(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      out.push(full);
      if (entry.isDirectory()) await walk(full);
    }
  };
  await walk(root);
  return out;
}

export interface HostileGateway {
  readonly origin: string;
  readonly gateway: Gateway;
  readonly storage: Storage;
  /** `<sentinel>/outer/data`: everything the gateway stores lives here. */
  readonly dataDir: string;
  readonly blobDir: string;
  /** A SQLite file in the data directory, or a fresh PostgreSQL database's URL. */
  readonly databaseUrl: string;
  /** Runs read-only SQL against the gateway's database, whichever backend it is. */
  query(sql: string): Promise<unknown[]>;
  /** The temp dir around the data dir, with sentinel files at every level. */
  readonly sentinelRoot: string;
  close(): Promise<void>;
}

/**
 * A real gateway (`backend`, SQLite by default, + local blob directory) whose data directory is nested in a
 * sentinel tree: `<root>/{sentinel.txt, etc/passwd, outer/{sentinel.txt, data/…}}`,
 * so a write that escapes the data directory lands somewhere a snapshot sees it.
 */
export async function startHostileGateway(
  options: { backend?: Backend; config?: Partial<Config>; logger?: Logger } = {},
): Promise<HostileGateway> {
  const sentinelRoot = await fs.mkdtemp(path.join(os.tmpdir(), "homer-hostile-"));
  await fs.writeFile(path.join(sentinelRoot, "sentinel.txt"), "root sentinel\n");
  await fs.mkdir(path.join(sentinelRoot, "etc"));
  await fs.writeFile(path.join(sentinelRoot, "etc", "passwd"), "root:x:0:0:sentinel\n");
  const dataDir = path.join(sentinelRoot, "outer", "data");
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(path.join(sentinelRoot, "outer", "sentinel.txt"), "outer sentinel\n");
  const blobDir = path.join(dataDir, "blobs");
  const pgDb = options.backend === "postgres" ? await createPgDatabase() : undefined;
  const databaseUrl = pgDb?.url ?? path.join(dataDir, "registry.sqlite");
  const storage = await openStorage({ databaseUrl, blobUrl: blobDir });
  const config: Config = {
    ...loadConfig(["--port", "0"], {}),
    dataDir,
    databaseUrl,
    blobUrl: blobDir,
    shutdownGraceMs: 1000,
    ...options.config,
  };
  let gateway: Gateway;
  try {
    gateway = await startGateway(config, { log: options.logger ?? silentLog, storage });
  } catch (error) {
    await storage.metadata.close().catch(() => {});
    await pgDb?.drop();
    await fs.rm(sentinelRoot, { recursive: true, force: true });
    throw error;
  }
  return {
    origin: gateway.origin,
    gateway,
    storage,
    dataDir,
    blobDir,
    databaseUrl,
    sentinelRoot,
    query: (sql) => (pgDb ? queryPostgres(pgDb.url, sql) : Promise.resolve(querySqlite(databaseUrl, sql))),
    async close() {
      await gateway.close();
      await pgDb?.drop();
      await fs.rm(sentinelRoot, { recursive: true, force: true });
    },
  };
}

function querySqlite(file: string, sql: string): unknown[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

async function queryPostgres(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A marker that every attack file name carries, so an escaped write can be found by name. */
export const MARK = `pwn${randomBytes(4).toString("hex")}`;
