import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPgDatabase, makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { sleep } from "./support/wait.js";

const BARE = `{ models(name: "m") { nodes { version } } }`;
const CREATE_KEY = `mutation { createApiKey(input: { name: "first", grants: [{ project: "*", role: ADMIN }] }) { secret } }`;

/** Open mode remembers "no keys exist" briefly instead of asking on every request. */
describe("open mode's key check", () => {
  let statements: string[] = [];
  let counting = false;
  const gateways: TestGateway[] = [];
  afterAll(() => Promise.all(gateways.map((g) => g.close())));

  async function start(openModeRecheckMs: number): Promise<TestGateway> {
    const gw = await startTestGateway({
      config: { openModeRecheckMs },
      log: (event) => {
        if (counting && event.level === "query") statements.push(event.query.sql);
      },
    });
    gateways.push(gw);
    return gw;
  }

  async function count(gw: TestGateway): Promise<string[]> {
    statements = [];
    counting = true;
    const res = await gw.gql(BARE);
    counting = false;
    expect(res.errors).toBeUndefined();
    return statements;
  }

  test("a bare models query asks for keys once per interval, not once per request", async () => {
    const gw = await start(10_000);
    await gw.gql(BARE); // the start-up check already answered; this one certainly did
    for (let i = 0; i < 3; i++) {
      const counted = await count(gw);
      expect(counted.filter((sql) => /api_keys/.test(sql))).toHaveLength(0);
      expect(counted.length).toBeGreaterThan(0); // the page's own statement(s)
    }
  });

  test("with HOMER_OPEN_MODE_RECHECK_MS=0 every request asks (the former behaviour)", async () => {
    const gw = await start(0);
    for (let i = 0; i < 3; i++) expect((await count(gw)).filter((sql) => /api_keys/.test(sql))).toHaveLength(1);
  });

  test("concurrent requests after the interval share one statement", async () => {
    const gw = await start(200);
    await sleep(250);
    statements = [];
    counting = true;
    const answers = await Promise.all(Array.from({ length: 8 }, () => gw.gql(BARE)));
    counting = false;
    for (const res of answers) expect(res.errors).toBeUndefined();
    expect(statements.filter((sql) => /api_keys/.test(sql))).toHaveLength(1);
  });

  test("a key created on this gateway closes open mode at once", async () => {
    const gw = await start(10_000);
    expect((await gw.gql(BARE)).errors).toBeUndefined();
    expect((await gw.gql(CREATE_KEY)).errors).toBeUndefined();
    const refused = await gw.gql(BARE);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

/**
 * Two gateway processes on one PostgreSQL database: a key created through A is
 * required by B within HOMER_OPEN_MODE_RECHECK_MS of its commit.
 */
describe("open mode across two replicas on PostgreSQL", () => {
  const RECHECK_MS = 500;
  let dataDir: string;
  let database: { url: string; drop: () => Promise<void> };
  let a: ChildGateway;
  let b: ChildGateway;

  beforeAll(async () => {
    dataDir = await makeTempDir("homer-open-mode-");
    database = await createPgDatabase();
    const env = {
      HOMER_DATA_DIR: dataDir,
      HOMER_DATABASE_URL: database.url,
      HOMER_BLOB_URL: path.join(dataDir, "blobs"),
      HOMER_OPEN_MODE_RECHECK_MS: String(RECHECK_MS),
    };
    a = await startChildGateway({ env });
    b = await startChildGateway({ env });
  });
  afterAll(async () => {
    await killAllChildren();
    await database?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  test("B serves anonymous requests until A creates a key, and refuses them within the interval after", async () => {
    expect((await b.gql(BARE)).errors).toBeUndefined();
    expect((await a.gql(BARE)).errors).toBeUndefined();
    const created = await a.gql(CREATE_KEY);
    expect(created.errors).toBeUndefined();
    const committed = performance.now(); // the mutation answered after its commit
    // A knows at once.
    expect((await a.gql(BARE)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    // B may still serve open for at most the interval; every request starting after it is refused.
    let lastOpen = -1;
    while (performance.now() - committed < RECHECK_MS + 200) {
      const started = performance.now();
      const res = await b.gql(BARE);
      if (!res.errors) lastOpen = started - committed;
      else expect(res.errors[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      await sleep(20);
    }
    expect(lastOpen).toBeLessThanOrEqual(RECHECK_MS);
    for (let i = 0; i < 5; i++) {
      const res = await b.gql(BARE);
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });
});
