/**
 * A running replica whose new sessions PostgreSQL refuses by name: its database renamed
 * (or dropped and restored under another name) or, alike, its role's password changed
 * or its login taken away. The database is at fault, not the client, and /readyz already
 * says so: requests answer UNAVAILABLE with Retry-After, never an internal error, and
 * serve again once sessions are taken. At start-up the same refusal still fails at once.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openPostgresStore } from "../gateway/src/storage/postgres/index.js";
import { adminQuery, BACKENDS } from "./support/backends.js";
import { postQuery, startTestGateway, type TestGateway } from "./support/gateway.js";

describe.runIf(BACKENDS.includes("postgres"))("PostgreSQL refusing a replica's new sessions", () => {
  let gw: TestGateway;
  let name: string;

  beforeAll(async () => {
    gw = await startTestGateway({ backend: "postgres" });
    name = new URL(gw.storage.databaseUrl).pathname.slice(1);
  });

  afterAll(async () => {
    if (name) await adminQuery(`alter database ${name}_moved rename to ${name}`).catch(() => {});
    await gw?.close();
  });

  /** Renames the database from `from` to `to`, ending the sessions on it (the events listener's too). */
  const rename = (from: string, to: string) =>
    adminQuery(
      `alter database ${from} allow_connections false`,
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${from}'`,
      `alter database ${from} rename to ${to}`,
      `alter database ${to} allow_connections true`,
    );

  const read = () => postQuery(gw.url, `{ models(name: "m") { totalCount } }`);

  test("requests are UNAVAILABLE with Retry-After while the database is gone by name, then serve again", async () => {
    expect((await read()).status).toBe(200);
    await rename(name, `${name}_moved`);
    try {
      for (let i = 0; i < 3; i++) {
        expect(await read()).toMatchObject({ status: 503, retryAfter: "5", body: { errors: [{ extensions: { code: "UNAVAILABLE" } }] } });
      }
      expect((await fetch(`${gw.origin}/readyz`)).status).toBe(503);
    } finally {
      await rename(`${name}_moved`, name);
    }
    expect(await read()).toMatchObject({ status: 200, body: { data: { models: { totalCount: 0 } } } });
  });

  test("at start-up a database that does not exist fails at once with the server's words, without waiting", async () => {
    const url = new URL(gw.storage.databaseUrl);
    url.pathname = `/${name}_missing`;
    const started = Date.now();
    const failed = await openPostgresStore(url.toString(), { connectTimeoutMs: 10_000 }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failed).toMatchObject({ code: "3D000", message: expect.stringMatching(/does not exist/) });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
