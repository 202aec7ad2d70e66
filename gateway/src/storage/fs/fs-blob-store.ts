import { close, existsSync, fsync, link as linkFile, open, unlink } from "node:fs";
import fs, { type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { ConfigError } from "../../config.js";
import { NotFoundError, StorageError } from "../../domain/errors.js";
import type { ByteRange } from "../../domain/records.js";
import type { BlobEntry, BlobStore, StagedBlob } from "../blob-store.js";
import { ByteTally } from "../hashing-counter.js";
import { isDeadLocalUpload, newStagingName } from "../staging-name.js";
import { BlobFile } from "./blob-file.js";
import { blobStoreError, fsStep } from "./fs-errors.js";
import { StagingFile } from "./staging-file.js";

const SHA256 = /^[0-9a-f]{64}$/;
/** Another process's staging file untouched this long is presumed abandoned. */
export const STAGING_IDLE_MS = 60 * 60_000;
/** How often a process touches its staged files still waiting for their registration. */
export const STAGING_TOUCH_MS = STAGING_IDLE_MS / 4;

// The steps every registration takes (a directory's fsync, a link, an unlink) use
// node:fs's callbacks: fs/promises wraps a directory opened for fsync in a FileHandle,
// which cost the main thread more than the three system calls.

/** Makes the entries of `dir` durable: open, fsync, close (a failed fsync still closes). */
function fsyncDirectory(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    open(dir, "r", (openError, fd) => {
      if (openError) return reject(openError);
      fsync(fd, (syncError) => {
        close(fd, (closeError) => {
          const error = syncError ?? closeError;
          if (error) reject(error);
          else resolve();
        });
      });
    });
  });
}

/**
 * Removes a file that may be gone already. One unlink: `fs.rm` would lstat first and
 * go through its recursive remover, which doubles the work of dropping a staged copy.
 */
function unlinkIfPresent(file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    unlink(file, (error) => (error && error.code !== "ENOENT" ? reject(error) : resolve()));
  });
}

/** A hard link that may already exist: equal digests mean equal bytes. */
function link(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    linkFile(from, to, (error) => (error && error.code !== "EEXIST" ? reject(error) : resolve()));
  });
}

/** Whether `dir`'s filesystem makes hard links (some network and FUSE filesystems do not). */
async function hardLinksWork(dir: string): Promise<boolean> {
  const probe = path.join(dir, `${newStagingName()}.link-probe`);
  try {
    await fs.writeFile(probe, "");
    await fs.link(probe, `${probe}2`);
    return true;
  } catch {
    return false;
  } finally {
    await fs.rm(probe, { force: true }).catch(() => {});
    await fs.rm(`${probe}2`, { force: true }).catch(() => {});
  }
}

/**
 * Blobs in a local directory: `<root>/ab/abcdef…` by digest. Staged files live in
 * `<root>/.staging/<host>.<pid>.<uuid>`, are fsynced, then renamed (or, by
 * `publish`, hard-linked) into place, so a reader never sees a partial blob. Suits
 * one host (any number of processes).
 */
export class FsBlobStore implements BlobStore {
  readonly #staging: string;
  /** `<root>/` and `<root>/.staging/`: the paths a registration needs are concatenated to these, not joined. */
  readonly #rootPrefix: string;
  readonly #stagingPrefix: string;
  /** Blob directories known to exist: the store never removes one, so each is made once per process. */
  readonly #dirs = new Set<string>();
  /** Whether the filesystem has hard links (publish keeps the staged bytes by linking). */
  #links = false;
  /**
   * Staged files of this process not yet promoted or discarded. A registration stages its
   * files one after the other: the first waits, unchanged, while a large one uploads, and
   * another process's start would take it for abandoned after an hour. They are touched
   * every STAGING_TOUCH_MS while they wait.
   */
  readonly #waiting = new Set<string>();
  #toucher: NodeJS.Timeout | undefined;

  private constructor(readonly root: string) {
    this.#staging = path.join(root, ".staging");
    this.#rootPrefix = path.join(root, path.sep);
    this.#stagingPrefix = path.join(this.#staging, path.sep);
  }

  /**
   * The store of an existing directory, for reading only: nothing is created (a mistyped
   * directory is refused, never made empty). Only `sizeOf`, `read` and `list` make sense on it.
   */
  static async openExisting(root: string): Promise<FsBlobStore> {
    const resolved = path.resolve(root);
    const stat = await fs.stat(resolved).catch(() => undefined);
    if (!stat?.isDirectory()) throw new ConfigError(`blob directory ${resolved} (HOMER_BLOB_URL) does not exist or is not a directory`);
    return new FsBlobStore(resolved);
  }

  static async open(root: string): Promise<FsBlobStore> {
    const store = new FsBlobStore(path.resolve(root));
    await fs.mkdir(store.#staging, { recursive: true });
    store.#links = await hardLinksWork(store.#staging);
    return store;
  }

  /** The blob's directory, made when not known to exist (`again`: it was removed behind our back). */
  async #dir(sha256: string, again = false): Promise<string> {
    const dir = this.#dirOf(sha256);
    if (again || !this.#dirs.has(dir)) {
      // A new directory, or a directory growing by one entry, can need a free block.
      await fsStep("mkdir", () => fs.mkdir(dir, { recursive: true }));
      this.#dirs.add(dir);
    }
    return dir;
  }

  /** Places one staged blob at its address by `place` (rename or link); retried once if its directory vanished. */
  async #place(blob: StagedBlob, operation: "rename" | "link", place: (from: string, to: string) => Promise<void>): Promise<string> {
    const from = this.#stagingPath(blob.stagingKey);
    const to = this.#pathOf(blob.sha256);
    let dir = await this.#dir(blob.sha256);
    try {
      await place(from, to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || !existsSync(from)) throw blobStoreError(error, operation);
      dir = await this.#dir(blob.sha256, true);
      await fsStep(operation, () => place(from, to));
    }
    return dir;
  }

  #dirOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256 digest: ${sha256}`);
    return this.#rootPrefix + sha256.slice(0, 2);
  }

  #pathOf(sha256: string): string {
    return this.#dirOf(sha256) + path.sep + sha256;
  }

  /** A staging key is a name this process made (`newStagingName`), never a path. */
  #stagingPath(stagingKey: string): string {
    return this.#stagingPrefix + stagingKey;
  }

  async stage(source: Readable, { maxBytes }: { readonly maxBytes: number }): Promise<StagedBlob> {
    const stagingKey = newStagingName();
    const target = this.#stagingPath(stagingKey);
    // The staging file hashes and counts what it writes: no stream in between.
    const tally = new ByteTally(maxBytes);
    const out = new StagingFile(target, tally);
    try {
      await out.fill(source);
    } catch (error) {
      source.destroy();
      // The file is opened asynchronously: wait until it is closed, or it could be
      // created after the removal below and stay behind.
      if (!out.closed) await new Promise<void>((resolve) => out.once("close", () => resolve()));
      // Never masks the error that matters; a file left behind is swept at start-up.
      await fs.rm(target, { force: true }).catch(() => {});
      throw error;
    }
    this.#waiting.add(stagingKey);
    this.#toucher ??= setInterval(() => this.#touchWaiting(), STAGING_TOUCH_MS).unref();
    return { sha256: tally.digest(), sizeBytes: tally.sizeBytes, stagingKey };
  }

  #touchWaiting(): void {
    const now = new Date();
    // Best effort: a file gone meanwhile was promoted or discarded.
    for (const key of this.#waiting) fs.utimes(this.#stagingPath(key), now, now).catch(() => {});
  }

  /** A staged file promoted or discarded: no longer touched. */
  #settled(stagingKey: string): void {
    this.#waiting.delete(stagingKey);
    if (this.#waiting.size === 0) {
      clearInterval(this.#toucher);
      this.#toucher = undefined;
    }
  }

  async promote(blobs: readonly StagedBlob[]): Promise<void> {
    const dirs = new Set<string>();
    // Renaming over an existing blob is safe: equal digests mean equal bytes.
    for (const blob of blobs) {
      dirs.add(await this.#place(blob, "rename", (from, to) => fs.rename(from, to)));
      this.#settled(blob.stagingKey);
    }
    // One fsync per directory makes every rename in it durable.
    await Promise.all([...dirs].map((dir) => fsStep("fsync", () => fsyncDirectory(dir))));
  }

  async publish(blobs: readonly StagedBlob[]): Promise<boolean> {
    if (!this.#links) return false;
    const dirs = await Promise.all(blobs.map((blob) => this.#place(blob, "link", link)));
    await Promise.all([...new Set(dirs)].map((dir) => fsStep("fsync", () => fsyncDirectory(dir))));
    return true;
  }

  async confirm(blobs: readonly StagedBlob[]): Promise<void> {
    // Runs while the metadata transaction holds its locks: a stat each, synchronous
    // (microseconds on a local disk, where a trip through the thread pool costs more).
    const missing = blobs.filter((blob) => !existsSync(this.#pathOf(blob.sha256)));
    if (missing.length > 0) await this.publish(missing);
  }

  async discard(blob: StagedBlob): Promise<void> {
    this.#settled(blob.stagingKey);
    await unlinkIfPresent(this.#stagingPath(blob.stagingKey));
  }

  async read(sha256: string, range?: ByteRange, sizeBytes?: number): Promise<BlobFile> {
    let handle: FileHandle;
    try {
      handle = await fs.open(this.#pathOf(sha256), "r");
    } catch (error) {
      // Bytes reclaimed between the lookup and the read: the version was just deleted.
      throw (error as NodeJS.ErrnoException).code === "ENOENT" ? new NotFoundError("blob", sha256) : error;
    }
    try {
      const size = range && sizeBytes === undefined ? undefined : (await handle.stat()).size;
      // A file of another size under a digest's name was changed or cut behind our back (a disk
      // error, a hand edit): streamed under the recorded Content-Length, a longer one sent a wrong
      // file that looked complete (and garbage on the connection), a shorter one hung.
      if (sizeBytes !== undefined && size !== sizeBytes) {
        throw new StorageError(`blob store read failed (the file is ${size} bytes, ${sizeBytes} expected)`);
      }
      return range ? new BlobFile(handle, range.start, range.end + 1) : new BlobFile(handle, 0, size!);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async delete(sha256: string): Promise<void> {
    await fs.rm(this.#pathOf(sha256), { force: true });
  }

  async sizeOf(sha256: string): Promise<number | undefined> {
    try {
      return (await fs.stat(this.#pathOf(sha256))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw blobStoreError(error, "stat");
    }
  }

  async *list(): AsyncIterable<BlobEntry> {
    for (const prefix of await fs.readdir(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      // A file, or a dangling link, under such a name is no blob directory: passed over, so
      // one stray entry does not end the orphan scan at every start.
      const names = await fs.readdir(path.join(this.root, prefix)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOTDIR" || error.code === "ENOENT") return [];
        throw error;
      });
      for (const name of names) {
        if (!SHA256.test(name)) continue;
        const stats = await fs.stat(path.join(this.root, prefix, name)).catch(() => null);
        if (stats?.isFile()) yield { sha256: name, sizeBytes: stats.size, modifiedMs: stats.mtimeMs };
      }
    }
  }

  async reclaimStaging(): Promise<number> {
    let reclaimed = 0;
    const now = Date.now();
    for (const entry of await fs.readdir(this.#staging)) {
      const file = path.join(this.#staging, entry);
      // Our host's dead processes are known dead; another host's (or container's)
      // upload is presumed dead only when its file has not been touched for an hour.
      if (!isDeadLocalUpload(entry)) {
        const stats = await fs.lstat(file).catch(() => null);
        // Gone since the listing: its live process promoted or discarded it.
        if (!stats || now - stats.mtimeMs <= STAGING_IDLE_MS) continue;
      }
      // Counted only when removed here: a replica starting beside a busy one (or beside
      // another starting one) would otherwise log leftovers that were never there.
      const removed = await fs.rm(file, { recursive: true }).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === "ENOENT") return false;
          throw error;
        },
      );
      if (removed) reclaimed++;
    }
    return reclaimed;
  }

  /** The directory is still there and ours to read (a lost mount or volume fails here). */
  async ping(): Promise<void> {
    await fsStep("ping", () => fs.access(this.#staging, fs.constants.R_OK | fs.constants.W_OK));
  }

  async close(): Promise<void> {
    clearInterval(this.#toucher);
    this.#toucher = undefined;
  }
}
