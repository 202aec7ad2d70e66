import { randomBytes } from "node:crypto";
import http from "node:http";
import { Readable } from "node:stream";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS } from "./support/backends.js";
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

/**
 * An archive streams a version's files one after the other; an overwrite or a delete of the
 * version meanwhile reclaims the bytes it released. On a local blob directory the archive
 * holds the bytes it listed (hard links in staging) until it ends, so it ends whole.
 */
describe.each(BACKENDS)("an archive racing a write of its version on %s", (backend) => {
  let race: Interleaved;
  const MiB = 1024 * 1024;

  beforeAll(async () => {
    race = await startInterleaved(backend, /from "model_files"/);
  });
  afterAll(() => race?.close());

  const archiveUrl = (name: string) => `${race.gw.origin}/archives/default/${name}/1`;
  const held = async () => (await race.gw.storage.stagingNames()).length;

  test("overwritten while it streams: the archive ends whole, with the files it listed, and lets them go", async () => {
    const old = { "a.bin": randomBytes(8 * MiB), "b.bin": randomBytes(8 * MiB), "c.bin": randomBytes(8 * MiB) };
    expect((await race.gw.upload({ name: "big" }, old)).errors).toBeUndefined();
    const download = slowGet(archiveUrl("big"));
    await download.paused;
    // The gateway waits on the client with a.bin half sent: b.bin and c.bin are still to be read.
    await sleep(100);
    expect(await held()).toBe(1);
    await race.writer.createModel({ name: "big", version: 1, overwrite: true, files: [file("a.bin", "new")] });
    const stored = new Set((await race.gw.storage.listBlobs()).map((b) => b.sha256));
    expect(stored.has(sha256(old["b.bin"])), "the overwrite reclaimed the old bytes").toBe(false);
    const { status, body, complete } = await download.rest();
    expect(status).toBe(200);
    expect(complete).toBe(true);
    expect(await entriesOf(body)).toEqual(Object.fromEntries(Object.entries(old).map(([p, b]) => [p, sha256(b)])));
    await waitFor("the held bytes to be let go", async () => (await held()) === 0);
  });

  test("deleted while it streams: the same", async () => {
    const old = { "a.bin": randomBytes(8 * MiB), "b.bin": randomBytes(4 * MiB) };
    expect((await race.gw.upload({ name: "gone" }, old)).errors).toBeUndefined();
    const download = slowGet(archiveUrl("gone"));
    await download.paused;
    await sleep(100);
    await race.writer.deleteModel({ name: "gone", version: 1 });
    const { status, body, complete } = await download.rest();
    expect([status, complete]).toEqual([200, true]);
    expect(await entriesOf(body)).toEqual(Object.fromEntries(Object.entries(old).map(([p, b]) => [p, sha256(b)])));
    await waitFor("the held bytes to be let go", async () => (await held()) === 0);
    expect((await fetch(archiveUrl("gone"))).status).toBe(404);
  });

  test("overwritten between the listing and the hold: the archive lists again and is the new version's", async () => {
    await race.writer.createModel({ name: "swap", version: 1, files: [file("w.bin", "old weights"), file("x.bin", "old extra")] });
    race.between = () => race.writer.createModel({ name: "swap", version: 1, overwrite: true, files: [file("w.bin", "new weights")] });
    const res = await fetch(archiveUrl("swap"));
    expect(race.between, "the overwrite ran right after the listing").toBeNull();
    expect(res.status).toBe(200);
    expect(await entriesOf(Buffer.from(await res.arrayBuffer()))).toEqual({ "w.bin": sha256("new weights") });
    await waitFor("the held bytes to be let go", async () => (await held()) === 0);
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

  test("a client that leaves half-way lets the held bytes go; a HEAD holds nothing", async () => {
    expect((await race.gw.upload({ name: "left" }, { "a.bin": randomBytes(8 * MiB), "b.bin": "tail" })).errors).toBeUndefined();
    const controller = new AbortController();
    const res = await fetch(archiveUrl("left"), { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    expect(await held()).toBe(1);
    controller.abort();
    await waitFor("the held bytes to be let go", async () => (await held()) === 0);
    // A HEAD asks the store to hold nothing (a hold let go at once would leave no trace to look for).
    const blobs = race.gw.storage.blobs;
    const hold = blobs.hold!.bind(blobs);
    let holds = 0;
    blobs.hold = (sha256s) => {
      holds++;
      return hold(sha256s);
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
      blobs.hold = hold;
    }
    await waitFor("the GET's held bytes to be let go", async () => (await held()) === 0);
  });
});
