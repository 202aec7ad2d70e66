import type { FileHandle } from "node:fs/promises";
import fs from "node:fs/promises";
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
 */
export class StagingFile extends Writable {
  #handle: FileHandle | undefined;

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
    fs.open(this.file, "wx").then(
      (handle) => {
        this.#handle = handle;
        done();
      },
      (error) => done(blobStoreError(error, "create")),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const refused = this.tally.add(chunk);
    if (refused) return done(refused);
    this.#writeAll(chunk).then(
      () => done(),
      (error) => done(blobStoreError(error, "write")),
    );
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) {
      const refused = this.tally.add(chunk);
      if (refused) return done(refused);
    }
    this.#writevAll(chunks.map((c) => c.chunk)).then(
      () => done(),
      (error) => done(blobStoreError(error, "write")),
    );
  }

  async #writevAll(buffers: Buffer[]): Promise<void> {
    let { bytesWritten } = await this.#handle!.writev(buffers);
    // A short write (a nearly full disk, too many buffers): the rest one by one.
    for (const buffer of buffers) {
      if (bytesWritten >= buffer.length) {
        bytesWritten -= buffer.length;
        continue;
      }
      await this.#writeAll(buffer.subarray(bytesWritten));
      bytesWritten = 0;
    }
  }

  async #writeAll(chunk: Buffer): Promise<void> {
    // A nearly full disk takes part of a chunk, then refuses the rest.
    for (let offset = 0; offset < chunk.length;) {
      const { bytesWritten } = await this.#handle!.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  }

  override _final(done: (error?: Error | null) => void): void {
    const handle = this.#handle!;
    this.#handle = undefined;
    // close can report a delayed write failure (NFS, quotas): it counts like a write's.
    handle.sync().then(
      () =>
        handle.close().then(
          () => done(),
          (error) => done(blobStoreError(error, "close")),
        ),
      (error) => {
        const fail = () => done(blobStoreError(error, "fsync"));
        handle.close().then(fail, fail);
      },
    );
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const handle = this.#handle;
    this.#handle = undefined;
    if (!handle) return done(error);
    // Failed or aborted: the file is removed next, so only the first error matters.
    handle.close().then(
      () => done(error),
      () => done(error),
    );
  }
}

/** The error `pipeline` gives for a source that closed before its end. */
function prematureClose(): Error {
  return Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}
