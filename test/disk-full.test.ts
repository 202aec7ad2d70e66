import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startGateway, type Gateway } from "../gateway/src/app.js";
import { loadConfig, type Config } from "../gateway/src/config.js";
import { InsufficientStorageError } from "../gateway/src/domain/errors.js";
import { openStorage } from "../gateway/src/storage/factory.js";
import { listBlobFiles, makeTempDir } from "./support/backends.js";
import { multipartCreate, oneConnection, send } from "./support/keep-alive.js";

/** A 64 MiB tmpfs of our own, so filling it harms nothing else; false when mounting is not allowed. */
function mountTmpfs(dir: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", dir], { stdio: "pipe" });
    return true;
  } catch (error) {
    console.warn(`disk-full tests skipped: cannot mount a tmpfs at ${dir} (${(error as Error).message.split("\n")[0]}); they need root`);
    return false;
  }
}

/** Writes zeros until the filesystem refuses: afterwards not one more block fits. */
async function fillDisk(file: string): Promise<void> {
  const handle = await fs.open(file, "w");
  try {
    for (const size of [2 ** 20, 4096, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          await handle.write(chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
          break;
        }
      }
    }
  } finally {
    await handle.close();
  }
}

async function freeBytes(dir: string): Promise<number> {
  const stats = await fs.statfs(dir);
  return stats.bavail * stats.bsize;
}

describe("a full disk", () => {
  let mountPoint = "";
  let mounted = false;
  let gateway: Gateway | undefined;
  let config: Config;
  const logLines: Record<string, any>[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  const agent = oneConnection();
  const url = () => `${gateway!.origin}/graphql`;
  const upload = (name: string, bytes: Buffer) => {
    const { body, contentType } = multipartCreate({ name }, { "weights.bin": bytes });
    return send(agent, url(), { body, headers: { "content-type": contentType, "apollo-require-preflight": "true" } });
  };
  const gql = (query: string) => send(agent, url(), { body: JSON.stringify({ query }), headers: { "content-type": "application/json" } });

  beforeAll(async () => {
    mountPoint = await makeTempDir("homer-diskfull-");
    mounted = mountTmpfs(mountPoint);
    if (!mounted) return;
    const dataDir = path.join(mountPoint, "data");
    config = {
      ...loadConfig(["--port", "0"], {}),
      dataDir,
      databaseUrl: path.join(dataDir, "registry.sqlite"),
      blobUrl: path.join(dataDir, "blobs"),
      shutdownGraceMs: 1000,
    };
    const storage = await openStorage({ ...config, logger: log });
    gateway = await startGateway(config, { log, storage });
  });

  afterAll(async () => {
    agent.destroy();
    await gateway?.close().catch(() => {});
    if (mounted) {
      try {
        execFileSync("umount", [mountPoint], { stdio: "pipe" });
      } catch {
        // Something still holds a file open: detach now, the kernel frees it after.
        execFileSync("umount", ["-l", mountPoint], { stdio: "pipe" });
      }
    }
    await fs.rm(mountPoint, { recursive: true, force: true });
  });

  test("refuses an upload with INSUFFICIENT_STORAGE, keeps nothing of it, logs it, and the connection stays usable", async (ctx) => {
    if (!mounted) ctx.skip("mounting a tmpfs is not permitted here");
    const kept = await upload("keep", randomBytes(16 * 2 ** 20));
    expect(JSON.parse(kept.body)).toEqual({ data: { createModel: { version: 1 } } });
    await fillDisk(path.join(mountPoint, "filler"));

    const refused = await upload("big", randomBytes(6 * 2 ** 20));
    expect(refused.status).toBe(507);
    const body = JSON.parse(refused.body);
    expect(body.errors[0].extensions.code).toBe("INSUFFICIENT_STORAGE");
    // The server's own error text and paths stay in the log.
    expect(refused.body).not.toMatch(/ENOSPC|no space|\.staging|\/tmp\//i);
    expect(await fs.readdir(path.join(mountPoint, "data", "blobs", ".staging"))).toEqual([]);
    expect(await listBlobFiles(path.join(mountPoint, "data", "blobs"))).toHaveLength(1);
    expect(logLines.some((l) => l.level >= 40 && /storage/i.test(l.msg) && l.err?.code === "INSUFFICIENT_STORAGE")).toBe(true);

    // The next request on the same keep-alive connection is answered.
    const next = await gql(`{ model(name: "big", version: 1) { version } }`);
    expect(next.connection).toBe(refused.connection);
    expect(JSON.parse(next.body)).toEqual({ data: { model: null } });
  });

  test("downloads go on on the full disk: an archive whose hold has no room streams without one", async (ctx) => {
    if (!mounted) ctx.skip("mounting a tmpfs is not permitted here");
    expect(await freeBytes(mountPoint)).toBeLessThan(64 * 1024);
    const logged = logLines.length;
    const archive = await fetch(`${gateway!.origin}/archives/default/keep/1`);
    expect(archive.status).toBe(200);
    // A tar of one 16 MiB file: its header, the bytes, the end blocks.
    expect((await archive.arrayBuffer()).byteLength).toBeGreaterThan(16 * 2 ** 20);
    expect(logLines.slice(logged).some((l) => l.level === 40 && /hold/.test(l.msg) && l.err?.code === "INSUFFICIENT_STORAGE")).toBe(true);
    const file = await fetch(`${gateway!.origin}/files/default/keep/1/weights.bin`);
    expect([file.status, (await file.arrayBuffer()).byteLength]).toEqual([200, 16 * 2 ** 20]);
  });

  test("a version of several files whose first overflows the disk is refused too, not left waiting for the rest", async (ctx) => {
    if (!mounted) ctx.skip("mounting a tmpfs is not permitted here");
    // The store gives up on the first file mid-body; the files after it must fail
    // with it rather than wait for bytes the parser will never hand out.
    await fillDisk(path.join(mountPoint, "filler-2"));
    const { body, contentType } = multipartCreate(
      { name: "several" },
      { "a.bin": randomBytes(6 * 2 ** 20), "b.bin": randomBytes(2 ** 20), "c.txt": Buffer.from("small") },
    );
    const refused = await send(agent, url(), { body, headers: { "content-type": contentType, "apollo-require-preflight": "true" } });
    expect(refused.status).toBe(507);
    expect(JSON.parse(refused.body).errors[0].extensions.code).toBe("INSUFFICIENT_STORAGE");
    expect(await fs.readdir(path.join(mountPoint, "data", "blobs", ".staging"))).toEqual([]);
    expect(JSON.parse((await gql(`{ model(name: "several", version: 1) { version } }`)).body)).toEqual({ data: { model: null } });
  });

  test("deleteModel works on the full disk and frees space; uploads work again afterwards", async (ctx) => {
    if (!mounted) ctx.skip("mounting a tmpfs is not permitted here");
    const before = await freeBytes(mountPoint);
    expect(before).toBeLessThan(64 * 1024);
    const deleted = await gql(`mutation { deleteModel(name: "keep", version: 1) }`);
    expect(JSON.parse(deleted.body)).toEqual({ data: { deleteModel: true } });
    expect(await freeBytes(mountPoint)).toBeGreaterThan(before + 15 * 2 ** 20);

    const again = await upload("big", randomBytes(2 ** 20));
    expect(JSON.parse(again.body)).toEqual({ data: { createModel: { version: 1 } } });
  });

  test("a write the database has no room for fails as INSUFFICIENT_STORAGE, never as the failed rollback after it", async (ctx) => {
    if (!mounted) ctx.skip("mounting a tmpfs is not permitted here");
    const dir = path.join(mountPoint, "second");
    const storage = await openStorage({ databaseUrl: path.join(dir, "registry.sqlite"), blobUrl: path.join(dir, "blobs"), logger: log });
    try {
      await fillDisk(path.join(mountPoint, "filler-2"));
      const write = storage.metadata.adoptBlobs([{ sha256: "a".repeat(64), sizeBytes: 1 }]);
      await expect(write).rejects.toBeInstanceOf(InsufficientStorageError);
      await expect(write).rejects.toMatchObject({ cause: { code: "SQLITE_FULL" } });
    } finally {
      await storage.metadata.close();
      await fs.rm(path.join(mountPoint, "filler-2"));
    }
  });

  test("the gateway starts again on the full disk, and deleteModel there frees space", async (ctx) => {
    if (!mounted) ctx.skip("mounting a tmpfs is not permitted here");
    await gateway!.close();
    gateway = undefined;
    await fillDisk(path.join(mountPoint, "filler-3"));
    gateway = await startGateway(config, { log, storage: await openStorage({ ...config, logger: log }) });
    const before = await freeBytes(mountPoint);
    const deleted = await gql(`mutation { deleteModel(name: "big", version: 1) }`);
    expect(JSON.parse(deleted.body)).toEqual({ data: { deleteModel: true } });
    expect(await listBlobFiles(path.join(mountPoint, "data", "blobs"))).toEqual([]);
    // The 1 MiB blob is gone; the log took a little of it.
    expect(await freeBytes(mountPoint)).toBeGreaterThan(before + 2 ** 19);
  });

  test("other storage faults (a read-only staging area) are masked internal errors, logged, never the client's fault", async (ctx) => {
    if (!mounted) ctx.skip("mounting a tmpfs is not permitted here");
    // Only staging becomes read-only (the database stays open for writing elsewhere).
    const staging = path.join(mountPoint, "data", "blobs", ".staging");
    execFileSync("mount", ["--bind", staging, staging]);
    try {
      execFileSync("mount", ["-o", "remount,bind,ro", staging]);
      const logged = logLines.length;
      const refused = await upload("readonly", randomBytes(2 ** 16));
      expect(JSON.parse(refused.body).errors[0].extensions.code).toBe("INTERNAL_SERVER_ERROR");
      expect(refused.body).not.toMatch(/EROFS|read-only|\.staging/i);
      expect(logLines.slice(logged).some((l) => l.level >= 50 && l.err?.type === "StorageError" && /EROFS/.test(l.err.message))).toBe(true);
      const next = await gql(`{ model(name: "readonly", version: 1) { version } }`);
      expect(next.connection).toBe(refused.connection);
      expect(JSON.parse(next.body)).toEqual({ data: { model: null } });
    } finally {
      execFileSync("umount", [staging]);
    }
  });
});
