/**
 * A database that stops taking writes: a hot standby after a failover (or the old
 * primary, demoted) answers every write with read_only_sql_transaction (25006). The
 * database is at fault and it passes, so a write is UNAVAILABLE with Retry-After, not
 * an internal error, reads still serve, and once writes are taken again the gateway
 * writes without a restart: a session that answered read-only is not used again.
 */
import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startGateway, type Gateway } from "../gateway/src/app.js";
import { loadConfig } from "../gateway/src/config.js";
import { openStorage } from "../gateway/src/storage/factory.js";
import { BACKENDS, createPgDatabase, makeTempDir, PG_ADMIN_URL } from "./support/backends.js";
import { silentLog } from "./support/registry.js";
import { waitFor } from "./support/wait.js";

/** Runs `statement` as the server's superuser. */
async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe.runIf(BACKENDS.includes("postgres"))("a PostgreSQL database that takes no writes", () => {
  let gateway: Gateway;
  let dataDir: string;
  let database: { url: string; drop: () => Promise<void> };
  let name: string;

  beforeAll(async () => {
    database = await createPgDatabase();
    name = new URL(database.url).pathname.slice(1);
    dataDir = await makeTempDir("homer-pg-read-only-");
    const config = { ...loadConfig(["--port", "0"], {}), databaseUrl: database.url, dataDir, blobUrl: path.join(dataDir, "blobs") };
    gateway = await startGateway(config, { log: silentLog, storage: await openStorage(config) });
  });

  afterAll(async () => {
    await gateway?.close();
    await adminQuery(`alter database ${name} reset default_transaction_read_only`).catch(() => {});
    await database?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const post = async (query: string) => {
    const res = await fetch(`${gateway.origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json() };
  };
  const createProject = (project: string) => post(`mutation { createProject(name: "${project}") { name } }`);
  const read = () => post(`{ models(name: "m") { totalCount } }`);

  test("a write is UNAVAILABLE with Retry-After while read-only, reads serve, and writes succeed once it takes them again", async () => {
    expect((await createProject("before")).body).toEqual({ data: { createProject: { name: "before" } } });

    // Every new session is read-only, as on a standby; the gateway's sessions end, as in a failover.
    await adminQuery(`alter database ${name} set default_transaction_read_only = on`);
    await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`);
    await waitFor("reads to serve again", async () => (await read()).status === 200, 10_000, 50);

    const refused = await createProject("during");
    expect(refused).toMatchObject({ status: 503, retryAfter: "5", body: { errors: [{ extensions: { code: "UNAVAILABLE" } }] } });
    expect(refused.body.errors[0].message).toMatch(/read-only/);
    expect((await read()).body).toEqual({ data: { models: { totalCount: 0 } } });

    // Writable again, and no session of the gateway's is ended this time: it must find a writable one itself.
    await adminQuery(`alter database ${name} reset default_transaction_read_only`);
    const answers: Awaited<ReturnType<typeof createProject>>[] = [];
    for (let i = 0; i < 11 && answers.at(-1)?.status !== 200; i++) answers.push(await createProject(`after${i}`));
    for (const refusedAfter of answers.slice(0, -1)) expect(refusedAfter.body.errors[0].extensions.code).toBe("UNAVAILABLE");
    expect(answers.at(-1)!.body.data).toEqual({ createProject: { name: `after${answers.length - 1}` } });
  });
});
