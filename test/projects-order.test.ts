/**
 * `projects` in byte order on every backend, as SQLite sorts, whatever the PostgreSQL
 * database's locale: under en-US, "a_b" would come first and "B1" after "b"
 * (punctuation and case weigh only when all else ties). Runs where PostgreSQL has ICU.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openStorage, type Storage } from "../gateway/src/storage/factory.js";
import { BACKENDS, makeTempDir, PG_ADMIN_URL } from "./support/backends.js";

const NAMES = ["ab", "aB", "Ab", "a-b", "a.b", "a_b", "b", "B1", "a1", "A-"];
const BYTE_ORDER = [...NAMES].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

async function admin<T>(run: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

describe.runIf(BACKENDS.includes("postgres"))("projects on a PostgreSQL database with an en-US locale", () => {
  const name = `homer_test_enus_${randomBytes(6).toString("hex")}`;
  let created = false;
  let storage: Storage | undefined;
  let dataDir = "";

  beforeAll(async () => {
    created = await admin((c) =>
      c
        .query(`create database ${name} template template0 locale_provider icu icu_locale 'en-US' locale 'C.UTF-8'`)
        .then(() => true)
        .catch(() => false),
    );
    if (!created) return;
    dataDir = await makeTempDir();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    storage = await openStorage({ databaseUrl: url.toString(), blobUrl: path.join(dataDir, "blobs") });
    for (const n of NAMES) await storage.access.createProject(n, null);
  });
  afterAll(async () => {
    await storage?.metadata.close();
    await storage?.blobs.close();
    if (created) await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  test("are listed byte by byte, as on SQLite", async (ctx) => {
    if (!created) ctx.skip();
    const listed = (await storage!.access.listProjects()).map((p) => p.name).filter((n) => NAMES.includes(n));
    expect(listed).toEqual(BYTE_ORDER);
  });
});
