import Database from "better-sqlite3";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import { GATEWAY_VERSION, SCHEMA_VERSION } from "../gateway/src/domain/version.js";
import { BACKENDS, createPgDatabase, listBlobFiles, makeTempDir, stagingFiles } from "./support/backends.js";
import { killAllChildren, runGateway, startChildGateway, type ChildGateway } from "./support/child-gateway.js";
import { CREATE_MODEL } from "./support/multipart.mjs";
import { connectionRefused } from "./support/raw-socket.js";
import { startRawUpload, startSlowUpload, uploadBody } from "./support/slow-upload.js";
import { sleep, waitFor } from "./support/wait.js";

/**
 * Linux: whether the listening socket on `port` has no connection waiting to be
 * accepted (a LISTEN row's rx_queue in /proc/net/tcp is its accept-queue length).
 */
async function acceptQueueEmpty(port: number): Promise<boolean> {
  const table = await fs.readFile("/proc/net/tcp", "utf8");
  const listening = table
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .find(([, local, , state]) => state === "0A" && local?.endsWith(`:${port.toString(16).toUpperCase().padStart(4, "0")}`));
  if (!listening) throw new Error(`no listening socket on port ${port} in /proc/net/tcp`);
  return Number.parseInt(listening[4]!.split(":")[1]!, 16) === 0;
}

/**
 * The compiled gateway as a real process (`npm run build` first): crash safety
 * under SIGKILL, draining on SIGTERM, the command line. No mocks anywhere.
 */

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await killAllChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Site {
  readonly dataDir: string;
  readonly blobDir: string;
  readonly env: Record<string, string>;
}

/** A fresh data directory (and, for PostgreSQL, a fresh database), removed after the test. */
async function site(backend: "sqlite" | "postgres" = "sqlite", env: Record<string, string> = {}): Promise<Site> {
  const dataDir = await makeTempDir("homer-process-");
  cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
  const siteEnv: Record<string, string> = { HOMER_DATA_DIR: dataDir, ...env };
  if (backend === "postgres") {
    const db = await createPgDatabase();
    cleanups.push(db.drop);
    siteEnv.HOMER_DATABASE_URL = db.url;
  }
  return { dataDir, blobDir: path.join(dataDir, "blobs"), env: siteEnv };
}

const start = (s: Site, env: Record<string, string> = {}) => startChildGateway({ env: { ...s.env, ...env } });

/**
 * Takes the registry's write lock from outside (SQLite: `begin immediate` on its file; PostgreSQL:
 * the `models` table in share mode, which reads pass and inserts wait for) until the returned
 * function releases it.
 */
async function holdWrites(s: Site, backend: "sqlite" | "postgres"): Promise<() => Promise<void>> {
  if (backend === "sqlite") {
    const db = new Database(path.join(s.dataDir, "registry.sqlite"));
    db.exec("begin immediate");
    return async () => {
      db.exec("rollback");
      db.close();
    };
  }
  const client = new pg.Client({ connectionString: s.env.HOMER_DATABASE_URL });
  client.on("error", () => {});
  await client.connect();
  await client.query("begin");
  await client.query("lock table models in share mode");
  return async () => {
    await client.query("rollback");
    await client.end();
  };
}

/** Resolves with the first staging file that holds bytes. */
const stagingWithBytes = (s: Site) =>
  waitFor("a staging file with bytes", async () => (await stagingFiles(s.blobDir)).find((f) => f.size > 0));

/** What a client sees of `name`@1 and of the model's versions. */
async function visible(gw: ChildGateway, name: string) {
  const res = await gw.gql(
    `query($name: String!) { model(name: $name, version: 1) { version sizeBytes files { path sha256 sizeBytes } } ` +
      `models(name: $name) { totalCount } }`,
    { name },
  );
  expect(res.status).toBe(200);
  expect(res.errors).toBeUndefined();
  return res.data as { model: null | { version: number; sizeBytes: number; files: unknown[] }; models: { totalCount: number } };
}

/** After a restart: no staging leftovers and no blob files, only the `.staging` directory. */
async function expectNoLeftovers(s: Site) {
  expect(await stagingFiles(s.blobDir)).toEqual([]);
  expect(await listBlobFiles(s.blobDir)).toEqual([]);
  // Empty two-character prefix directories may stay; no file may.
  for (const entry of await fs.readdir(s.blobDir)) {
    if (entry !== ".staging") expect(await fs.readdir(path.join(s.blobDir, entry))).toEqual([]);
  }
}

const crashBackends = (["sqlite", "postgres"] as const).filter((b) => BACKENDS.includes(b));

describe.each(crashBackends)("crash safety (%s metadata)", (backend) => {
  test("SIGKILL mid-upload leaves no visible version, and the restart reclaims the staged bytes", async () => {
    const s = await site(backend);
    const gw = await start(s);
    // 256 MiB at ~6 MiB/s: still streaming when the process dies.
    const upload = startSlowUpload(gw.origin, uploadBody("crash", { chunks: 4096 }), { delayMs: 10 });
    const staged = await stagingWithBytes(s);
    expect(staged.name.split(".")[1]).toBe(String(gw.pid)); // <host>.<pid>.<uuid>

    gw.kill("SIGKILL");
    expect(await gw.exited, gw.output()).toEqual({ code: null, signal: "SIGKILL" });
    await expect(upload.response).rejects.toThrow();
    expect((await stagingFiles(s.blobDir)).map((f) => f.name)).toEqual([staged.name]); // the crash left it behind

    const again = await start(s); // recovery runs before the ready line
    await expectNoLeftovers(s);
    expect(await visible(again, "crash")).toEqual({ model: null, models: { totalCount: 0 } });
    await waitFor("the reclaim log line", () => /reclaimed leftovers of an earlier run/.test(again.output()), 5_000);

    // Nothing half-committed: the name's first version is still free and uploads work.
    const retry = startSlowUpload(again.origin, uploadBody("crash", { chunks: 2 }), { delayMs: 0 });
    expect(await retry.response).toEqual({ status: 200, body: { data: { createModel: { version: 1 } } } });
  });

  // Blobs are published (hard-linked into place, directories fsynced) just before
  // the metadata transaction, so a crash after publishing and before COMMIT leaves
  // bytes without a row (and their staged copies); the restart reclaims the staging
  // and its background scan adopts and reclaims the bytes. 2000 small files make the
  // publish step long enough to kill the process inside it.
  test("SIGKILL while blobs are being promoted: the restart reclaims the promoted files", async () => {
    const s = await site(backend);
    const gw = await start(s);
    const count = 2000;
    const form = new FormData();
    form.set(
      "operations",
      JSON.stringify({
        query: CREATE_MODEL,
        variables: { input: { name: "many", files: Array.from({ length: count }, (_, i) => ({ path: `f${i}`, file: null })) } },
      }),
    );
    form.set("map", JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [i, [`variables.input.files.${i}.file`]]))));
    for (let i = 0; i < count; i++) form.set(String(i), new Blob([randomBytes(64)]), `f${i}`);
    // The registration's writes wait for this lock: it is killed after publishing, never after COMMIT
    // (a loaded machine let the whole registration commit before the kill landed).
    const release = await holdWrites(s, backend);
    const response = fetch(`${gw.origin}/graphql`, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form });
    response.catch(() => {});

    try {
      await waitFor("the first promoted blob", async () => (await listBlobFiles(s.blobDir).catch(() => [])).length > 0, 20_000, 1);
      gw.kill("SIGKILL");
      await gw.exited;
    } finally {
      await release();
    }
    await expect(response).rejects.toThrow();

    const again = await start(s);
    expect(await visible(again, "many")).toEqual({ model: null, models: { totalCount: 0 } }); // killed before COMMIT
    await waitFor("the orphan scan", () => /reclaimed blob files an interrupted registration left/.test(again.output()), 10_000);
    await expectNoLeftovers(s);
  });
});

describe.each(crashBackends)("graceful shutdown (%s metadata)", (backend) => {
  test("SIGTERM lets an in-flight upload finish, then exits 0; the version survives a restart", async () => {
    const s = await site(backend, { HOMER_SHUTDOWN_GRACE_MS: "15000" });
    const gw = await start(s);
    const body = uploadBody("drain", { chunks: 64 }); // 4 MiB
    const upload = startSlowUpload(gw.origin, body, { delayMs: 10 });
    await stagingWithBytes(s);
    upload.hold();

    gw.kill("SIGTERM");
    // Draining: the listener closes (new connections are refused), the upload goes on.
    await waitFor("the listener to close", () => connectionRefused(gw.origin), 5_000);
    const before = upload.sent();
    upload.resume();
    await sleep(200);
    expect(upload.sent()).toBeGreaterThan(before);
    expect(upload.sent()).toBeLessThan(body.fileSize);
    expect(gw.child.exitCode).toBeNull();

    upload.finish();
    expect(await upload.response).toEqual({ status: 200, body: { data: { createModel: { version: 1 } } } });
    expect(await gw.exited, gw.output()).toEqual({ code: 0, signal: null });
    expect(gw.output()).toMatch(/shut down cleanly/);

    const again = await start(s);
    expect(await visible(again, "drain")).toEqual({
      model: { version: 1, sizeBytes: body.fileSize, files: [{ path: "w.bin", sha256: body.fileSha256, sizeBytes: body.fileSize }] },
      models: { totalCount: 1 },
    });
    expect(await stagingFiles(s.blobDir)).toEqual([]);
    expect(await listBlobFiles(s.blobDir)).toEqual([body.fileSha256]);
  });
});

describe("graceful shutdown", () => {
  test("/readyz answers 503 during the drain (pipelined behind an in-flight upload)", async () => {
    // A new connection is refused once draining starts, and idle keep-alive
    // connections are closed; a request pipelined on the busy upload connection
    // is the one way a client can still ask.
    const s = await site("sqlite", { HOMER_SHUTDOWN_GRACE_MS: "15000" });
    const gw = await start(s);
    const host = new URL(gw.origin).host;
    const upload = startRawUpload(gw.origin, uploadBody("ready", { chunks: 32 }), {
      delayMs: 10,
      after: `GET /readyz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    });
    await stagingWithBytes(s);
    upload.hold(); // the body ends (and /readyz follows) only once draining has begun
    // Before shutdown, a fresh connection sees the gateway ready.
    expect(await (await fetch(`${gw.origin}/readyz`, { headers: { connection: "close" } })).json()).toMatchObject({ status: "ready" });

    gw.kill("SIGTERM");
    await waitFor("the listener to close", () => connectionRefused(gw.origin), 5_000);
    upload.finish();
    const responses = await upload.responses;
    expect(responses.map((r) => r.status)).toEqual([200, 503]);
    expect(JSON.parse(responses[0]!.body)).toEqual({ data: { createModel: { version: 1 } } });
    expect(JSON.parse(responses[1]!.body)).toEqual({ status: "shutting-down" });
    expect(await gw.exited, gw.output()).toEqual({ code: 0, signal: null });
  });

  test("a connection opened just before the drain still gets its first request answered (a proxy's request is never reset)", async () => {
    const s = await site("sqlite", { HOMER_SHUTDOWN_GRACE_MS: "15000" });
    const gw = await start(s);
    const host = new URL(gw.origin).host;
    // A proxy opens a connection per request; the request is on its way when the drain begins.
    const socket = net.connect(gw.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    // 'connect' means the kernel queued it; the drain must find it accepted (one still in
    // the listen queue is reset by any server that stops listening, Node's included).
    await waitFor("the gateway to accept the connection", () => acceptQueueEmpty(gw.port));
    let answer = "";
    socket.setEncoding("utf8").on("data", (d: string) => (answer += d));
    socket.on("error", () => {}); // a reset shows as no answer below
    const closed = new Promise((resolve) => socket.once("close", resolve));
    gw.kill("SIGTERM");
    await waitFor("the listener to close", () => connectionRefused(gw.origin), 5_000);
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(await gw.exited, gw.output()).toEqual({ code: 0, signal: null });
  });

  test("uploads that never complete are cut off after the grace period, logged as cut (not clean); nothing stays", async () => {
    const s = await site("sqlite", { HOMER_SHUTDOWN_GRACE_MS: "500" });
    const gw = await start(s);
    const upload = startSlowUpload(gw.origin, uploadBody("stuck", { chunks: 4096, chunkBytes: 4096 }), { delayMs: 10 });
    const other = startSlowUpload(gw.origin, uploadBody("stuck-too", { chunks: 4096, chunkBytes: 4096 }), { delayMs: 10 });
    await waitFor("both uploads staging bytes", async () => (await stagingFiles(s.blobDir)).filter((f) => f.size > 0).length === 2);
    upload.hold();
    other.hold();

    const signalled = Date.now();
    gw.kill("SIGTERM");
    const exit = await Promise.race([gw.exited, sleep(5_000).then(() => "still running" as const)]);
    const elapsed = Date.now() - signalled;
    expect(exit, gw.output()).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeGreaterThanOrEqual(450); // it did wait for the grace period
    expect(elapsed).toBeLessThan(5_000);
    await expect(upload.response).rejects.toThrow();
    await expect(other.response).rejects.toThrow();
    const lines = gw
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.cutRequests !== undefined)).toEqual([
      expect.objectContaining({
        level: 40,
        cutRequests: 2,
        cutUploads: 2,
        graceMs: 500,
        msg: expect.stringMatching(/cut off 2 in-flight/),
      }),
    ]);
    expect(gw.output()).not.toMatch(/shut down cleanly/);

    const again = await start(s);
    await expectNoLeftovers(s);
    expect(await visible(again, "stuck")).toEqual({ model: null, models: { totalCount: 0 } });
  });
});

describe("command line", () => {
  test("--help prints usage naming every option's environment variable and exits 0", async () => {
    const run = await runGateway(["--help"]);
    expect(run).toMatchObject({ code: 0, signal: null });
    expect(run.stdout).toMatch(/^Usage: /);
    for (const name of [
      "PORT",
      "HOST",
      "HOMER_DATA_DIR",
      "HOMER_DATABASE_URL",
      "HOMER_BLOB_URL",
      "HOMER_SHUTDOWN_GRACE_MS",
      "HOMER_LOG_LEVEL",
      "HOMER_MAX_FILE_SIZE",
    ]) {
      expect(run.stdout).toMatch(new RegExp(`\\benv ${name}\\b`));
    }
    for (const flag of ["--port", "--host", "--data-dir", "--database-url", "--blob-url", "--help"]) {
      expect(run.stdout).toContain(flag);
    }
  });

  test.each([
    [["--port", "abc"], {}, /--port \/ PORT: expected an integer from 0 to 65535, got "abc"/],
    [["--no-such-option"], {}, /unknown option --no-such-option/],
    [["--port"], {}, /--port needs a value/],
    [[], { PORT: "70000" }, /PORT: expected an integer from 0 to 65535, got "70000"/],
    [[], { HOMER_MAX_FILE_SIZE: "lots" }, /HOMER_MAX_FILE_SIZE: expected a positive size/],
  ] as const)("invalid configuration %j %j exits 2 with a message on stderr", async (args, env, message) => {
    const dataDir = await makeTempDir("homer-process-");
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
    const run = await runGateway(args, { HOMER_DATA_DIR: dataDir, ...env });
    expect(run).toMatchObject({ code: 2, signal: null, stdout: "" });
    expect(run.stderr).toMatch(/^homer: /);
    expect(run.stderr).toMatch(message);
    expect(await fs.readdir(dataDir)).toEqual([]); // it stopped before touching storage
  });

  test("start-up prints the endpoint; /healthz and /readyz answer 200", async () => {
    const s = await site();
    const gw = await start(s);
    expect(gw.port).toBeGreaterThan(0);
    expect(gw.origin).toBe(`http://127.0.0.1:${gw.port}`);
    expect(gw.output()).toContain(
      `Homer is serving GraphQL at http://127.0.0.1:${gw.port}/graphql (store: ${path.join(s.dataDir, "registry.sqlite")} + ${s.blobDir})`,
    );

    const health = await fetch(`${gw.origin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", version: GATEWAY_VERSION, schemaVersion: SCHEMA_VERSION });
    const ready = await fetch(`${gw.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", database: "sqlite", blobStore: "fs" });
    expect(await visible(gw, "nothing-yet")).toEqual({ model: null, models: { totalCount: 0 } });

    gw.kill("SIGTERM");
    expect(await gw.exited, gw.output()).toEqual({ code: 0, signal: null });
  });
});

describe("a stray rejection", () => {
  test("a promise that rejects with nothing to handle it is logged at error level; the gateway goes on serving", async () => {
    const s = await site();
    // Loaded before the gateway (node --import): told once the gateway serves (not after a time,
    // which a slow start outlasts), a rejection no code handles.
    const stray = path.join(s.dataDir, "stray.mjs");
    await fs.writeFile(stray, `process.on("SIGUSR2", () => void Promise.reject(new Error("a stray rejection")));\n`);
    const gw = await start(s, { NODE_OPTIONS: `--import ${stray}` });
    gw.kill("SIGUSR2");
    await waitFor("the rejection's log line", () => /a stray rejection/.test(gw.output()), 10_000);
    // A JSON log line, not Node's report of a process it is ending.
    const line = gw
      .output()
      .split("\n")
      .find((l) => l.startsWith("{") && l.includes("a stray rejection"));
    expect(line, gw.output()).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({
      level: 50,
      msg: "a promise rejected with nothing to handle it (a bug): logged, and the gateway goes on",
    });
    await sleep(200);
    expect(gw.child.exitCode).toBeNull();
    expect(await visible(gw, "after")).toEqual({ model: null, models: { totalCount: 0 } });
    gw.kill("SIGTERM");
    expect(await gw.exited, gw.output()).toEqual({ code: 0, signal: null });
  });
});

describe("several gateway processes on one embedded store", () => {
  test("two processes sharing a SQLite file and blob directory: 2 × 25 concurrent creates get 1..50", async () => {
    const s = await site("sqlite");
    const [a, b] = await Promise.all([start(s), start(s)]);
    const create = (gw: ChildGateway, i: number) => {
      const form = new FormData();
      const input = { name: "shared", metrics: [{ key: "i", value: i }], files: [{ path: "w.bin", file: null }] };
      form.set("operations", JSON.stringify({ query: CREATE_MODEL, variables: { input } }));
      form.set("map", JSON.stringify({ 0: ["variables.input.files.0.file"] }));
      // A few distinct contents shared across processes exercise blob dedupe too.
      form.set("0", new Blob([`content-${i % 3}`]), "w.bin");
      return fetch(`${gw.origin}/graphql`, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form }).then((r) =>
        r.json(),
      );
    };
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => create(i % 2 ? a : b, i)));
    expect(results.filter((r) => r.errors)).toEqual([]);
    const versions = results.map((r) => r.data.createModel.version).sort((x: number, y: number) => x - y);
    expect(versions).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await visible(a, "shared")).models.totalCount).toBe(50);
    expect(await listBlobFiles(s.blobDir)).toHaveLength(3);
  });
});

describe("fresh embedded store", () => {
  test("three processes starting together on a new SQLite file all come up (migrations run once)", async () => {
    for (let round = 0; round < 3; round++) {
      const s = await site("sqlite");
      const gateways = await Promise.all([start(s), start(s), start(s)]);
      for (const gw of gateways) expect((await visible(gw, "nothing")).models.totalCount).toBe(0);
      await killAllChildren();
    }
  });
});
