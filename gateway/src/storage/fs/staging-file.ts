import fs from "node:fs";
import { Writable, type Readable } from "node:stream";
import type { ByteTally } from "../hashing-counter.js";
import { blobStoreError } from "./fs-errors.js";

/**
 * A new staging file as a writable stream. Unlike `fs.createWriteStream`, every
 * failure of its own writes is typed where it happens (`blobStoreError`): a pipeline
 * that breaks then says whether the store or the source failed, by class. Bytes are
 * fsynced before the stream finishes, so a later rename never publishes unwritten data.
 * Each chunk is added to `tally` (hash, size limit) before it is written: a chunk
 * past the limit fails the stream with the size error, and none of it is written.
 *
 * It writes through a file descriptor and `node:fs`'s callbacks rather than a
 * `FileHandle`: a registration stages every file, and each FileHandle (an
 * EventEmitter with a transferable wrapper and promise-returning calls) cost the
 * main thread more than the few system calls it wraps.
 */
export class StagingFile extends Writable {
  #fd: number | undefined;
  /** A write is with the thread pool: closing the descriptor now could let it land in a file opened meanwhile. */
  #writing = false;
  /** The close `_destroy` deferred until that write returns. */
  #closeAfterWrite: (() => void) | undefined;

  constructor(
    readonly file: string,
    private readonly tally: ByteTally,
  ) {
    super({ highWaterMark: 2 ** 20 });
  }

  /**
   * Pipes `source` into this file: resolves once every byte is written, synced and
   * the file closed; rejects with the first failure of either side (a source that
   * closes before its end fails as a premature close), and this file is then
   * destroyed. What `stream/promises` `pipeline(source, file)` does for two streams,
   * at a fraction of its cost per file: it watches both ends with end-of-stream
   * helpers and builds an AbortController, and an abort error, each time it settles.
   */
  fill(source: Readable): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        source.unpipe(this);
        this.destroy(error);
        reject(error);
      };
      const sourceClosed = () => {
        if (!source.readableEnded) fail(source.errored ?? prematureClose());
      };
      // Listeners stay until both streams are gone: an error after settling must still find one.
      source.on("error", fail);
      source.once("close", sourceClosed);
      this.on("error", fail);
      this.once("finish", () => {
        if (settled) return;
        settled = true;
        resolve();
      });
      if (source.destroyed) return sourceClosed();
      source.pipe(this);
    });
  }

  override _construct(done: (error?: Error | null) => void): void {
    fs.open(this.file, "wx", (error, fd) => {
      if (error) return done(blobStoreError(error, "create"));
      this.#fd = fd;
      done();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const refused = this.tally.add(chunk);
    if (refused) return done(refused);
    this.#writeAll(chunk, 0, done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    const buffers: Buffer[] = [];
    for (const { chunk } of chunks) {
      const refused = this.tally.add(chunk);
      if (refused) return done(refused);
      buffers.push(chunk);
    }
    this.#writing = true;
    fs.writev(this.#fd!, buffers, (error, bytesWritten) => {
      if (this.#wrote()) return done(error ? blobStoreError(error, "write") : null);
      if (error) return done(blobStoreError(error, "write"));
      this.#writeRest(buffers, 0, bytesWritten, done);
    });
  }

  /** After a short `writev` (a nearly full disk, too many buffers): the rest one by one. */
  #writeRest(buffers: Buffer[], index: number, written: number, done: (error?: Error | null) => void): void {
    for (; index < buffers.length; index++) {
      const buffer = buffers[index]!;
      if (written >= buffer.length) {
        written -= buffer.length;
        continue;
      }
      this.#writeAll(buffer, written, (error) => (error ? done(error) : this.#writeRest(buffers, index + 1, 0, done)));
      return;
    }
    done();
  }

  /** Writes `chunk` from `offset` on: a nearly full disk takes part of a chunk, then refuses the rest. */
  #writeAll(chunk: Buffer, offset: number, done: (error?: Error | null) => void): void {
    if (offset >= chunk.length) return done();
    this.#writing = true;
    fs.write(this.#fd!, chunk, offset, chunk.length - offset, null, (error, bytesWritten) => {
      if (this.#wrote()) return done(error ? blobStoreError(error, "write") : null);
      if (error) return done(blobStoreError(error, "write"));
      this.#writeAll(chunk, offset + bytesWritten, done);
    });
  }

  /** A write returned; true when the stream was destroyed meanwhile (its descriptor is being closed now). */
  #wrote(): boolean {
    this.#writing = false;
    const close = this.#closeAfterWrite;
    if (!close) return false;
    this.#closeAfterWrite = undefined;
    close();
    return true;
  }

  override _final(done: (error?: Error | null) => void): void {
    const fd = this.#fd!;
    this.#fd = undefined;
    // close can report a delayed write failure (NFS, quotas): it counts like a write's.
    fs.fsync(fd, (syncError) => {
      fs.close(fd, (closeError) => {
        if (syncError) done(blobStoreError(syncError, "fsync"));
        else if (closeError) done(blobStoreError(closeError, "close"));
        else done();
      });
    });
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd === undefined) return done(error);
    // Failed or aborted: the file is removed next, so only the first error matters.
    const close = () => fs.close(fd, () => done(error));
    if (this.#writing) this.#closeAfterWrite = close;
    else close();
  }
}

/** The error `pipeline` gives for a source that closed before its end. */
function prematureClose(): Error {
  return Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}
