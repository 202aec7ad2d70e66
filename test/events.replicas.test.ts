import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, createPgDatabase, makeTempDir, PG_ADMIN_URL } from "./support/backends.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";
import { eventsArrive, subscribe, untilLive, type Subscriber } from "./support/subscriber.js";

const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;

/**
 * Two gateway processes on one database and one blob directory (replicas): a
 * change made through A reaches a subscriber of B.
 */
describe.each(BACKENDS)("events across two gateway processes on %s", (backend) => {
  let dataDir: string;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let a: ChildGateway;
  let b: ChildGateway;
  const subscribers: Subscriber[] = [];

  beforeAll(async () => {
    dataDir = await makeTempDir("homer-events-");
    database = backend === "postgres" ? await createPgDatabase() : undefined;
    const env = {
      HOMER_DATA_DIR: dataDir,
      HOMER_DATABASE_URL: database?.url ?? path.join(dataDir, "registry.sqlite"),
      HOMER_BLOB_URL: path.join(dataDir, "blobs"),
    };
    a = await startChildGateway({ env });
    b = await startChildGateway({ env });
  });
  afterAll(async () => {
    for (const s of subscribers) await s.close();
    await killAllChildren();
    await database?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test("a create on A reaches a subscriber on B within 1 s, and B's model query already returns it", async () => {
    const s = subscribe(b.origin, { name: "cross" });
    subscribers.push(s);
    await untilLive(s, () => a.gql(CREATE, { i: { name: "cross" } }));
    for (let i = 0; i < 5; i++) {
      const sent = Date.now();
      const created = await a.gql(CREATE, { i: { name: "cross", metrics: [{ key: "acc", value: i }] } });
      const [event] = await eventsArrive(s, 1, 1_000);
      expect(Date.now() - sent).toBeLessThan(1_000);
      expect(event).toMatchObject({ type: "CREATED", name: "cross", version: created.data.createModel.version });
      const onB = await b.gql(`query($v: Int!) { model(name: "cross", version: $v) { metric(key: "acc") } }`, { v: event.version });
      expect(onB.data.model).toEqual({ metric: i });
      s.events.length = 0;
    }
  });

  test.runIf(backend === "postgres")(
    "the listening connection killed (pg_terminate_backend): B reconnects and delivers every event, in order",
    async () => {
      const s = subscribe(b.origin, { name: "through-loss" });
      subscribers.push(s);
      await untilLive(s, () => a.gql(CREATE, { i: { name: "through-loss" } }));
      const dbName = new URL(database!.url).pathname.slice(1);
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      try {
        const listeners = async () =>
          (
            await admin.query<{ pid: number }>(
              "select pid from pg_stat_activity where datname = $1 and application_name = 'homer-events' and state is not null",
              [dbName],
            )
          ).rows.map((r) => r.pid);
        const before = await listeners();
        expect(before).toHaveLength(1); // B's; A has no subscriber, so it does not listen
        await admin.query("select pg_terminate_backend($1)", [before[0]]);
        await expect.poll(() => b.output()).toContain("the PostgreSQL connection listening for events was lost; reconnecting");
        // Committed while B has nobody listening: only the replay by seq can bring them.
        const versions: number[] = [];
        for (let i = 0; i < 5; i++) versions.push((await a.gql(CREATE, { i: { name: "through-loss" } })).data.createModel.version);
        const events = await eventsArrive(s, 5, 15_000);
        expect(events.map((e) => e.version)).toEqual(versions);
        expect(b.output()).toContain("listening for events again; replaying what was missed");
        await expect.poll(listeners).toHaveLength(1);
        expect((await listeners())[0]).not.toBe(before[0]);
        // And live again afterwards.
        const next = (await a.gql(CREATE, { i: { name: "through-loss" } })).data.createModel.version;
        expect((await eventsArrive(s, 6))[5].version).toBe(next);
      } finally {
        await admin.end();
      }
    },
  );
});
