import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, test } from "vitest";
import { startGateway } from "../gateway/src/app.js";
import { loadConfig, type Config } from "../gateway/src/config.js";
import { openTestStorage, type TestStorage } from "./support/backends.js";

const log = pino({ level: "silent" });

describe("a start-up that fails leaves nothing open", () => {
  let storage: TestStorage | undefined;
  afterEach(async () => {
    await storage?.cleanup();
    storage = undefined;
  });

  async function configFor(s: TestStorage, port: number): Promise<Config> {
    return { ...loadConfig(["--port", String(port)], {}), dataDir: s.dataDir, databaseUrl: s.databaseUrl, blobUrl: s.blobDir };
  }

  test("a port already taken closes the database", async () => {
    storage = await openTestStorage("sqlite");
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = taken.address() as net.AddressInfo;
      await expect(startGateway(await configFor(storage, port), { log, storage })).rejects.toMatchObject({ code: "EADDRINUSE" });
      await expect(storage.metadata.ping()).rejects.toThrow();
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  test("a failed recovery closes the database", async () => {
    storage = await openTestStorage("sqlite");
    // Recovery reads the staging directory first: without it, it fails.
    await fs.rm(path.join(storage.blobDir, ".staging"), { recursive: true });
    await expect(startGateway(await configFor(storage, 0), { log, storage })).rejects.toMatchObject({ code: "ENOENT" });
    await expect(storage.metadata.ping()).rejects.toThrow();
  });
});
