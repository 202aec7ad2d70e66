/**
 * A registry in a schema of its own: the connection string's `options` set the
 * session's search_path, and Homer's tables and its record of migrations
 * (`kysely_migration`) live in that schema, whatever other schemas of the database hold.
 */
import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { describe, expect, test } from "vitest";
import { closeStorage, openStorage, type Storage } from "../gateway/src/storage/factory.js";
import { BACKENDS, createPgDatabase, makeTempDir } from "./support/backends.js";
import { registryOver } from "./support/registry.js";

/** `url` with every session's search_path set to `searchPath`. */
function withSearchPath(url: string, searchPath: string): string {
  const withOptions = new URL(url);
  withOptions.searchParams.set("options", `-c search_path=${searchPath}`);
  return withOptions.toString();
}

describe.runIf(BACKENDS.includes("postgres"))("a registry in a schema of its own (search_path)", () => {
  test("beside another application's Kysely migrations in public, and beside another registry's schema", async () => {
    const database = await createPgDatabase();
    const dataDir = await makeTempDir("homer-search-path-");
    const client = new pg.Client({ connectionString: database.url });
    const opened: Storage[] = [];
    try {
      await client.connect();
      await client.query("create schema registry; create schema staging");
      // Another application on the database keeps its own Kysely migrations in public.
      await client.query(`create table kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null);
                          insert into kysely_migration values ('2024_01_01_users', '2024-01-01T00:00:00.000Z')`);
      const open = async (searchPath: string, blobs: string) => {
        const storage = await openStorage({ databaseUrl: withSearchPath(database.url, searchPath), blobUrl: path.join(dataDir, blobs) });
        opened.push(storage);
        return storage;
      };
      const prod = await open("registry,public", "prod");
      const staging = await open("staging", "staging");
      await registryOver(prod).createModel({ name: "m" });
      expect((await registryOver(prod).getModel({ name: "m", version: 1 }))?.version).toBe(1);
      expect(await registryOver(staging).getModel({ name: "m", version: 1 })).toBeNull();
      const { rows } = await client.query<{ schema: string; n: number }>(
        `select table_schema as schema, count(*)::int as n from information_schema.tables
          where table_name in ('kysely_migration', 'models') group by table_schema order by table_schema`,
      );
      expect(rows).toEqual([
        { schema: "public", n: 1 },
        { schema: "registry", n: 2 },
        { schema: "staging", n: 2 },
      ]);
      const other = await client.query<{ name: string }>("select name from public.kysely_migration");
      expect(other.rows).toEqual([{ name: "2024_01_01_users" }]);
      const own = await client.query<{ n: number }>("select count(*)::int as n from registry.kysely_migration where name like '00%'");
      expect(own.rows[0]!.n).toBeGreaterThanOrEqual(17);
      // Started again, each finds its own record: nothing to apply, nothing refused.
      for (const storage of opened.splice(0)) await closeStorage(storage);
      await open("registry,public", "prod");
      await open("staging", "staging");
    } finally {
      for (const storage of opened) await closeStorage(storage).catch(() => {});
      await client.end().catch(() => {});
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
