/**
 * modelFamilies on a PostgreSQL database whose default locale folds case its own way
 * (Turkish: lower('I') is dotless 'ı'). Names are ASCII and the gateway lower-cases a
 * search and a cursor as ASCII: the database must fold them the same, or a prefix
 * misses names with an "I" and pages repeat families. Runs where PostgreSQL has ICU.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openStorage, type Storage } from "../gateway/src/storage/factory.js";
import { BACKENDS, makeTempDir, PG_ADMIN_URL } from "./support/backends.js";
import { registryOver } from "./support/registry.js";

const NAMES = ["alpha", "Iris", "Ivy", "jet", "kappa", "zeta"];

async function admin<T>(run: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

describe.runIf(BACKENDS.includes("postgres"))("modelFamilies on a PostgreSQL database with a Turkish locale", () => {
  const name = `homer_test_tr_${randomBytes(6).toString("hex")}`;
  let created = false;
  let storage: Storage | undefined;
  let dataDir = "";
  let registry: ReturnType<typeof registryOver>;

  beforeAll(async () => {
    created = await admin((c) =>
      c
        .query(`create database ${name} template template0 locale_provider icu icu_locale 'tr-TR' locale 'C.UTF-8'`)
        .then(() => true)
        .catch(() => false),
    );
    if (!created) return;
    dataDir = await makeTempDir();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    storage = await openStorage({ databaseUrl: url.toString(), blobUrl: path.join(dataDir, "blobs") });
    registry = registryOver(storage);
    for (const n of NAMES) await registry.createModel({ name: n });
  });
  afterAll(async () => {
    await storage?.metadata.close();
    await storage?.blobs.close();
    if (created) await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  const names = (page: { nodes: readonly { name: string }[] }) => page.nodes.map((f) => f.name);

  test("search and order fold A-Z only, as on SQLite", async (ctx) => {
    if (!created) ctx.skip();
    expect(names(await registry.listFamilies({}))).toEqual(NAMES);
    expect(names(await registry.listFamilies({ search: "i" }))).toEqual(["Iris", "Ivy"]);
    expect(names(await registry.listFamilies({ search: "IV" }))).toEqual(["Ivy"]);
    expect(names(await registry.listFamilies({ search: "iv", match: "SUBSTRING" }))).toEqual(["Ivy"]);
  });

  test("pages of every size add up to the whole listing, each family once", async (ctx) => {
    if (!created) ctx.skip();
    for (const first of [1, 2, 3, 4, 5]) {
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < NAMES.length + 1; i++) {
        const page = await registry.listFamilies({ first, after });
        seen.push(...names(page));
        if (!page.hasNextPage) break;
        after = page.endCursor;
      }
      expect(seen, `first ${first}`).toEqual(NAMES);
    }
  });
});
