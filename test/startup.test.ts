import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import pino from "pino";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { startGateway } from "../gateway/src/app.js";
import { loadConfig, type Config } from "../gateway/src/config.js";
import { makeTempDir, openTestStorage, type TestStorage } from "./support/backends.js";
import { killAllChildren, runGateway } from "./support/child-gateway.js";

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

/**
 * HOMER_DATABASE_URL (or the data directory's registry.sqlite) naming something that is no
 * SQLite database: the gateway said only "file is not a database" or "unable to open
 * database file", naming neither the file nor the setting, and exited as for a crash.
 */
describe("a SQLite database path that holds no database", () => {
  afterAll(() => killAllChildren());

  test.each([
    ["a file of something else", (file: string) => fs.writeFile(file, Buffer.alloc(4096, "not a database "))],
    ["a directory", (file: string) => fs.mkdir(file)],
  ])("%s: a configuration error (exit 2) naming the file, and nothing written", async (_, make) => {
    const dir = await makeTempDir("homer-not-a-database-");
    try {
      const file = path.join(dir, "registry.sqlite");
      await make(file);
      const before = (await fs.readdir(dir)).sort();
      const result = await runGateway(["--port", "0"], { HOMER_DATA_DIR: dir, HOMER_DATABASE_URL: file }, 30_000);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(file);
      expect(result.stderr).toMatch(/HOMER_DATABASE_URL/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect((await fs.readdir(dir)).sort()).toEqual(before);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
