import { randomBytes } from "node:crypto";
import http from "node:http";
import { Readable } from "node:stream";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { STORAGE_COMBOS, openTestStorage, type TestStorage } from "./support/backends.js";
import { registryOver, TEST_LIMITS } from "./support/registry.js";
import { startS3Server, type S3Server } from "./support/s3-server.js";
import { file, sha256 } from "./support/files.js";
import { startInterleaved, type Interleaved } from "./support/interleaved.js";
import { sleep, waitFor } from "./support/wait.js";

/** A tar's entries, by path, as their bytes' sha256. */
async function entriesOf(archive: Buffer): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  const extract = tar.extract();
  extract.on("entry", (header, stream, next) => {
    const parts: Buffer[] = [];
    stream.on("data", (b) => parts.push(b as Buffer));
    stream.on("end", () => {
      entries[header.name] = sha256(Buffer.concat(parts));
      next();
    });
  });
  const finished = new Promise<void>((resolve, reject) => {
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  Readable.from([archive]).pipe(extract);
  await finished;
  return entries;
}

/** A GET whose answer the test reads when it likes: `paused` once its first bytes came. */
function slowGet(url: string): { paused: Promise<void>; rest(): Promise<{ status: number; body: Buffer; complete: boolean }> } {
  let resume!: () => Promise<{ status: number; body: Buffer; complete: boolean }>;
  const paused = new Promise<void>((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const parts: Buffer[] = [];
      const ended = new Promise<boolean>((settle) => {
        res.on("end", () => settle(res.complete));
        res.on("close", () => settle(res.complete));
        res.on("error", () => settle(false));
      });
      res.once("data", (b: Buffer) => {
        parts.push(b);
        res.pause();
        resolve();
      });
      resume = async () => {
        res.on("data", (b: Buffer) => parts.push(b));
        res.resume();
        const complete = await ended;
        return { status: res.statusCode!, body: Buffer.concat(parts), complete };
      };
    });
    req.on("error", reject);
  });
  return { paused, rest: () => resume() };
}

/** Holds in the store's database: how many, and the digests they keep. */
async function holdsOf(storage: TestStorage): Promise<{ holds: number; digests: string[] }> {
  const rows = await (storage.metadata as SqlMetadataStore)["db"].selectFrom("blob_holds").select(["hold_id", "sha256"]).execute();
  return { holds: new Set(rows.map((r) => r.hold_id)).size, digests: [...new Set(rows.map((r) => r.sha256))].sort() };
}

/** Whether `storage` still has the bytes of `content`. */
async function stored(storage: TestStorage, content: Buffer | string): Promise<boolean> {
  return (await storage.listBlobs()).some((b) => b.sha256 === sha256(content));
}

let s3: S3Server | undefined;
afterAll(() => s3?.stop());
const s3Server = async () => (s3 ??= await startS3Server());

/**
 * An archive streams a version's files one after the other; an overwrite or a delete of the
 * version meanwhile reclaims the bytes it released, on this replica or another. The archive
 * holds the bytes it listed (a hold in the database every replica's reclaim honours) until it
 * ends, so it ends whole, on a local directory and on S3 alike; then they are reclaimed.
 */
describe.each(STORAGE_COMBOS)("an archive racing a write of its version on $name", (combo) => {
  let race: Interleaved;
  const MiB = 1024 * 1024;

  beforeAll(async () => {
    race = await startInterleaved(combo, /from "model_files"/, combo.blobs === "s3" ? await s3Server() : undefined);
  });
  afterAll(() => race?.close());

  const archiveUrl = (name: string) => `${race.gw.origin}/archives/default/${name}/1`;
  const held = async () => (await holdsOf(race.gw.storage)).holds;

  test("overwritten while it streams: the archive ends whole, with the files it listed, and the old bytes go once it ends", async () => {
    const old = { "a.bin": randomBytes(8 * MiB), "b.bin": randomBytes(8 * MiB), "c.bin": randomBytes(8 * MiB) };
    expect((await race.gw.upload({ name: "big" }, old)).errors).toBeUndefined();
    const download = slowGet(archiveUrl("big"));
    await download.paused;
    // The gateway waits on the client with a.bin half sent: b.bin and c.bin are still to be read.
    await sleep(100);
    expect(await holdsOf(race.gw.storage)).toEqual({ holds: 1, digests: Object.values(old).map(sha256).sort() });
    // The other replica overwrites the version; its reclaim leaves the held bytes.
    await race.writer.createModel({ name: "big", version: 1, overwrite: true, files: [file("a.bin", "new")] });
    expect(await stored(race.gw.storage, old["b.bin"]), "the hold kept the old bytes from the overwrite's reclaim").toBe(true);
    const { status, body, complete } = await download.rest();
    expect(status).toBe(200);
    expect(complete).toBe(true);
    expect(await entriesOf(body)).toEqual(Object.fromEntries(Object.entries(old).map(([p, b]) => [p, sha256(b)])));
    await waitFor("the hold to be let go", async () => (await held()) === 0);
    await waitFor("the old bytes to be reclaimed", async () => !(await stored(race.gw.storage, old["b.bin"])));
    for (const bytes of Object.values(old)) expect(await stored(race.gw.storage, bytes)).toBe(false);
    expect(await stored(race.gw.storage, "new")).toBe(true);
  });

  test("deleted while it streams: the same", async () => {
    const old = { "a.bin": randomBytes(8 * MiB), "b.bin": randomBytes(4 * MiB) };
    expect((await race.gw.upload({ name: "gone" }, old)).errors).toBeUndefined();
    const download = slowGet(archiveUrl("gone"));
    await download.paused;
    await sleep(100);
    await race.writer.deleteModel({ name: "gone", version: 1 });
    expect(await stored(race.gw.storage, old["b.bin"])).toBe(true);
    const { status, body, complete } = await download.rest();
    expect([status, complete]).toEqual([200, true]);
    expect(await entriesOf(body)).toEqual(Object.fromEntries(Object.entries(old).map(([p, b]) => [p, sha256(b)])));
    await waitFor("the hold to be let go", async () => (await held()) === 0);
    await waitFor("the bytes to be reclaimed", async () => !(await stored(race.gw.storage, old["b.bin"])));
    expect(await stored(race.gw.storage, old["a.bin"])).toBe(false);
    expect((await fetch(archiveUrl("gone"))).status).toBe(404);
  });

  test("a blob another version still references stays when the hold ends", async () => {
    await race.writer.createModel({ name: "shared", version: 1, files: [file("w.bin", "shared weights"), file("x.bin", "own extra")] });
    await race.writer.createModel({ name: "twin", version: 1, files: [file("w.bin", "shared weights")] });
    const download = slowGet(archiveUrl("shared"));
    await download.paused;
    await race.writer.deleteModel({ name: "shared", version: 1 });
    const { status, complete } = await download.rest();
    expect([status, complete]).toEqual([200, true]);
    await waitFor("the hold to be let go", async () => (await held()) === 0);
    await waitFor("the unshared bytes to be reclaimed", async () => !(await stored(race.gw.storage, "own extra")));
    expect(await stored(race.gw.storage, "shared weights")).toBe(true);
    const twin = await fetch(`${race.gw.origin}/files/default/twin/1/w.bin`);
    expect(await twin.text()).toBe("shared weights");
  });

  test("overwritten between the listing and the hold: the archive lists again and is the new version's", async () => {
    await race.writer.createModel({ name: "swap", version: 1, files: [file("w.bin", "old weights"), file("x.bin", "old extra")] });
    race.between = () => race.writer.createModel({ name: "swap", version: 1, overwrite: true, files: [file("w.bin", "new weights")] });
    const res = await fetch(archiveUrl("swap"));
    expect(race.between, "the overwrite ran right after the listing").toBeNull();
    expect(res.status).toBe(200);
    expect(await entriesOf(Buffer.from(await res.arrayBuffer()))).toEqual({ "w.bin": sha256("new weights") });
    await waitFor("the hold to be let go", async () => (await held()) === 0);
  });

  test("deleted between the listing and the hold: 404, nothing held", async () => {
    await race.writer.createModel({ name: "vanish", version: 1, files: [file("w.bin", "doomed")] });
    race.between = () => race.writer.deleteModel({ name: "vanish", version: 1 });
    const res = await fetch(archiveUrl("vanish"));
    expect(race.between).toBeNull();
    expect(res.status).toBe(404);
    expect((await res.json()).errors[0].extensions.code).toBe("NOT_FOUND");
    expect(await held()).toBe(0);
  });

  test("a client that leaves half-way lets the hold go; a HEAD holds nothing", async () => {
    expect((await race.gw.upload({ name: "left" }, { "a.bin": randomBytes(8 * MiB), "b.bin": "tail" })).errors).toBeUndefined();
    const controller = new AbortController();
    const res = await fetch(archiveUrl("left"), { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    expect(await held()).toBe(1);
    controller.abort();
    await waitFor("the hold to be let go", async () => (await held()) === 0);
    // A HEAD asks for no hold (a hold let go at once would leave no trace to look for).
    const metadata = race.gw.storage.metadata;
    const hold = metadata.holdBlobs.bind(metadata);
    let holds = 0;
    metadata.holdBlobs = (...args) => {
      holds++;
      return hold(...args);
    };
    try {
      const head = await fetch(archiveUrl("left"), { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(holds).toBe(0);
      const get = await fetch(archiveUrl("left"));
      expect(get.status).toBe(200);
      await get.arrayBuffer();
      expect(holds, "a GET holds").toBe(1);
    } finally {
      metadata.holdBlobs = hold;
    }
    await waitFor("the GET's hold to be let go", async () => (await held()) === 0);
  });
});

/**
 * A hold outlives its gateway by at most `archiveHoldMs` after its last renewal: an archive
 * that streams longer renews it, and one whose gateway died lapses; the next hold to end
 * sweeps it, and its bytes are reclaimed.
 */
describe.each(STORAGE_COMBOS)("a hold's lifetime on $name", (combo) => {
  let storage: TestStorage;
  const HOLD_MS = 600;

  beforeAll(async () => {
    storage = await openTestStorage(combo, { s3: combo.blobs === "s3" ? await s3Server() : undefined });
  });
  afterAll(() => storage?.cleanup());

  test("an archive that streams past the hold's time renews it", async () => {
    const registry = registryOver(storage, { ...TEST_LIMITS, archiveHoldMs: HOLD_MS });
    await registry.createModel({ name: "long", version: 1, files: [file("w.bin", "long read")] });
    const { files, release } = await registry.service.filesOf(registry.caller, { name: "long", version: 1 }, { hold: true });
    await sleep(HOLD_MS * 2.5);
    await registry.deleteModel({ name: "long", version: 1 });
    expect(await stored(storage, "long read"), "the renewed hold kept the bytes").toBe(true);
    const read = await files[0]!.read();
    expect(Buffer.concat(await read.toArray()).toString()).toBe("long read");
    await release();
    expect(await holdsOf(storage)).toEqual({ holds: 0, digests: [] });
    expect(await stored(storage, "long read")).toBe(false);
    await release();
  });

  test("a dead gateway's hold lapses, and the next hold to end reclaims what it kept", async () => {
    const registry = registryOver(storage, { ...TEST_LIMITS, archiveHoldMs: HOLD_MS });
    await registry.createModel({ name: "orphan", version: 1, files: [file("w.bin", "held by the dead")] });
    await registry.createModel({ name: "alive", version: 1, files: [file("w.bin", "alive")] });
    // As a gateway holds it just before it dies: never renewed, never let go.
    await storage.metadata.holdBlobs("dead-gateway", [sha256("held by the dead")], HOLD_MS);
    await registry.deleteModel({ name: "orphan", version: 1 });
    expect(await stored(storage, "held by the dead"), "a live hold keeps the bytes").toBe(true);
    await sleep(HOLD_MS + 100);
    const { release } = await registry.service.filesOf(registry.caller, { name: "alive", version: 1 }, { hold: true });
    await release();
    expect(await holdsOf(storage)).toEqual({ holds: 0, digests: [] });
    expect(await stored(storage, "held by the dead")).toBe(false);
    expect(await stored(storage, "alive")).toBe(true);
  });

  test("a replica whose clock runs ahead neither reclaims a live hold's bytes nor ends the hold", async () => {
    const registry = registryOver(storage, { ...TEST_LIMITS, archiveHoldMs: 60_000 });
    await registry.createModel({ name: "skewed", version: 1, files: [file("w.bin", "held across clocks")] });
    await registry.createModel({ name: "elsewhere", version: 1, files: [file("w.bin", "another archive")] });
    const { release } = await registry.service.filesOf(registry.caller, { name: "skewed", version: 1 }, { hold: true });
    // Another replica, whose clock is two minutes ahead (past the hold's end by its own reckoning),
    // deletes the version, and an archive it streams ends.
    const replica = registryOver(storage, { ...TEST_LIMITS, archiveHoldMs: 60_000 });
    const realNow = Date.now.bind(Date);
    const skewed = vi.spyOn(Date, "now").mockImplementation(() => realNow() + 2 * 60_000);
    try {
      await replica.deleteModel({ name: "skewed", version: 1 });
      const other = await replica.service.filesOf(replica.caller, { name: "elsewhere", version: 1 }, { hold: true });
      await other.release();
    } finally {
      skewed.mockRestore();
    }
    expect(await stored(storage, "held across clocks"), "the held bytes stay").toBe(true);
    expect(await holdsOf(storage), "the hold stays").toEqual({ holds: 1, digests: [sha256("held across clocks")] });
    await release();
    expect(await stored(storage, "held across clocks")).toBe(false);
  });

  test("holds of many files, and a hold on a digest that has no blob", async () => {
    const registry = registryOver(storage, { ...TEST_LIMITS, maxFiles: 600 });
    const many = Array.from({ length: 520 }, (_, i) => file(`f${i}.txt`, `file ${i}`));
    await registry.createModel({ name: "many", version: 1, files: many });
    const { files, release } = await registry.service.filesOf(registry.caller, { name: "many", version: 1 }, { hold: true });
    expect(files).toHaveLength(520);
    expect((await holdsOf(storage)).digests).toHaveLength(520);
    await release();
    expect(await holdsOf(storage)).toEqual({ holds: 0, digests: [] });
    await expect(storage.metadata.holdBlobs("h", [sha256("file 1"), sha256("no such blob")], HOLD_MS)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await holdsOf(storage), "a refused hold holds nothing").toEqual({ holds: 0, digests: [] });
  });
});
