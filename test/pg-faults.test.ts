import fs from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, makeTempDir } from "./support/backends.js";
import { killAllChildren, runGateway, startChildGateway, type ChildGateway } from "./support/child-gateway.js";
import { sleep, waitFor } from "./support/wait.js";
import { isOkOrUnavailable, sha256, startLoad, type Load } from "./support/fault-load.js";
import { createPgCluster, type PgCluster } from "./support/pg-cluster.js";

/**
 * PostgreSQL's ordinary faults under load, on a cluster of the test's own: a
 * clean stop, a crash (immediate) and restart, and sessions killed with
 * pg_terminate_backend. The gateway runs as a real process, so dying is visible
 * as an exit; it must stay up, answer UNAVAILABLE (503 + Retry-After) while the
 * database is away, report it on /readyz, recover without a restart, and lose
 * nothing it acknowledged.
 */

let cluster: PgCluster;
const dirs: string[] = [];
let databases = 0;

beforeAll(async () => {
  if (BACKENDS.includes("postgres")) cluster = await createPgCluster();
}, 60_000);

afterAll(async () => {
  await killAllChildren();
  await cluster?.destroy();
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

/** A fresh database and data directory on the test cluster. */
async function site(): Promise<{ database: string; env: Record<string, string> }> {
  const database = `homer_fault_${++databases}`;
  await cluster.createDatabase(database);
  const dataDir = await makeTempDir("homer-pgfault-");
  dirs.push(dataDir);
  return {
    database,
    // The request rate limit is not under test here; the load would exceed it.
    env: { HOMER_DATA_DIR: dataDir, HOMER_DATABASE_URL: cluster.url(database), HOMER_RATE_LIMIT: "0" },
  };
}

async function readyz(gw: ChildGateway): Promise<{ status: number; retryAfter: string | null }> {
  const res = await fetch(`${gw.origin}/readyz`);
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get("retry-after") };
}

function expectAlive(gw: ChildGateway): void {
  expect(gw.child.exitCode, gw.output().slice(-4000)).toBeNull();
  expect(gw.child.signalCode, gw.output().slice(-4000)).toBeNull();
}

/** Every answer was a success or UNAVAILABLE with Retry-After: never a 500, a reset, or corrupt bytes. */
function expectOnlyOkOrUnavailable(load: Load): void {
  // Needs item 14 (guards.ts: a database error during authentication is not a
  // failed login): without it, ~60 outage answers later every request gets 429.
  expect(
    load.outcomes.filter((o) => o.code === "TOO_MANY_REQUESTS"),
    "429 during the outage: issue 7 item 14 (guards.ts) is not fixed",
  ).toEqual([]);
  expect(load.outcomes.filter((o) => !isOkOrUnavailable(o))).toEqual([]);
}

/** Waits until /readyz is 200 again, then a create and a read succeed on the same process. */
async function expectRecovered(gw: ChildGateway, name: string): Promise<void> {
  await waitFor("/readyz to answer 200 again", async () => (await readyz(gw)).status === 200, 30_000, 100);
  const after = startLoad(gw.origin, name, { workers: 1, maxRequests: 3 });
  await after.finished;
  // Needs item 14 too: until guards.ts stops charging database errors as failed
  // logins, the outage spends the address's budget and recovery is refused 429.
  expect(
    after.outcomes.filter((o) => o.code === "TOO_MANY_REQUESTS"),
    "429 after the outage: issue 7 item 14 (guards.ts) is not fixed",
  ).toEqual([]);
  expect(after.outcomes.map((o) => o.status)).toEqual([200, 200, 200]);
  expect(after.acknowledged).toHaveLength(1);
}

/** Every create answered with success is there, with the bytes it was sent. */
async function expectNothingLost(gw: ChildGateway, name: string, load: Load): Promise<void> {
  expect(load.acknowledged.length).toBeGreaterThan(0);
  for (const ack of load.acknowledged) {
    const res = await fetch(`${gw.origin}/files/default/${name}/${ack.version}/w.bin`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect({ version: ack.version, status: res.status, sha256: sha256(bytes) }).toEqual({
      version: ack.version,
      status: 200,
      sha256: ack.sha256,
    });
  }
}

/** Runs load until it has seen `n` more successful answers. */
async function successes(load: Load, n: number): Promise<void> {
  const target = load.outcomes.filter((o) => o.status === 200).length + n;
  await waitFor(`${n} successful answers`, () => load.outcomes.filter((o) => o.status === 200).length >= target, 20_000);
}

/** The outage as clients see it: /readyz 503 with Retry-After, requests UNAVAILABLE. */
async function expectOutageAnswers(gw: ChildGateway, load: Load): Promise<void> {
  const before = load.outcomes.length;
  expect(await readyz(gw)).toEqual({ status: 503, retryAfter: "5" });
  await waitFor("requests answered during the outage", () => load.outcomes.length >= before + 8, 10_000);
  const during = load.outcomes.slice(before);
  expect(during.filter((o) => o.status === 503).length).toBeGreaterThan(0);
  expectAlive(gw);
}

describe.runIf(BACKENDS.includes("postgres"))("PostgreSQL faults under load", () => {
  // One process lives through every fault in turn, as a deployed gateway would.
  let gw: ChildGateway;
  let database: string;

  beforeAll(async () => {
    const s = await site();
    database = s.database;
    // A short statement deadline, so the frozen-server case fails over in seconds.
    gw = await startChildGateway({ env: { ...s.env, HOMER_DB_STATEMENT_TIMEOUT_MS: "3000" }, timeoutMs: 30_000 });
  }, 60_000);

  afterEach(async () => {
    await cluster.start();
  });

  afterAll(async () => {
    await killAllChildren();
  });

  test("a clean stop (-m fast) and start: UNAVAILABLE while down, then recovery without a restart", async () => {
    expectAlive(gw);
    const load = startLoad(gw.origin, "fast");
    await successes(load, 6);
    await cluster.stop("fast");
    await expectOutageAnswers(gw, load);
    await cluster.start();
    await expectRecovered(gw, "fast");
    await successes(load, 6);
    await load.stop();
    expectAlive(gw);
    expectOnlyOkOrUnavailable(load);
    await expectNothingLost(gw, "fast", load);
  });

  test("a crash (-m immediate), and restart -m immediate under load: the gateway survives both", async () => {
    expectAlive(gw);
    const load = startLoad(gw.origin, "crash");
    await successes(load, 6);
    await cluster.stop("immediate");
    await expectOutageAnswers(gw, load);
    await cluster.start();
    await expectRecovered(gw, "crash");
    await successes(load, 6);
    await cluster.restart("immediate");
    await expectRecovered(gw, "crash");
    await successes(load, 6);
    await load.stop();
    expectAlive(gw);
    expectOnlyOkOrUnavailable(load);
    await expectNothingLost(gw, "crash", load);
  });

  test("pg_terminate_backend of every gateway session, twice: the pool reconnects", async () => {
    expectAlive(gw);
    const load = startLoad(gw.origin, "terminated");
    for (let round = 0; round < 2; round++) {
      await successes(load, 6);
      expect(await cluster.terminateBackends(database)).toBeGreaterThan(0);
      await sleep(100);
      expectAlive(gw);
    }
    await expectRecovered(gw, "terminated");
    await successes(load, 6);
    await load.stop();
    expectAlive(gw);
    expectOnlyOkOrUnavailable(load);
    await expectNothingLost(gw, "terminated", load);
  });

  test("a frozen server (SIGSTOP): UNAVAILABLE after the statement deadline instead of a hang, recovery on SIGCONT", async () => {
    expectAlive(gw);
    const load = startLoad(gw.origin, "frozen", { workers: 2 });
    await successes(load, 6);
    await load.stop();
    cluster.freeze();
    try {
      expect(await readyz(gw)).toEqual({ status: 503, retryAfter: "5" });
      const stalled = startLoad(gw.origin, "frozen", { workers: 2, maxRequests: 2 });
      await stalled.finished;
      expect(stalled.outcomes.map((o) => [o.status, o.code])).toEqual([
        [503, "UNAVAILABLE"],
        [503, "UNAVAILABLE"],
      ]);
      expectOnlyOkOrUnavailable(stalled);
    } finally {
      cluster.thaw();
    }
    await expectRecovered(gw, "frozen");
    expectAlive(gw);
    await expectNothingLost(gw, "frozen", load);
  });
});

describe.runIf(BACKENDS.includes("postgres"))("PostgreSQL down at start-up", () => {
  afterEach(async () => {
    await killAllChildren();
    await cluster.start();
    for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
  });

  test("the gateway waits (bounded, logged) for a database that is down, and serves once it is up", async () => {
    const { env } = await site();
    await cluster.stop("fast");
    // Both at once: one with a budget too short to outlast the outage, one that waits it out.
    const givingUp = runGateway(["--port", "0"], { ...env, HOMER_DB_CONNECT_TIMEOUT_MS: "600" }, 30_000);
    let retries = 0;
    const starting = startChildGateway({
      env: { ...env, HOMER_DB_CONNECT_TIMEOUT_MS: "30000" },
      timeoutMs: 30_000,
      onOutput: (text) => (retries = text.match(/PostgreSQL is not reachable yet; retrying/g)?.length ?? 0),
    });
    starting.catch(() => {}); // awaited below
    const gaveUp = await givingUp;
    expect(gaveUp.code).toBe(1);
    expect(gaveUp.stderr).toMatch(/PostgreSQL was not reachable within 600 ms \(HOMER_DB_CONNECT_TIMEOUT_MS\).*ECONNREFUSED/);
    expect(gaveUp.stdout).toContain("PostgreSQL is not reachable yet; retrying");

    await waitFor("the waiting gateway to retry twice", () => retries >= 2, 30_000);
    await cluster.start();
    const gw = await starting;
    expect(gw.output()).toContain("PostgreSQL is reachable");
    await expectRecovered(gw, "late");
  });
});
