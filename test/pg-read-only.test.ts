/**
 * A database that stops taking writes: a hot standby after a failover (or the old
 * primary, demoted) answers every write with read_only_sql_transaction (25006). The
 * database is at fault and it passes, so a write is UNAVAILABLE with Retry-After, not
 * an internal error, reads still serve, and once writes are taken again the gateway
 * writes without a restart: a session that answered read-only is not used again.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { adminQuery, BACKENDS } from "./support/backends.js";
import { postQuery, startTestGateway, type TestGateway } from "./support/gateway.js";
import { waitFor } from "./support/wait.js";

describe.runIf(BACKENDS.includes("postgres"))("a PostgreSQL database that takes no writes", () => {
  let gw: TestGateway;
  let name: string;

  beforeAll(async () => {
    gw = await startTestGateway({ backend: "postgres" });
    name = new URL(gw.storage.databaseUrl).pathname.slice(1);
  });

  afterAll(async () => {
    if (name) await adminQuery(`alter database ${name} reset default_transaction_read_only`).catch(() => {});
    await gw?.close();
  });

  const post = (query: string) => postQuery(gw.url, query);
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
