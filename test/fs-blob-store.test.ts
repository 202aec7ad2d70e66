/**
 * The local blob store's staging on its own: its staging file hashes and counts
 * what it writes (no stream in between), so the size limit and the digest are
 * checked here for one chunk, many chunks written at once (writev) and a stream
 * that fails mid-file.
 */
import { createHash, randomBytes } from "node:crypto";
import fsCallbacks from "node:fs";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { Readable, Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { NotFoundError, PayloadTooLargeError, StorageError } from "../gateway/src/domain/errors.js";
import { FsBlobStore, STAGING_IDLE_MS, STAGING_TOUCH_MS } from "../gateway/src/storage/fs/fs-blob-store.js";
import { makeTempDir } from "./support/backends.js";
import { waitFor } from "./support/wait.js";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** `bytes` in chunks of `size`, all readable at once (the staging file then gets them by writev). */
const chunksOf = (bytes: Buffer, size: number) =>
  Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));

describe("FsBlobStore.stage", () => {
  let dir: string;
  let root: string;
  let store: FsBlobStore;
  const staged = () => fs.readdir(path.join(root, ".staging"));

  beforeEach(async () => {
    dir = await makeTempDir();
    root = path.join(dir, "blobs");
    store = await FsBlobStore.open(root);
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  test.each([
    ["one chunk", 1 << 20],
    ["many small chunks", 100],
  ])("%s up to the limit: the digest and size of every byte, then published at its address", async (_, chunk) => {
    const bytes = randomBytes(5000);
    const blob = await store.stage(chunksOf(bytes, chunk), { maxBytes: bytes.length });
    expect(blob).toMatchObject({ sha256: sha256(bytes), sizeBytes: bytes.length });
    expect(await fs.readFile(path.join(root, ".staging", blob.stagingKey))).toEqual(bytes);
    await store.promote([blob]);
    expect(await fs.readFile(path.join(root, blob.sha256.slice(0, 2), blob.sha256))).toEqual(bytes);
    expect(await staged()).toEqual([]);
  });

  test.each([
    ["one chunk", 1 << 20],
    ["many small chunks", 100],
  ])("%s one byte past the limit: PAYLOAD_TOO_LARGE, and no staging file is left", async (_, chunk) => {
    const bytes = randomBytes(5001);
    await expect(store.stage(chunksOf(bytes, chunk), { maxBytes: 5000 })).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await staged()).toEqual([]);
  });

  test("a source failing mid-file: its error, and no staging file is left", async () => {
    const failing = new Readable({
      read() {
        this.push(randomBytes(1000));
        this.destroy(new Error("the connection broke"));
      },
    });
    await expect(store.stage(failing, { maxBytes: 1 << 20 })).rejects.toThrow("the connection broke");
    expect(await staged()).toEqual([]);
  });

  test("a source closed before its end without an error: a premature close, and no staging file is left", async () => {
    const cut = new Readable({
      read() {
        this.push(randomBytes(1000));
        setImmediate(() => this.destroy());
      },
    });
    await expect(store.stage(cut, { maxBytes: 1 << 20 })).rejects.toMatchObject({ code: "ERR_STREAM_PREMATURE_CLOSE" });
    const gone = Readable.from([randomBytes(10)]);
    gone.destroy();
    await expect(store.stage(gone, { maxBytes: 1 << 20 })).rejects.toMatchObject({ code: "ERR_STREAM_PREMATURE_CLOSE" });
    expect(await staged()).toEqual([]);
  });

  test("a source failing while a write is with the thread pool: its error, no staging file, and no descriptor left open", async () => {
    // The store's own descriptors (/proc/self/fd links into its directory): none may outlive a stage.
    const open = async () =>
      (await Promise.all((await fs.readdir("/proc/self/fd")).map((fd) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => "")))).filter(
        (target) => target.startsWith(root),
      );
    let reads = 0;
    const failing = new Readable({
      read() {
        // A first chunk once the file is open, then 32 MiB, which take the thread pool a
        // while to write: the failure arrives meanwhile.
        if (reads++ === 0) this.push(randomBytes(10));
        else
          setTimeout(() => {
            this.push(Buffer.alloc(32 << 20, 1));
            setImmediate(() => this.destroy(new Error("the connection broke")));
          }, 20);
      },
    });
    await expect(store.stage(failing, { maxBytes: 1 << 30 })).rejects.toThrow("the connection broke");
    expect(await staged()).toEqual([]);
    expect(await open()).toEqual([]);
    const blobs = await Promise.all([0, 1, 2].map(() => store.stage(chunksOf(randomBytes(3000), 1000), { maxBytes: 3000 })));
    await store.publish(blobs);
    await store.confirm(blobs);
    await Promise.all(blobs.map((blob) => store.discard(blob)));
    expect(await staged()).toEqual([]);
    expect(await open()).toEqual([]);
  });

  test("a staging file destroyed while its write is with the thread pool closes its descriptor only once that write returns", async () => {
    // Each write's callback is held until released: the close must wait for it, or the
    // descriptor's number could be reused by an open while the write still targets it.
    const held: (() => void)[] = [];
    const closed: number[] = [];
    const originals = { write: fsCallbacks.write, writev: fsCallbacks.writev, close: fsCallbacks.close };
    const patched = fsCallbacks as unknown as Record<string, (...args: unknown[]) => void>;
    for (const name of ["write", "writev"] as const) {
      const original = originals[name] as (...args: unknown[]) => void;
      patched[name] = (...args: unknown[]) => {
        const callback = args.pop() as (...result: unknown[]) => void;
        original(...args, (...result: unknown[]) => held.push(() => callback(...result)));
      };
    }
    patched.close = (fd: unknown, callback: unknown) => {
      closed.push(fd as number);
      (originals.close as (...args: unknown[]) => void)(fd, callback);
    };
    try {
      const source = new Readable({ read() {} });
      const staging = store.stage(source, { maxBytes: 1 << 20 });
      source.push(randomBytes(1000));
      await vi.waitFor(() => expect(held).toHaveLength(1));
      source.destroy(new Error("the connection broke"));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).toEqual([]);
      held.shift()!();
      await expect(staging).rejects.toThrow("the connection broke");
      expect(closed).toHaveLength(1);
      expect(await staged()).toEqual([]);
    } finally {
      Object.assign(fsCallbacks, originals);
    }
  });

  test("discard drops a staged copy, and is a no-op once it is gone", async () => {
    const blob = await store.stage(chunksOf(randomBytes(10), 10), { maxBytes: 10 });
    await store.discard(blob);
    await store.discard(blob);
    expect(await staged()).toEqual([]);
  });
});

/**
 * Reading a blob back: as a stream (archives) and written out by the store itself
 * through two reused buffers (file downloads), a whole file or a range; a missing
 * blob, a destination that goes away and a file shorter than its record each end
 * with an error, and no descriptor is left open either way.
 */
describe("FsBlobStore.read", () => {
  let dir: string;
  let root: string;
  let store: FsBlobStore;
  const openInRoot = async () =>
    (await Promise.all((await fs.readdir("/proc/self/fd")).map((fd) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => "")))).filter(
      (target) => target.startsWith(root),
    );
  /** A writable that keeps copies of what it is given (the store reuses its buffers). */
  const collector = (options: { failAfter?: number } = {}) => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(Buffer.from(chunk));
        if (options.failAfter !== undefined && chunks.length >= options.failAfter) sink.destroy();
        setImmediate(done);
      },
    });
    return { sink, bytes: () => Buffer.concat(chunks), chunks };
  };
  const publish = async (bytes: Buffer) => {
    const blob = await store.stage(chunksOf(bytes, 1 << 20), { maxBytes: bytes.length });
    await store.promote([blob]);
    return blob.sha256;
  };

  beforeEach(async () => {
    dir = await makeTempDir();
    root = path.join(dir, "blobs");
    store = await FsBlobStore.open(root);
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  // Larger than two of the store's 1 MiB buffers, so that both are reused, and not a multiple of one.
  const bytes = randomBytes(3 * (1 << 20) + 12345);

  test.each([
    ["the whole file", undefined],
    ["a range across buffers", { start: 1000, end: 2 * (1 << 20) + 999 }],
    ["the last byte", { start: bytes.length - 1, end: bytes.length - 1 }],
  ])("%s written out: every byte once, in order, the sizes told, the target ended and the file closed", async (_, range) => {
    const sha = await publish(bytes);
    const source = await store.read(sha, range);
    const target = collector();
    const sent: number[] = [];
    await source.writeTo(target.sink, (n) => sent.push(n));
    const expected = range ? bytes.subarray(range.start, range.end + 1) : bytes;
    // By digest: vitest compares a Buffer of megabytes element by element.
    expect(sha256(target.bytes())).toBe(sha256(expected));
    expect(target.bytes().length).toBe(expected.length);
    expect(sent.reduce((a, b) => a + b, 0)).toBe(expected.length);
    expect(target.sink.writableFinished).toBe(true);
    expect(await openInRoot()).toEqual([]);
  });

  test("as a stream, every chunk is its own buffer (a consumer may keep them), and the file is closed at the end", async () => {
    const sha = await publish(bytes);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.read(sha)) chunks.push(chunk as Buffer);
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(bytes));
    expect(new Set(chunks.map((c) => c.buffer)).size).toBe(chunks.length);
    expect(await openInRoot()).toEqual([]);
  });

  test("a stream destroyed early closes the file", async () => {
    const source = await store.read(await publish(bytes));
    source.read(0);
    source.destroy();
    await vi.waitFor(async () => expect(await openInRoot()).toEqual([]));
  });

  test("a file of another size than recorded (cut or grown behind the store's back): refused whole or in part, nothing left open", async () => {
    const sha = await publish(Buffer.from("hello world"));
    const readAll = async (source: Readable) => Buffer.concat(await source.toArray()).toString();
    expect(await readAll(await store.read(sha, undefined, 11))).toBe("hello world");
    expect(await readAll(await store.read(sha, { start: 6, end: 10 }, 11))).toBe("world");
    for (const bytes of [Buffer.alloc(30, 1), Buffer.from("hi")]) {
      await fs.writeFile(path.join(root, sha.slice(0, 2), sha), bytes);
      await expect(store.read(sha, undefined, 11)).rejects.toThrow(StorageError);
      await expect(store.read(sha, { start: 0, end: 1 }, 11)).rejects.toThrow(`the file is ${bytes.length} bytes, 11 expected`);
      expect(await openInRoot()).toEqual([]);
    }
  });

  test("a blob that is not there: NOT_FOUND, nothing opened", async () => {
    await expect(store.read("0".repeat(64))).rejects.toBeInstanceOf(NotFoundError);
    expect(await openInRoot()).toEqual([]);
  });

  test("a target that goes away mid-file: rejected (no wait for writes that never complete), the file closed", async () => {
    const source = await store.read(await publish(bytes));
    const target = collector({ failAfter: 1 });
    await expect(source.writeTo(target.sink)).rejects.toThrow();
    expect(await openInRoot()).toEqual([]);
  });

  test("a target that emits an error mid-file, between writes or during one: rejected with it, never unhandled, the file closed", async () => {
    for (const when of ["between", "during"] as const) {
      const source = await store.read(await publish(bytes));
      let writes = 0;
      const target = new Writable({
        write(_chunk, _encoding, done) {
          writes++;
          if (when === "during" && writes === 2) target.destroy(new Error("the socket broke"));
          else done();
          if (when === "between" && writes === 1) setImmediate(() => target.destroy(new Error("the socket broke")));
        },
      });
      await expect(source.writeTo(target)).rejects.toThrow();
      expect(await openInRoot()).toEqual([]);
    }
  });

  test("a file shorter than the bytes asked for: rejected with how many were missing, the file closed", async () => {
    const sha = await publish(bytes);
    await fs.truncate(path.join(root, sha.slice(0, 2), sha), 1 << 20);
    const source = await store.read(sha, { start: 0, end: bytes.length - 1 });
    await expect(source.writeTo(collector().sink)).rejects.toThrow(`the blob file ended ${bytes.length - (1 << 20)} bytes early`);
    expect(await openInRoot()).toEqual([]);
  });

  test("writeTo after the bytes were read as a stream is refused", async () => {
    const source = await store.read(await publish(bytes));
    await new Promise((resolve) => source.once("readable", resolve));
    source.read();
    await expect(source.writeTo(collector().sink)).rejects.toThrow("already being read");
    source.destroy();
  });
});

describe("FsBlobStore.list", () => {
  let dir: string;
  let root: string;

  beforeEach(async () => {
    dir = await makeTempDir();
    root = path.join(dir, "blobs");
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  test("what a restored or shared directory may also hold is passed over, not fatal to the scan", async () => {
    const store = await FsBlobStore.open(root);
    const bytes = Buffer.from("a blob");
    const blob = await store.stage(Readable.from([bytes]), { maxBytes: 100 });
    await store.promote([blob]);
    const prefix = blob.sha256.slice(0, 2);
    await fs.mkdir(path.join(root, "lost+found"));
    await fs.writeFile(path.join(root, prefix, `.${blob.sha256}.swp`), "an editor's swap file");
    await fs.writeFile(path.join(root, "00"), "a file named like a blob directory");
    await fs.symlink(path.join(dir, "nowhere"), path.join(root, "01"));
    await fs.symlink(path.join(dir, "nowhere"), path.join(root, prefix, "0".repeat(64)));
    const listed = [];
    for await (const entry of store.list()) listed.push(entry);
    expect(listed).toEqual([{ sha256: sha256(bytes), sizeBytes: bytes.length, modifiedMs: expect.any(Number) }]);
  });
});

describe("FsBlobStore staged files waiting for their registration", () => {
  let dir: string;
  let root: string;
  let store: FsBlobStore;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    dir = await makeTempDir();
    root = path.join(dir, "blobs");
    store = await FsBlobStore.open(root);
  });
  afterEach(async () => {
    await store.close();
    vi.useRealTimers();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** What another gateway process (of this host or another) reclaims at its start. */
  const reclaimElsewhere = async () => {
    const module = path.resolve("gateway/dist/storage/fs/fs-blob-store.js");
    const script = `const { FsBlobStore } = await import(${JSON.stringify(module)}); console.log(await (await FsBlobStore.open(${JSON.stringify(root)})).reclaimStaging());`;
    return (await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script])).stdout.trim();
  };

  test("a file staged long ago while its siblings still upload is touched, so another process's start leaves it", async () => {
    const bytes = Buffer.from("the first file of a registration");
    const blob = await store.stage(Readable.from([bytes]), { maxBytes: 100 });
    const staged = path.join(root, ".staging", blob.stagingKey);
    // Its sibling has been uploading for longer than another process's patience.
    const long = new Date(Date.now() - 2 * STAGING_IDLE_MS);
    await fs.utimes(staged, long, long);
    vi.advanceTimersByTime(STAGING_TOUCH_MS);
    await waitFor("the staged file touched", async () => Date.now() - (await fs.stat(staged)).mtimeMs < STAGING_IDLE_MS);
    expect(await reclaimElsewhere()).toBe("0");
    await store.promote([blob]);
    expect(await fs.readFile(path.join(root, blob.sha256.slice(0, 2), blob.sha256))).toEqual(bytes);
  });

  test("once discarded, a staged file is no longer touched and another process's start reclaims its leftover", async () => {
    const blob = await store.stage(Readable.from([Buffer.from("dropped")]), { maxBytes: 100 });
    await store.discard(blob);
    // A leftover under its name (a discard that failed, put back here by hand) ages as abandoned.
    const staged = path.join(root, ".staging", blob.stagingKey);
    await fs.writeFile(staged, "dropped");
    const long = new Date(Date.now() - 2 * STAGING_IDLE_MS);
    await fs.utimes(staged, long, long);
    vi.advanceTimersByTime(STAGING_TOUCH_MS);
    expect(await reclaimElsewhere()).toBe("1");
  });
});

describe("FsBlobStore.reclaimStaging", () => {
  let dir: string;
  let root: string;

  beforeEach(async () => {
    dir = await makeTempDir();
    root = path.join(dir, "blobs");
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test("an upload its live process finishes while the scan looks at it is neither touched nor counted as a leftover", async () => {
    const store = await FsBlobStore.open(root);
    const staged = path.join(root, ".staging", "another-host.1.in-flight");
    await fs.writeFile(staged, "a file of a registration in progress");
    // Its process promotes it just after the listing, as the scan looks at it.
    for (const method of ["stat", "lstat"] as const) {
      const original = fs[method];
      vi.spyOn(fs, method).mockImplementation((async (file: string, ...rest: []) => {
        if (file === staged) await fs.rename(staged, path.join(dir, "promoted"));
        return original(file, ...rest);
      }) as never);
    }
    expect(await store.reclaimStaging()).toBe(0);
    expect(await fs.readFile(path.join(dir, "promoted"), "utf8")).toBe("a file of a registration in progress");
  });
});
