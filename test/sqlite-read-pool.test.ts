import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import Database from "better-sqlite3";
import type { Worker } from "node:worker_threads";
import { afterEach, describe, expect, test, vi } from "vitest";
import { startGateway } from "../gateway/src/app.js";
import { createHttpServer } from "../gateway/src/http/server.js";
import { loadConfig } from "../gateway/src/config.js";
import { openSqliteStore } from "../gateway/src/storage/sqlite/index.js";
import { SqliteReadPool } from "../gateway/src/storage/sqlite/read-pool.js";
import { makeTempDir, openTestStorage, type TestStorage } from "./support/backends.js";
import { registryOver, silentLog } from "./support/registry.js";

// Every reader thread the pool starts, so that a test can stop one as a crash would.
const { started } = vi.hoisted(() => ({ started: [] as Worker[] }));
vi.mock("node:worker_threads", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:worker_threads")>();
  class Tracked extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      started.push(this);
    }
  }
  return { ...actual, Worker: Tracked };
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A WAL file with a table `t (id, name, payload)`, its writer connection, and a pool of `threads` over it. */
async function poolOver(threads: number) {
  const file = path.join(await makeTempDir(), "pool.sqlite");
  const writer = new Database(file);
  writer.pragma("journal_mode = WAL");
  writer.exec("create table t (id integer primary key, name text not null, payload blob)");
  const pool = new SqliteReadPool(file, { threads, busyTimeoutMs: 1000, cacheKib: 1024 });
  cleanups.push(
    () => void writer.close(),
    () => pool.close(),
  );
  return { file, writer, pool };
}

describe("SQLite reader threads (a real file, real threads)", () => {
  test("each read sees every write committed before it started, on every thread", async () => {
    const { writer, pool } = await poolOver(2);
    const insert = writer.prepare("insert into t (id, name) values (?, ?)");
    for (let i = 1; i <= 200; i++) {
      insert.run(i, `v${i}`);
      // Two at once: both threads answer, and both see the row just committed.
      const [a, b] = await Promise.all([pool.all("select count(*) as n from t", []), pool.all("select name from t where id = ?", [i])]);
      expect(a).toEqual([{ n: i }]);
      expect(b).toEqual([{ name: `v${i}` }]);
    }
    expect(pool.running).toBe(2);
  });

  test("many reads at once each get their own rows back, whichever thread ran them", async () => {
    const { writer, pool } = await poolOver(3);
    const insert = writer.prepare("insert into t (id, name) values (?, ?)");
    writer.transaction(() => {
      for (let i = 0; i < 1000; i++) insert.run(i, `name ${i} ${"x".repeat(i % 50)}`);
    })();
    const ids = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const results = await Promise.all(ids.map((id) => pool.all("select id, name from t where id = ?", [id])));
    results.forEach((rows, i) => expect(rows).toEqual([{ id: ids[i], name: `name ${ids[i]} ${"x".repeat(ids[i]! % 50)}` }]));
  });

  test("parameters and values of every SQLite type cross the threads as the store's own connection gives them", async () => {
    const { writer, pool } = await poolOver(1);
    const payload = Buffer.from([0, 1, 2, 255, 0]);
    writer.prepare("insert into t (id, name, payload) values (?, ?, ?)").run(1, "nul \u0000 and \u{1f600}", payload);
    const [row] = (await pool.all("select id, name, payload, 1.5 as real, null as absent from t where payload = ?", [payload])) as [
      Record<string, unknown>,
    ];
    expect(row).toEqual({ id: 1, name: "nul \u0000 and \u{1f600}", payload, real: 1.5, absent: null });
    expect(Buffer.isBuffer(row.payload)).toBe(true);
    expect(await pool.all("select ? as big", [2n ** 62n])).toEqual([{ big: 2 ** 62 }]);
  });

  test("numbers come back exact: -0, infinities, doubles", async () => {
    const { pool } = await poolOver(1);
    const [row] = (await pool.all("select -0.0 as negative_zero, 9e999 as up, -9e999 as down, 0.1 + 0.2 as sum, '[1]' as a_json", [])) as [
      Record<string, unknown>,
    ];
    expect(Object.is(row.negative_zero, -0)).toBe(true);
    expect(row).toEqual({ negative_zero: -0, up: Infinity, down: -Infinity, sum: 0.1 + 0.2, a_json: "[1]" });
  });

  test("each thread's connection has the pool's settings: page cache, busy timeout, query_only", async () => {
    const file = path.join(await makeTempDir(), "settings.sqlite");
    new Database(file).close();
    const pool = new SqliteReadPool(file, { threads: 2, busyTimeoutMs: 4321, cacheKib: 8192 });
    cleanups.push(() => pool.close());
    const settings = () =>
      pool.all(
        "select c.cache_size, b.timeout, q.query_only from pragma_cache_size() c, pragma_busy_timeout() b, pragma_query_only() q",
        [],
      );
    // Two at once: each thread answers one.
    expect(await Promise.all([settings(), settings()])).toEqual([
      [{ cache_size: -8192, timeout: 4321, query_only: 1 }],
      [{ cache_size: -8192, timeout: 4321, query_only: 1 }],
    ]);
    expect(pool.running).toBe(2);
  });

  test("a statement that writes is refused before it runs, and the file is unchanged", async () => {
    const { writer, pool } = await poolOver(1);
    writer.prepare("insert into t (id, name) values (1, 'kept')").run();
    for (const statement of [
      "insert into t (id, name) values (2, 'x')",
      "update t set name = 'changed'",
      "delete from t",
      "drop table t",
      "pragma journal_mode = delete",
      "pragma user_version = 7",
      "insert into t (id, name) values (3, 'y') returning id",
    ]) {
      await expect(pool.all(statement, [])).rejects.toMatchObject({ code: "HOMER_NOT_A_READ" });
    }
    expect(writer.prepare("select id, name from t").all()).toEqual([{ id: 1, name: "kept" }]);
    expect(writer.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(writer.pragma("user_version", { simple: true })).toBe(0);
  });

  test("SQLite's errors come back with their code, and the thread goes on serving", async () => {
    const { pool } = await poolOver(1);
    await expect(pool.all("select nope from t", [])).rejects.toMatchObject({
      code: "SQLITE_ERROR",
      message: expect.stringMatching(/nope/),
    });
    await expect(pool.all("select * from missing_table", [])).rejects.toMatchObject({ code: "SQLITE_ERROR" });
    await expect(pool.all("select ?", [{ not: "bindable" }])).rejects.toThrow();
    await expect(pool.all("select 1 as one", [])).resolves.toEqual([{ one: 1 }]);
  });

  test("a parameter that cannot cross to the thread is refused at once; nothing is left waiting, and close ends", async () => {
    const { pool } = await poolOver(1);
    for (const parameter of [() => 1, Symbol("s"), { nested: () => 1 }])
      await expect(pool.all("select ? as p", [parameter])).rejects.toMatchObject({ name: "DataCloneError" });
    await expect(pool.all("select 1 as one", [])).resolves.toEqual([{ one: 1 }]);
    await pool.close();
  });

  test("a file that does not exist is an error for each read, not a thread started again and again", async () => {
    const pool = new SqliteReadPool(path.join(await makeTempDir(), "absent.sqlite"), { threads: 1, busyTimeoutMs: 100, cacheKib: 1024 });
    cleanups.push(() => pool.close());
    for (let i = 0; i < 3; i++) await expect(pool.all("select 1", [])).rejects.toMatchObject({ code: "SQLITE_CANTOPEN" });
    expect(pool.running).toBe(1);
  });

  test("a long read runs beside the event loop: timers fire while it runs", async () => {
    const { pool } = await poolOver(1);
    await pool.all("select 1", []); // the thread is up
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const [row] = (await pool.all(
        "with recursive c(x) as (select 1 union all select x + 1 from c where x < 3000000) select count(*) as n from c",
        [],
      )) as [{ n: number }];
      expect(row.n).toBe(3_000_000);
    } finally {
      clearInterval(timer);
    }
    // On the event loop the statement would have held every timer until it ended.
    expect(ticks).toBeGreaterThan(3);
  });

  test("a thread that stops fails the reads it had, clearly, and the next read starts another", async () => {
    const { pool } = await poolOver(1);
    await pool.all("select 1", []);
    const thread = started.at(-1)!;
    const out = pool.all("with recursive c(x) as (select 1 union all select x + 1 from c where x < 50000000) select count(*) from c", []);
    await thread.terminate();
    await expect(out).rejects.toThrow(/SQLite reader thread stopped/);
    expect(pool.running).toBe(0);
    await expect(pool.all("select 2 as two", [])).resolves.toEqual([{ two: 2 }]);
    expect(pool.running).toBe(1);
    expect(started.at(-1)).not.toBe(thread);
  });

  test("close waits for the reads out, then refuses new ones", async () => {
    const { pool } = await poolOver(2);
    const out = pool.all(
      "with recursive c(x) as (select 1 union all select x + 1 from c where x < 500000) select count(*) as n from c",
      [],
    );
    await pool.close();
    await expect(out).resolves.toEqual([{ n: 500_000 }]);
    await expect(pool.all("select 1", [])).rejects.toThrow(/closed/);
  });

  test("a pool needs at least one thread", () => {
    for (const threads of [0, -1, 1.5, Number.NaN])
      expect(() => new SqliteReadPool("x.sqlite", { threads, busyTimeoutMs: 1, cacheKib: 1 })).toThrow(RangeError);
  });
});

describe("the embedded store with reader threads", () => {
  let storage: TestStorage | undefined;
  afterEach(async () => {
    await storage?.cleanup();
    storage = undefined;
  });

  test.each([-1, 1.5, Number.NaN, Infinity])("readers = %s is refused before anything is opened or created", async (readers) => {
    const dir = path.join(await makeTempDir(), "not-made");
    await expect(openSqliteStore(path.join(dir, "registry.sqlite"), { readers })).rejects.toThrow(RangeError);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test.each([0, 1, 3])("with %i reader threads, listings read what was just written, in order", async (readers) => {
    storage = await openTestStorage("sqlite", { sqliteReaders: readers });
    const registry = registryOver(storage);
    for (let i = 1; i <= 30; i++) {
      await registry.createModel({ name: "mnist", metrics: [{ key: "acc", value: (i * 37) % 30 }], tags: { group: `t${i % 3}` } });
      const page = await registry.listModels({ name: "mnist", sortKey: "acc", direction: "DESC", first: 5 });
      expect(await page.totalCount()).toBe(i);
      expect(page.nodes.map((m) => m.metrics!.find((x) => x.key === "acc")!.value)).toEqual(
        Array.from({ length: i }, (_, k) => ((k + 1) * 37) % 30)
          .sort((a, b) => b - a)
          .slice(0, 5),
      );
    }
    await registry.deleteModel({ name: "mnist", version: 30 });
    const after = await registry.listModels({ name: "mnist", first: 50 });
    expect(after.nodes.map((m) => m.version)).toEqual(Array.from({ length: 29 }, (_, k) => 29 - k));
    const filtered = await registry.listModels({ name: "mnist", first: 50, filter: { tags: { group: "t1" } } });
    expect(filtered.nodes.map((m) => m.version)).toEqual([28, 25, 22, 19, 16, 13, 10, 7, 4, 1]);
    expect((await registry.listFamilies()).nodes.map((f) => f.name)).toEqual(["mnist"]);
  });
});

describe("when listings take a reader thread", () => {
  test("the store asks at each listing; a listing it keeps reads on its own connection and starts no thread", async () => {
    let offload = false;
    const storage = await openTestStorage("sqlite", { sqliteReaders: 2, offloadReads: () => offload });
    cleanups.push(() => storage.cleanup());
    const registry = registryOver(storage);
    await registry.createModel({ name: "m", metrics: [{ key: "acc", value: 0.5 }] });
    const before = started.length;
    for (let i = 0; i < 5; i++) expect((await registry.listModels({ name: "m" })).nodes.map((n) => n.version)).toEqual([1]);
    expect(started.length).toBe(before);
    offload = true;
    expect((await registry.listModels({ name: "m", sortKey: "acc" })).nodes.map((n) => n.version)).toEqual([1]);
    expect(started.length).toBe(before + 1);
  });

  test("the gateway offloads only while another request is in progress: a lone client's listings stay on the event loop", async () => {
    const dataDir = await makeTempDir();
    const config = {
      ...loadConfig(["--port", "0"], {}),
      dataDir,
      databaseUrl: path.join(dataDir, "registry.sqlite"),
      blobUrl: path.join(dataDir, "blobs"),
      sqliteReaders: 1,
      shutdownGraceMs: 500,
    };
    const gateway = await startGateway(config, { log: silentLog });
    cleanups.push(async () => void (await gateway.close()));
    const gql = async (query: string) => {
      const res = await fetch(`${gateway.origin}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
      });
      return (await res.json()) as { data?: any; errors?: unknown };
    };
    const listing = `{ models(name: "m") { nodes { version } } }`;
    expect((await gql(`mutation { createModel(input: { name: "m" }) { version } }`)).data).toEqual({ createModel: { version: 1 } });
    const before = started.length;
    for (let i = 0; i < 10; i++) expect((await gql(listing)).data).toEqual({ models: { nodes: [{ version: 1 }] } });
    expect(started.length).toBe(before);

    // A request in progress (its body not all sent): the next listing has company.
    const held = net.connect(Number(new URL(gateway.origin).port), "127.0.0.1");
    await new Promise((resolve) => held.once("connect", resolve));
    held.write(`POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await gql(listing)).data).toEqual({ models: { nodes: [{ version: 1 }] } });
    expect(started.length).toBe(before + 1);
    held.destroy();
  });
});

describe("the HTTP server's concurrent(): whether a request has company", () => {
  /** A server that answers each request with what concurrent() said for it; its port. */
  async function answeringConcurrent(): Promise<number> {
    const { server, concurrent } = createHttpServer(
      (_req, res) => res.end(String(concurrent())),
      { headersTimeoutMs: 5000, idleTimeoutMs: 5000, maxConnections: 10, maxConnectionsPerAddress: 10 },
      silentLog,
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return (server.address() as net.AddressInfo).port;
  }

  test("alone: no; pipelined behind another in the same packet: yes; alone again later: no", async () => {
    const port = await answeringConcurrent();
    /** The bodies of the answers to `requests`, written to one connection in one write. */
    const answers = async (requests: number) => {
      const socket = net.connect(port, "127.0.0.1");
      let received = "";
      socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(requests - 1) + "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      await new Promise((resolve) => socket.once("close", resolve));
      return [...received.matchAll(/\r\n\r\n(true|false)/g)].map((m) => m[1]);
    };
    expect(await answers(1)).toEqual(["false"]);
    expect(await answers(3)).toEqual(["false", "true", "true"]);
    expect(await answers(1)).toEqual(["false"]);
  });

  test("two clients whose requests arrive in the same turn of the event loop: the second has company, though the first is answered", async () => {
    // The first answer is sent before the second request's event: only "arrived in the same turn" sees them together.
    const port = await answeringConcurrent();
    const connected = async () => {
      const socket = net.connect(port, "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      // Let the server see the connection before any request comes on it.
      await new Promise((resolve) => setTimeout(resolve, 20));
      return socket;
    };
    const answerOf = (socket: net.Socket) =>
      new Promise<string | undefined>((resolve) => {
        let received = "";
        socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
        socket.once("close", () => resolve(/\r\n\r\n(true|false)/.exec(received)?.[1]));
      });
    const request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    for (let round = 0; round < 5; round++) {
      const [a, b] = [await connected(), await connected()];
      const answers = [answerOf(a), answerOf(b)];
      // Both written before the server's next poll: loopback delivers each at once.
      a.write(request);
      b.write(request);
      expect((await Promise.all(answers)).sort()).toEqual(["false", "true"]);
      // Alone, in a later turn: no company.
      const c = await connected();
      const alone = answerOf(c);
      c.write(request);
      expect(await alone).toBe("false");
    }
  });
});
