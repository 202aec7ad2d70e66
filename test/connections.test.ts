import pg from "pg";
import type { Logger } from "pino";
import { afterEach, describe, expect, test } from "vitest";
import type { Config } from "../gateway/src/config.js";
import { BACKENDS, stagingFiles } from "./support/backends.js";
import { captureLog } from "./support/log-capture.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { rawConnection, rawGet, type RawConnection } from "./support/raw-socket.js";
import { startSlowUpload, uploadBody } from "./support/slow-upload.js";
import { sleep, waitFor } from "./support/wait.js";

/**
 * Slowloris and friends, over raw sockets: what one client may hold of the
 * gateway (time to send headers, silence mid-body, open connections), and what
 * it may not take away from uploads that keep moving.
 */

const opened: RawConnection[] = [];
let gw: TestGateway | undefined;

afterEach(async () => {
  for (const conn of opened.splice(0)) conn.socket.destroy();
  await gw?.close();
  gw = undefined;
});

async function start(config: Partial<Config>, backend: "sqlite" | "postgres" = "sqlite", logger?: Logger): Promise<TestGateway> {
  gw = await startTestGateway({ backend, config, ...(logger ? { logger } : {}) });
  return gw;
}

function connect(origin: string, localAddress?: string): RawConnection {
  const conn = rawConnection(origin, localAddress);
  opened.push(conn);
  return conn;
}

describe("slow clients", () => {
  test("a client trickling an endless header block is answered 408 and closed at the headers deadline", async () => {
    const { origin } = await start({ headersTimeoutMs: 300, idleTimeoutMs: 10_000 });
    const conn = connect(origin);
    await conn.connected;
    conn.write(`POST /graphql HTTP/1.1\r\nHost: ${new URL(origin).host}\r\n`);
    // A header line every 50 ms: never idle, never finished.
    const trickle = setInterval(() => conn.write(`x-pad-${Date.now()}: 1\r\n`), 50);
    try {
      expect(await conn.closesWithin(5_000)).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    expect(conn.received().toString("latin1")).toMatch(/^HTTP\/1\.1 408 /);
  });

  test("a connection that never sends a byte is closed at the headers deadline", async () => {
    const { origin } = await start({ headersTimeoutMs: 300, idleTimeoutMs: 10_000 });
    const conn = connect(origin);
    await conn.connected;
    expect(await conn.closesWithin(5_000)).toBe(true);
  });

  test("an upload that keeps moving may take far longer than the headers deadline and the idle timeout", async () => {
    const { origin, gql } = await start({ headersTimeoutMs: 200, idleTimeoutMs: 400 });
    // 40 chunks 50 ms apart: about 2 s on the wire.
    const upload = startSlowUpload(origin, uploadBody("steady", { chunks: 40, chunkBytes: 16 * 1024 }), { delayMs: 50 });
    expect(await upload.response).toEqual({ status: 200, body: { data: { createModel: { version: 1 } } } });
    const res = await gql(`{ model(name: "steady", version: 1) { sizeBytes } }`);
    expect(res.data.model).toEqual({ sizeBytes: 40 * 16 * 1024 });
  });

  test("a body that stalls longer than the idle timeout is cut, and nothing stays staged", async () => {
    const { origin, storage, gql } = await start({ headersTimeoutMs: 5_000, idleTimeoutMs: 400 });
    const upload = startSlowUpload(origin, uploadBody("stalled", { chunks: 64 }), { delayMs: 5 });
    await waitFor("a staging file with bytes", async () => (await stagingFiles(storage.blobDir)).find((f) => f.size > 0));
    upload.hold();
    const outcome = await Promise.race([
      upload.response.then(
        (r) => `answered ${r.status}`,
        () => "cut",
      ),
      sleep(5_000).then(() => "still open"),
    ]);
    expect(outcome).toBe("cut"); // cut, not answered
    await waitFor("the staging file to go", async () => (await stagingFiles(storage.blobDir)).length === 0, 5_000);
    const res = await gql(`{ models(name: "stalled") { totalCount } }`);
    expect(res.data.models.totalCount).toBe(0);
  });
});

describe("silence that begins while the gateway is at work", () => {
  test("a client that went silent while the gateway held its body unread is cut once the gateway reads on", async () => {
    const { origin, storage, gql } = await start({ headersTimeoutMs: 5_000, idleTimeoutMs: 100 });
    // Every file's bytes wait unread for five idle timeouts (the store is slow to take them),
    // so the gateway stops reading the socket: that silence is ours, and not cut.
    const stage = storage.blobs.stage.bind(storage.blobs);
    storage.blobs.stage = async (...args) => {
      await sleep(500);
      return stage(...args);
    };
    // Uploads that send the head and part of the file in one write, then nothing more. For
    // some lengths the gateway has read all of it when it stops reading, so when it reads on
    // no byte comes to start the socket's timer again (Node times a socket out once per
    // silence): 80–112 KiB on Node 20; the window moves with the streams' buffer sizes.
    const uploads = Array.from({ length: 32 }, (_, i) => {
      const body = uploadBody(`silent-${i}`, { chunks: 1024, chunkBytes: 1024 });
      const conn = connect(origin);
      return { conn, bytes: Buffer.concat([body.head, ...Array.from({ length: (i + 1) * 16 }, () => body.chunk)]), body };
    });
    for (const { conn, bytes, body } of uploads) {
      await conn.connected;
      conn.write(
        Buffer.concat([
          Buffer.from(
            `POST /graphql HTTP/1.1\r\nHost: ${new URL(origin).host}\r\napollo-require-preflight: true\r\n` +
              `Content-Type: ${body.contentType}\r\nContent-Length: ${body.contentLength}\r\n\r\n`,
          ),
          bytes,
        ]),
      );
    }
    // Each is cut soon after the gateway read on (0.5 s), none left open for good.
    const cut = await Promise.all(uploads.map(({ conn }) => conn.closesWithin(3_000)));
    expect(cut.flatMap((closed, i) => (closed ? [] : [`${(i + 1) * 16} KiB`]))).toEqual([]);
    await waitFor("the staging files to go", async () => (await stagingFiles(storage.blobDir)).length === 0, 5_000);
    const res = await gql(`{ models(name: "silent-0") { totalCount } }`);
    expect(res.data.models.totalCount).toBe(0);
  });
});

describe.runIf(BACKENDS.includes("postgres"))("the gateway's own work", () => {
  test("a request waiting on the database longer than the idle timeout is not cut (the silence is ours)", async () => {
    const { origin, storage } = await start({ headersTimeoutMs: 5_000, idleTimeoutMs: 300 }, "postgres");
    const locker = new pg.Client({ connectionString: storage.databaseUrl });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE families IN EXCLUSIVE MODE"); // createModel's insert waits on it
      const upload = startSlowUpload(origin, uploadBody("waits", { chunks: 4 }), { delayMs: 0 });
      await upload.done;
      const early = await Promise.race([
        upload.response.then(
          () => "settled",
          () => "settled",
        ),
        sleep(1_200).then(() => "pending"),
      ]);
      expect(early).toBe("pending"); // four idle timeouts with the body all in
      await locker.query("COMMIT");
      expect(await upload.response).toEqual({ status: 200, body: { data: { createModel: { version: 1 } } } });
    } finally {
      await locker.end();
    }
  });
});

describe("connection cap", () => {
  test("connections beyond the cap are closed unanswered; those inside keep working; /healthz answers afterwards", async () => {
    const { origin } = await start({ maxConnections: 3 });
    const inside = [connect(origin), connect(origin), connect(origin)];
    for (const conn of inside) {
      await conn.connected;
      conn.write(rawGet(origin, "/healthz"));
      expect((await conn.response(0)).status).toBe(200); // accepted and served
    }

    const beyond = connect(origin);
    beyond.write(rawGet(origin, "/healthz"));
    expect(await beyond.closesWithin(5_000)).toBe(true);
    expect(beyond.received().length).toBe(0);

    for (const conn of inside) {
      conn.write(rawGet(origin, "/healthz"));
      expect((await conn.response(1)).status).toBe(200);
    }

    for (const conn of inside) conn.socket.destroy();
    await Promise.all(inside.map((conn) => conn.closed));
    const health = await waitFor("a fresh connection to be served", () =>
      fetch(`${origin}/healthz`, { headers: { connection: "close" } }).then(
        (r) => r.status === 200,
        () => false,
      ),
    );
    expect(health).toBe(true);
  });
});

describe("connection cap per client address", () => {
  /** Whether `conn` is served a /healthz (a fresh request on it, the `n`th). */
  async function served(conn: RawConnection, origin: string, n: number): Promise<void> {
    conn.write(rawGet(origin, "/healthz"));
    expect((await conn.response(n)).status).toBe(200);
  }

  test("one address past its cap is closed unanswered while other addresses are served; a closed connection frees its place", async () => {
    const log = captureLog("info");
    const { origin } = await start({ maxConnections: 10, maxConnectionsPerAddress: 2 }, "sqlite", log.logger);
    const first = [connect(origin), connect(origin)];
    for (const conn of first) await served(conn, origin, 0);
    const beyond = connect(origin);
    beyond.write(rawGet(origin, "/healthz"));
    expect(await beyond.closesWithin(5_000)).toBe(true);
    expect(beyond.received().length).toBe(0);
    // Another client (127.0.0.2 is loopback too, but another address) is not held back.
    const other = connect(origin, "127.0.0.2");
    await served(other, origin, 0);
    for (const conn of first) await served(conn, origin, 1);
    first[0]!.socket.destroy();
    await first[0]!.closed;
    const again = await waitFor("the freed place to take a new connection", async () => {
      const conn = connect(origin);
      conn.write(rawGet(origin, "/healthz"));
      return conn.response(0, 2_000).then(
        (r) => r.status === 200,
        () => false,
      );
    });
    expect(again).toBe(true);
    expect(log.lines.some((line) => line.includes("a client address holds its maximum of open connections"))).toBe(true);
    expect(log.lines.join("\n")).not.toContain("127.0.0.1");
  });

  test("a trusted proxy's connections are not counted (HOMER_TRUST_PROXY)", async () => {
    const { origin } = await start({ maxConnections: 10, maxConnectionsPerAddress: 1, trustProxy: ["loopback"] });
    const conns = [connect(origin), connect(origin), connect(origin)];
    for (const conn of conns) await served(conn, origin, 0);
  });

  test("a WebSocket upgrade ignored as h2c keeps one place, not two", async () => {
    const { origin } = await start({ maxConnections: 10, maxConnectionsPerAddress: 1 });
    const conn = connect(origin);
    conn.write(
      `GET /healthz HTTP/1.1\r\nHost: ${new URL(origin).host}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n`,
    );
    expect((await conn.response(0)).status).toBe(200);
    await served(conn, origin, 1);
  });
});
