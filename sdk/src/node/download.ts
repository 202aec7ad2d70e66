import { createHash, randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { constants, createReadStream } from "node:fs";
import fs, { type FileHandle } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { DEFAULT_IDLE_TIMEOUT_SECONDS } from "../client.js";
import { aborted, codeForStatus, RegistryError, shownValue } from "../errors.js";
import type { DownloadOptions, ModelData, TransferProgress } from "../types.js";
import { httpGet, type GetAnswer, type GetOptions } from "./http-get.js";

/** The longest file name, in bytes, that Linux's file systems (ext4, XFS, Btrfs, tmpfs) take; the registry's limit for a path segment. */
const MAX_NAME_BYTES = 255;
const PART_SUFFIX = ".homer-part";

/**
 * A part names the digest it belongs to: a part of older bytes is never resumed. A name
 * too long to take the suffix is cut, and the suffix then digests the whole name with the
 * file's, so that two long names alike up to the cut keep parts of their own.
 */
function partOf(target: string, sha256: string): string {
  const part = `${target}.${sha256.slice(0, 16)}${PART_SUFFIX}`;
  if (Buffer.byteLength(path.basename(part)) <= MAX_NAME_BYTES) return part;
  const name = path.basename(target);
  const tag = createHash("sha256").update(sha256).update(name).digest("hex").slice(0, 16);
  const room = MAX_NAME_BYTES - Buffer.byteLength(`.${tag}${PART_SUFFIX}`);
  let kept = "";
  let bytes = 0;
  for (const c of name) {
    bytes += Buffer.byteLength(c);
    if (bytes > room) break;
    kept += c;
  }
  return path.join(path.dirname(target), `${kept}.${tag}${PART_SUFFIX}`);
}

const MAX_RATE_LIMIT_WAITS = 20;

async function sha256OfFile(file: string): Promise<{ hash: ReturnType<typeof createHash>; size: number } | null> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile()) return null;
  const hash = createHash("sha256");
  try {
    await pipeline(createReadStream(file), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) hash.update(chunk);
    });
  } catch (error) {
    // A file already there that cannot be read (EACCES, EIO) is neither taken as verified nor replaced unseen.
    throw new RegistryError("INTEGRITY_ERROR", `cannot read ${file} to check its sha256: ${(error as Error).message}`, { cause: error });
  }
  return { hash, size: stat.size };
}

/** How much of a download gathers before it is written: one write per MiB instead of one per chunk. */
export const WRITE_BATCH_BYTES = 2 ** 20;
const SMALL_CHUNK_BYTES = 16 * 1024;

/**
 * A part file written in batches: chunks gather until `WRITE_BATCH_BYTES`, then go
 * out in one `writev` while the next batch gathers (one write in flight, so at most
 * two batches are held). A write per chunk, as a `fs.WriteStream` makes them, sends
 * each chunk through the thread pool and holds the socket's next read until it is
 * back: 1.15–1.2× the time of a 1 GiB download (BENCHMARKS.md §5).
 */
export class PartWriter {
  readonly #handle: FileHandle;
  #batch: Uint8Array[] = [];
  #batchBytes = 0;
  /** Chunks under 16 KiB are copied together here: a server that sends a few bytes per packet would otherwise have a batch held as a million arrays. */
  #scratch: Buffer | undefined;
  #scratchUsed = 0;
  #inFlight: Promise<void> = Promise.resolve();
  #written = 0;
  #failed: Error | undefined;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /** Opens `part` to be written from its start, or appended to (a resumed download). */
  static async open(part: string, append: boolean): Promise<PartWriter> {
    const { O_WRONLY, O_CREAT, O_APPEND, O_NONBLOCK, O_NOFOLLOW } = constants;
    // Non-blocking: a FIFO in the part's place would hold the open until some reader came (ENXIO instead).
    // Not followed: a symlink in the part's place would have the download write (and truncate) the file it names, anywhere (ELOOP instead).
    // Not truncated on open: what is in the part's place is looked at first (below).
    const flags = O_WRONLY | O_CREAT | (append ? O_APPEND : 0) | (O_NONBLOCK ?? 0) | (O_NOFOLLOW ?? 0);
    const handle = await fs.open(part, flags);
    try {
      // A hard link in the part's place is another file's own bytes under a second name: writing
      // (or truncating) it would change that file, wherever its other name is.
      const stat = await handle.stat();
      if (stat.isFile() && stat.nlink > 1) throw new Error(`${part} is a hard link (${stat.nlink} names), which is never written through`);
      // As O_TRUNC would: a regular file only (a device in the part's place takes no truncate).
      if (!append && stat.isFile()) await handle.truncate(0);
      return new PartWriter(handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Bytes this writer has put in the file so far. */
  get written(): number {
    return this.#written;
  }

  /** Takes `chunk` (the caller must not change it); waits only while a full batch waits for the write before it. Throws once a write failed. */
  async write(chunk: Uint8Array): Promise<void> {
    this.#throwIfFailed();
    if (chunk.length === 0) return;
    this.#batchBytes += chunk.length;
    if (chunk.length >= SMALL_CHUNK_BYTES) {
      this.#endScratch();
      this.#batch.push(chunk);
    } else {
      if (this.#scratch && this.#scratchUsed + chunk.length > this.#scratch.length) this.#endScratch();
      this.#scratch ??= Buffer.allocUnsafe(4 * SMALL_CHUNK_BYTES);
      this.#scratch.set(chunk, this.#scratchUsed);
      this.#scratchUsed += chunk.length;
    }
    if (this.#batchBytes < WRITE_BATCH_BYTES) return;
    await this.#inFlight;
    this.#throwIfFailed();
    this.#inFlight = this.#flush();
  }

  /** Writes what is gathered (unless `keep` is false), syncs the file to disk and closes it; throws the first write's failure. */
  async close(keep: boolean): Promise<void> {
    try {
      await this.#inFlight;
      if (keep && !this.#failed && this.#batchBytes > 0) await this.#flush();
      this.#throwIfFailed();
      await this.#handle.sync();
    } finally {
      await this.#handle.close();
    }
  }

  #throwIfFailed(): void {
    if (this.#failed) throw this.#failed;
  }

  /** The small chunks copied so far join the batch as one array. */
  #endScratch(): void {
    if (this.#scratch && this.#scratchUsed > 0) this.#batch.push(this.#scratch.subarray(0, this.#scratchUsed));
    this.#scratch = undefined;
    this.#scratchUsed = 0;
  }

  /** The gathered batch, written whole (a short write goes on from where it stopped); a failure is kept, never left unhandled. */
  #flush(): Promise<void> {
    this.#endScratch();
    const batch = this.#batch;
    this.#batch = [];
    this.#batchBytes = 0;
    return (async () => {
      let rest = batch;
      while (rest.length > 0) {
        const { bytesWritten } = await this.#handle.writev(rest);
        if (bytesWritten <= 0) throw new Error("the file took no bytes");
        this.#written += bytesWritten;
        rest = afterBytes(rest, bytesWritten);
      }
    })().catch((error: unknown) => {
      this.#failed = error instanceof Error ? error : new Error(String(error));
    });
  }
}

/** `chunks` without their first `n` bytes. */
function afterBytes(chunks: readonly Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < chunks.length && n >= chunks[i]!.length) n -= chunks[i++]!.length;
  const rest = chunks.slice(i);
  if (n > 0) rest[0] = rest[0]!.subarray(n);
  return rest;
}

/** Resolves `relative` inside `dir`, refusing anything that would land outside it or that no file system names. */
function targetOf(dir: string, relative: string): string {
  const shown = JSON.stringify(relative.slice(0, 200));
  if (relative.includes("\0")) throw new RegistryError("INTEGRITY_ERROR", `refusing to write ${shown}: a path cannot hold NUL`);
  const target = path.resolve(dir, ...relative.split("/"));
  if (!target.startsWith(path.resolve(dir) + path.sep)) {
    throw new RegistryError("INTEGRITY_ERROR", `refusing to write ${shown}: it would land outside ${dir}`);
  }
  return target;
}

/**
 * A listed file's digest, size and URL as the registry can have stored them: the digest
 * names the part file (`partOf`), so anything but 64 hex digits could take it out of the
 * folder, and a URL that does not parse would fail as a TypeError half-way through the files.
 */
function checkListed(file: ModelData["files"][number]): void {
  if (typeof file.path !== "string")
    throw new RegistryError("INTEGRITY_ERROR", `the registry listed a file whose path is ${shownValue(file.path)}`);
  const shown = JSON.stringify(file.path.slice(0, 200));
  if (typeof file.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(file.sha256)) {
    throw new RegistryError(
      "INTEGRITY_ERROR",
      `the registry listed ${shown} with the sha256 ${shownValue(file.sha256)}, not 64 hex digits`,
    );
  }
  if (!Number.isSafeInteger(file.sizeBytes) || file.sizeBytes < 0) {
    throw new RegistryError("INTEGRITY_ERROR", `the registry listed ${shown} with the size ${shownValue(file.sizeBytes)}`);
  }
  if (typeof file.downloadUrl !== "string" || !URL.canParse(file.downloadUrl)) {
    throw new RegistryError("INTEGRITY_ERROR", `the registry listed ${shown} with the download URL ${shownValue(file.downloadUrl)}`);
  }
}

/** Files fetched at once unless the caller says: a model of many small files is not a round trip and an fsync per file in turn. */
export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 16;

/** What the Node entry's download needs besides the caller's options. */
export interface DownloadContext {
  readonly headers: Readonly<Record<string, string>>;
  /** The connection's origin: the only one the API key is sent to. */
  readonly origin: string;
  /** How long a file's GET waits for the next bytes of its answer: the connection's `idleTimeoutSeconds` (default 300 s). */
  readonly idleMs?: number;
}

/** An AbortSignal, or one of a library's that behaves as one (as node:http accepts). */
const isSignal = (value: unknown) =>
  typeof value === "object" && value !== null && "aborted" in value && typeof (value as AbortSignal).addEventListener === "function";

const badOption = (field: string, what: string, value: unknown) =>
  new RegistryError("BAD_USER_INPUT", `${field} must be ${what}, not ${shownValue(value)}`, { field });

/** A path as a case-insensitive file system may take it: its case folded (`ß` as `ss`), after NFC. */
const folded = (relative: string) => relative.normalize("NFC").toUpperCase().toLowerCase();

/**
 * UNSUPPORTED, before any file is written, when the file system of `root` takes two of the
 * paths a download writes (its files, and the folders it makes for them) for one, and one of
 * them is a file: `A.bin` and `a.bin`, or `Data` and `data/x`, on a case-insensitive disk.
 * Folders that differ in case only merge, which is harmless. Each pair spelled alike when
 * folded is put to the file system itself, in a folder of its own made and removed in `root`:
 * on a case-sensitive one (Linux's) such a version downloads whole.
 */
async function refuseFoldedTwins(root: string, files: Iterable<string>): Promise<void> {
  const spellings = new Map<string, { readonly relative: string; readonly file: boolean }[]>();
  for (const target of files) {
    for (let at = target; at.length > root.length; at = path.dirname(at)) {
      const relative = path.relative(root, at);
      const key = folded(relative);
      const known = spellings.get(key) ?? [];
      if (known.some((s) => s.relative === relative)) break; // its folders are in already
      known.push({ relative, file: at === target });
      spellings.set(key, known);
    }
  }
  const twins = [...spellings.values()].filter((group) => group.length > 1 && group.some((s) => s.file));
  if (twins.length === 0) return;
  const probe = path.join(root, `.homer-case-probe-${randomUUID()}`);
  try {
    for (const [first, ...others] of twins) {
      await fs.mkdir(path.dirname(path.join(probe, first!.relative)), { recursive: true });
      await fs.writeFile(path.join(probe, first!.relative), "");
      for (const other of others) {
        if (!(await fs.stat(path.join(probe, other.relative)).catch(() => null))) continue;
        const shown = (s: { relative: string }) => JSON.stringify(s.relative.split(path.sep).join("/").slice(0, 200));
        throw new RegistryError(
          "UNSUPPORTED",
          `the version holds ${shown(first!)} and ${shown(other)}, which the file system of ${root} takes for one ` +
            "(it ignores case): download into a folder on a case-sensitive file system, or those files one at a time",
        );
      }
    }
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    // As a download's own write would be: the folder refuses what the probe writes (read-only, full).
    throw new RegistryError(
      "INTEGRITY_ERROR",
      `cannot ask the file system of ${root} whether names differing in case are one: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    await fs.rm(probe, { recursive: true, force: true });
  }
}

/**
 * INTEGRITY_ERROR, before any file is written, when a folder a file goes in is already in
 * `root` as a symlink leading out of it (`a -> /elsewhere` for the file `a/x`): the download
 * would make folders and write files through it. A link that stays inside `root` is followed.
 */
async function refuseLinksOut(root: string, targets: Iterable<string>): Promise<void> {
  const realRoot = await fs.realpath(root);
  const seen = new Set<string>();
  for (const target of targets) {
    for (let folder = path.dirname(target); folder.length > root.length && !seen.has(folder); folder = path.dirname(folder)) {
      seen.add(folder);
      if (!(await fs.lstat(folder).catch(() => null))?.isSymbolicLink()) continue;
      const real = await fs.realpath(folder).catch(() => null);
      if (real !== null && real.startsWith(realRoot + path.sep)) continue;
      const shown = JSON.stringify(path.relative(root, folder).split(path.sep).join("/").slice(0, 200));
      throw new RegistryError(
        "INTEGRITY_ERROR",
        `refusing to write into ${shown} in ${root}: it is a symlink to ${real === null ? "nothing" : JSON.stringify(real.slice(0, 200))}, outside the folder`,
      );
    }
  }
}

/**
 * The folder and the caller's options, checked before anything is asked or made: a wrong
 * type is BAD_USER_INPUT, not a TypeError half-way through the files. Returns the concurrency.
 */
function checkArguments(dir: unknown, options: DownloadOptions): number {
  if (typeof dir !== "string" || dir === "" || dir.includes("\0")) throw badOption("dir", "a folder path", dir);
  const { concurrency, signal, onProgress } = options as Record<string, unknown>;
  if (signal !== undefined && !isSignal(signal)) throw badOption("signal", "an AbortSignal", signal);
  if (onProgress !== undefined && typeof onProgress !== "function") throw badOption("onProgress", "a function", onProgress);
  if (concurrency === undefined) return DEFAULT_CONCURRENCY;
  if (typeof concurrency !== "number" || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw badOption("concurrency", `a whole number from 1 to ${MAX_CONCURRENCY}`, concurrency);
  }
  return concurrency;
}

/**
 * Downloads every file of a version into `dir`, `concurrency` files at a time. A
 * file already there with the right digest is skipped; a `.homer-part` left by an
 * interrupted download is resumed with a Range request; every file's sha256 is
 * verified before it is renamed into place. The first failure stops the other
 * files (what they received is kept for the next download) and is what rejects.
 */
export async function downloadModel(
  model: Pick<ModelData, "files">,
  dir: string,
  options: DownloadOptions & DownloadContext,
): Promise<string> {
  const concurrency = checkArguments(dir, options);
  if (options.signal?.aborted) throw aborted(`downloading into ${dir}`, options.signal);
  // Every path checked before anything is written. A list naming one file twice (or two paths
  // that land on one file, `a//b` and `a/b`) would have two downloads write one part at once.
  const targets = new Map<string, ModelData["files"][number]>();
  for (const file of model.files) {
    checkListed(file);
    const target = targetOf(dir, file.path);
    if (targets.has(target)) {
      throw new RegistryError(
        "INTEGRITY_ERROR",
        `the registry listed ${JSON.stringify(file.path.slice(0, 200))} twice, or two paths for one file`,
      );
    }
    targets.set(target, file);
  }
  // Nor can one path be a file and another's folder ("a" and "a/b"): the second write would fail half-way.
  const root = path.resolve(dir);
  for (const [target, file] of targets) {
    for (let folder = path.dirname(target); folder.length > root.length; folder = path.dirname(folder)) {
      const clash = targets.get(folder);
      if (clash) {
        throw new RegistryError(
          "INTEGRITY_ERROR",
          `the registry listed ${JSON.stringify(clash.path.slice(0, 200))} as a file and as the folder of ${JSON.stringify(file.path.slice(0, 200))}`,
        );
      }
    }
  }
  // Nor can one listed file be where another is downloaded to (its part file): its download would
  // replace that part under the other's writes, and the other's rename would then put it in place.
  for (const [target, file] of targets) {
    const clash = targets.get(partOf(target, file.sha256));
    if (clash) {
      throw new RegistryError(
        "INTEGRITY_ERROR",
        `the registry listed ${JSON.stringify(clash.path.slice(0, 200))}, the part file ${JSON.stringify(file.path.slice(0, 200))} is downloaded into`,
      );
    }
  }
  const queue = [...targets];
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (error) {
    throw new RegistryError("INTEGRITY_ERROR", `cannot create the folder ${dir}: ${(error as Error).message}`, { cause: error });
  }
  await refuseLinksOut(root, targets.keys());
  // Nor two paths this folder's file system takes for one (`A.bin` and `a.bin` on macOS's or
  // Windows' default disk): one file would silently replace the other.
  await refuseFoldedTwins(root, targets.keys());
  const total = model.files.reduce((sum, f) => sum + f.sizeBytes, 0);
  // Bytes of finished files plus what each file in flight has so far: `bytes` never goes back while files overlap.
  let bytes = 0;
  // Stops every file in flight: the caller's abort, or the first failure. Linked by hand rather
  // than with AbortSignal.any, so that nothing stays registered on a caller's long-lived signal.
  const stop = new AbortController();
  const signal = stop.signal;
  const forward = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", forward, { once: true });
  // Each request in flight listens to it, and a rate limit's wait.
  setMaxListeners(2 * concurrency + 1, signal);
  const get = { headers: options.headers, origin: options.origin, signal, idleMs: options.idleMs ?? DEFAULT_IDLE_TIMEOUT_SECONDS * 1000 };
  let failure: { error: unknown } | undefined;
  // A throw from the caller's onProgress is the caller's own: it stops the download (what arrived
  // is kept) and is what rejects, as thrown, not a network failure of the file in flight.
  let thrown: { error: unknown } | undefined;
  const report = (progress: TransferProgress) => {
    if (thrown) return;
    try {
      options.onProgress?.(progress);
    } catch (error) {
      thrown = { error };
      stop.abort();
    }
  };
  let next = 0;

  const fetchOne = async ([target, file]: (typeof queue)[number]) => {
    let fileBytes = 0;
    const progress = (now: number) => {
      bytes += now - fileBytes;
      fileBytes = now;
      report({ path: file.path, fileBytes: now, fileTotal: file.sizeBytes, bytes, total });
    };
    const size = (await fs.stat(target).catch(() => null))?.size;
    const existing = size === file.sizeBytes ? await sha256OfFile(target) : null;
    if (existing && existing.hash.digest("hex") === file.sha256) {
      bytes += file.sizeBytes;
      report({ path: file.path, fileBytes: 0, fileTotal: file.sizeBytes, bytes, total });
      return;
    }
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
    } catch (error) {
      throw new RegistryError("INTEGRITY_ERROR", `cannot create the folder for ${file.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const part = partOf(target, file.sha256);
    await downloadFile(file, part, get, progress);
    try {
      await fs.rename(part, target);
    } catch (error) {
      // A folder in the file's place (EISDIR), or a disk that refuses: the verified part stays.
      throw new RegistryError("INTEGRITY_ERROR", `cannot put ${file.path} in place: ${(error as Error).message}`, { cause: error });
    }
    // An empty file gets its one event here; any other had its last one with its last bytes.
    if (file.sizeBytes === 0) progress(0);
  };

  const worker = async () => {
    while (next < queue.length && !signal.aborted) {
      const entry = queue[next++]!;
      try {
        await fetchOne(entry);
      } catch (error) {
        failure ??= { error };
        stop.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  } finally {
    options.signal?.removeEventListener("abort", forward);
  }
  // The caller's abort wins over what it made the files in flight throw.
  if (options.signal?.aborted) {
    throw aborted(`downloading into ${dir}`, options.signal, "what arrived is kept, and a download into the same folder resumes it");
  }
  if (thrown) throw thrown.error;
  if (failure) throw failure.error;
  return dir;
}

async function downloadFile(
  file: ModelData["files"][number],
  part: string,
  get: GetOptions & { readonly signal: AbortSignal },
  onBytes: (bytes: number) => void,
): Promise<void> {
  // Only a part shorter than the file can be resumed; hash it to continue the digest.
  const partStat = await fs.lstat(part).catch(() => null);
  const partSize = partStat?.isFile() ? partStat.size : 0;
  const partial = partSize > 0 && partSize < file.sizeBytes ? await sha256OfFile(part) : null;
  const resumeAt = partial?.size ?? 0;
  const headers: Record<string, string> = { ...get.headers };
  if (resumeAt > 0) {
    headers.range = `bytes=${resumeAt}-`;
    headers["if-range"] = `"${file.sha256}"`;
  }
  const foreign = new URL(file.downloadUrl).origin !== get.origin;
  let res: GetAnswer;
  for (let waits = 0; ; waits++) {
    try {
      res = await httpGet(file.downloadUrl, { ...get, headers });
    } catch (error) {
      if (get.signal.aborted) throw aborted(`downloading ${file.path}`, get.signal);
      throw new RegistryError("NETWORK_ERROR", `downloading ${file.path} failed: ${(error as Error).message}`, { cause: error });
    }
    // Rate limited: wait as told and go on (a version may have more files than a minute's budget).
    if (res.status !== 429 || waits >= MAX_RATE_LIMIT_WAITS) break;
    res.body.destroy();
    const seconds = Math.min(Number(res.headers["retry-after"]) || 1, 60);
    await sleep(seconds * 1000, undefined, { signal: get.signal }).catch(() => {
      throw aborted(`downloading ${file.path}`, get.signal);
    });
  }
  if (res.status !== 200 && res.status !== 206) {
    res.body.destroy();
    const code = codeForStatus(res.status);
    const why =
      code === "NOT_FOUND"
        ? "is no longer in the registry (deleted?)"
        : foreign && (code === "UNAUTHENTICATED" || code === "FORBIDDEN")
          ? `is served from ${new URL(file.downloadUrl).origin}, not the connection's origin, ` +
            "so no API key was sent (set HOMER_PUBLIC_URL on the gateway)"
          : `could not be downloaded: HTTP ${res.status}`;
    throw new RegistryError(code, `${file.path} ${why}`, { status: res.status });
  }
  if (res.status === 206) {
    // Part of a file is only taken from where the part on disk ends: anything else would be
    // appended in the wrong place (and lose the part to the digest's check).
    const range = res.headers["content-range"];
    if (resumeAt === 0 || Number(/^bytes (\d+)-/.exec(range ?? "")?.[1]) !== resumeAt) {
      res.body.destroy();
      throw new RegistryError(
        "INTEGRITY_ERROR",
        `${file.path}: the server answered ${range === undefined ? "part of the file without saying which" : JSON.stringify(range.slice(0, 100))} ` +
          `to a request for ${resumeAt === 0 ? "the whole file" : `bytes ${resumeAt}-`}; ${resumeAt === 0 ? "nothing was written" : "the part on disk is kept"}`,
      );
    }
  }
  const resuming = res.status === 206;
  const hash = resuming ? partial!.hash : createHash("sha256");
  let bytes = resuming ? resumeAt : 0;
  let out: PartWriter;
  try {
    out = await PartWriter.open(part, resuming);
  } catch (error) {
    res.body.destroy();
    const link = (error as NodeJS.ErrnoException).code === "ELOOP" ? " (a symlink is in its place, which is never written through)" : "";
    throw new RegistryError("INTEGRITY_ERROR", `cannot write ${part}${link}: ${(error as Error).message}`, { cause: error });
  }
  let failure: unknown;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      // Never write more than the registry said the file holds.
      if (bytes > file.sizeBytes)
        throw new RegistryError("INTEGRITY_ERROR", `${file.path}: the server sent more than ${file.sizeBytes} bytes`);
      hash.update(chunk);
      await out.write(chunk);
      onBytes(bytes);
    }
  } catch (error) {
    failure = error;
    res.body.destroy();
  }
  // What arrived is written and synced even when the transfer broke off: the next download resumes from it.
  let writeFailure: Error | undefined;
  await out.close(!(failure instanceof RegistryError)).catch((error: Error) => (writeFailure = error));
  if (failure instanceof RegistryError) {
    await fs.rm(part, { force: true });
    throw failure;
  }
  if (writeFailure) {
    throw new RegistryError("INTEGRITY_ERROR", `${file.path}: writing ${part} failed after ${out.written} bytes: ${writeFailure.message}`, {
      cause: writeFailure,
    });
  }
  if (failure !== undefined) {
    if (get.signal.aborted) throw aborted(`downloading ${file.path}`, get.signal, `${bytes} bytes kept to resume from`);
    throw new RegistryError("NETWORK_ERROR", `downloading ${file.path} was interrupted at ${bytes} bytes: ${(failure as Error).message}`, {
      cause: failure,
    });
  }
  const digest = hash.digest("hex");
  if (bytes !== file.sizeBytes || digest !== file.sha256) {
    await fs.rm(part, { force: true });
    throw new RegistryError(
      "INTEGRITY_ERROR",
      `${file.path}: expected sha256 ${file.sha256} (${file.sizeBytes} bytes), got ${digest} (${bytes} bytes)`,
    );
  }
}
