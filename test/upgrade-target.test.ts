import fs from "node:fs/promises";
import { afterEach, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";
import { rawConnection } from "./support/raw-socket.js";

/**
 * A WebSocket upgrade is routed by its request target before express sees it. A target
 * that is no URL relative to any base (`//`, `///`, `//:99999/graphql`: Node's parser
 * takes them) must be answered like any other unknown path, never thrown out of the
 * server's `upgrade` listener, which would end the process and every client's request.
 */
describe("a WebSocket upgrade whose target is no URL", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await killAllChildren();
    for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
  });

  test.each(["//", "///", "//:99999/graphql"])("upgrade to %s is refused and the gateway serves on", async (target) => {
    const dataDir = await makeTempDir("homer-upgrade-");
    dirs.push(dataDir);
    const gw = await startChildGateway({ env: { HOMER_DATA_DIR: dataDir } });
    const conn = rawConnection(gw.origin);
    await conn.connected;
    conn.write(
      `GET ${target} HTTP/1.1\r\nHost: ${new URL(gw.origin).host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await conn.closed;
    expect(conn.received().toString("latin1")).toMatch(/^HTTP\/1\.1 400 /);
    expect(gw.child.exitCode).toBeNull();
    const res = await fetch(`${gw.origin}/healthz`);
    expect(res.status).toBe(200);
  });
});
