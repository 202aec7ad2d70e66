import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS } from "./support/backends.js";
import { postQuery, startTestGateway, type TestGateway } from "./support/gateway.js";
import { waitFor } from "./support/wait.js";

/**
 * PostgreSQL breaks a deadlock by rolling back one of its transactions (40P01): nothing
 * of that change was made, and the same request sent again succeeds. The gateway says so
 * (UNAVAILABLE, with Retry-After), not INTERNAL_SERVER_ERROR. Here another session holds
 * the lock the events are appended behind while it waits for the lineage lock an edit's
 * transaction took first; the gateway's session checks for the deadlock after its
 * `deadlock_timeout` (1 s), the other's only after a minute, so the gateway's edit is the
 * one rolled back.
 */
describe.runIf(BACKENDS.includes("postgres"))("a deadlock PostgreSQL breaks by rolling the gateway's transaction back", () => {
  let homer: TestGateway;

  beforeAll(async () => {
    homer = await startTestGateway({ backend: "postgres" });
    for (const version of [1, 2]) {
      const created = await homer.upload({ name: "dl", version }, { "model.bin": `bytes ${version}` });
      expect(created.errors).toBeUndefined();
    }
  });
  afterAll(async () => {
    await homer?.close();
  });

  const edit = () =>
    postQuery(
      homer.url,
      `mutation { updateModel(name: "dl", version: 2, input: { lineage: { parents: [{ name: "dl", version: 1 }] } }) { revision } }`,
    );

  test("answers UNAVAILABLE with Retry-After, changes nothing, and the retry succeeds", async () => {
    const other = new pg.Client({ connectionString: homer.storage.databaseUrl });
    other.on("error", () => {});
    await other.connect();
    try {
      await other.query("begin");
      await other.query("set local deadlock_timeout = '60s'");
      // The lock events are appended behind ("homer" in ASCII: storage/postgres/index.ts).
      await other.query(`select pg_advisory_xact_lock(${0x686f6d6572})`);
      const answer = edit();
      // The edit holds the lineage lock and waits for the events' lock: now wait for the lineage lock.
      await waitFor(
        "the edit to wait for the events' lock",
        async () =>
          (await other.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted")).rows[0].n > 0,
      );
      const locking = other.query("select pg_advisory_xact_lock(hashtext('homer.lineage'))");
      const res = await answer;
      await locking;
      await other.query("commit");
      expect(res.status).toBe(503);
      expect(res.retryAfter).toBe("1");
      expect(res.body.errors[0].extensions.code).toBe("UNAVAILABLE");
      expect(res.body.errors[0].message).toMatch(/deadlock/);
    } finally {
      await other.end();
    }
    // Nothing of the edit was made.
    const before = await homer.gql(`{ model(name: "dl", version: 2) { revision lineage { parents { version } } } }`);
    expect(before.data.model).toEqual({ revision: 1, lineage: null });
    const retried = await edit();
    expect(retried).toMatchObject({ status: 200, body: { data: { updateModel: { revision: 2 } } } });
  });
});
