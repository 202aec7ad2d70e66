/**
 * PostgreSQL refusing new sessions for a while (ALTER DATABASE … ALLOW_CONNECTIONS false,
 * a maintenance window): requests answer UNAVAILABLE with Retry-After, and the gateway
 * serves again once sessions are allowed, without a restart.
 */
import fs from "node:fs/promises";
import { afterAll, describe, expect, test } from "vitest";
import { BACKENDS, adminQuery, createPgDatabase, makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";

afterAll(() => killAllChildren());

async function query(origin: string) {
  const res = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `{ models(name: "m") { totalCount } }` }),
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json() };
}

describe.runIf(BACKENDS.includes("postgres"))("a PostgreSQL database refusing new sessions", () => {
  test("a database refusing connections answers UNAVAILABLE with Retry-After, then the gateway recovers", async () => {
    const database = await createPgDatabase();
    const name = new URL(database.url).pathname.slice(1);
    const dataDir = await makeTempDir("homer-refusing-");
    try {
      const gw = await startChildGateway({
        env: { HOMER_DATABASE_URL: database.url, HOMER_DATA_DIR: dataDir },
        timeoutMs: 60_000,
      });
      expect((await query(gw.origin)).body.data.models.totalCount).toBe(0);

      await adminQuery(`alter database ${name} allow_connections false`);
      await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`);
      const refused = await query(gw.origin);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe("UNAVAILABLE");
      expect(refused.status).toBe(503);
      expect(refused.retryAfter).toBe("5");

      await adminQuery(`alter database ${name} allow_connections true`);
      expect(await query(gw.origin)).toMatchObject({ status: 200, body: { data: { models: { totalCount: 0 } } } });
      gw.kill("SIGTERM");
      await gw.exited;
    } finally {
      await adminQuery(`alter database ${name} allow_connections true`).catch(() => {});
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
