import type { FileHandle } from "node:fs/promises";
import { Readable, type Writable } from "node:stream";
import { finished } from "node:stream/promises";

/** Bytes a read asks for: with less, large downloads are bound by per-chunk overhead. */
const CHUNK_BYTES = 2 ** 20;

/**
 * A blob file open for reading, from `start` up to (not including) `end`. As a stream
 * it reads a fresh 1 MiB buffer for every chunk, since whoever consumes a stream may
 * keep its chunks. `writeTo` sends the bytes into a writable it owns until the end
 * (an HTTP answer) through two buffers it reuses, each once the write of its previous
 * bytes has completed. On Node 20 a process with a gateway's heap that allocates a new
 * buffer per chunk runs into back-to-back full collections after an idle spell, at
 * half the speed (BENCHMARKS.md §5, "Large transfers after an idle spell"); without
 * those allocations it does not. The file is closed at the end, on an error, or when
 * the stream is destroyed.
 */
export class BlobFile extends Readable {
  readonly #handle: FileHandle;
  readonly #end: number;
  #position: number;
  #writing = false;

  constructor(handle: FileHandle, start: number, end: number) {
    super({ highWaterMark: CHUNK_BYTES });
    this.#handle = handle;
    this.#position = start;
    this.#end = end;
  }

  override _read(): void {
    const length = Math.min(CHUNK_BYTES, this.#end - this.#position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    this.#readInto(Buffer.allocUnsafeSlow(length)).then(
      (bytes) => this.push(bytes),
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#handle.close().then(
      () => callback(error),
      (closeError: Error) => callback(error ?? closeError),
    );
  }

  /**
   * Writes every byte into `target`, then ends it; `sent` is told each chunk's size once
   * written. Rejects if the file cannot be read or `target` fails or closes first (a
   * client that went away); the file is closed either way. Not after reading as a stream.
   */
  async writeTo(target: Writable, sent?: (bytes: number) => void): Promise<void> {
    if (this.#writing || this.readableDidRead) throw new Error("the blob file is already being read");
    this.#writing = true;
    // Between two chunks too, an error `target` emits is this download's failure (its next
    // write finds it destroyed), never an unhandled event.
    const ignore = () => {};
    target.on("error", ignore);
    try {
      const buffers = [Buffer.allocUnsafeSlow(CHUNK_BYTES), Buffer.allocUnsafeSlow(CHUNK_BYTES)];
      let written: Promise<void> | undefined;
      for (let turn = 0; this.#position < this.#end; turn++) {
        // The write of this buffer's previous bytes was awaited before the other buffer's began.
        const length = Math.min(CHUNK_BYTES, this.#end - this.#position);
        const bytes = await this.#readInto(buffers[turn % 2]!.subarray(0, length));
        await written;
        written = writeChunk(target, bytes).then(() => sent?.(bytes.length));
        // Awaited on the next turn; a read failing first must not leave it unhandled.
        written.catch(() => {});
      }
      await written;
      target.end();
      await finished(target, { readable: false });
    } finally {
      target.off("error", ignore);
      this.destroy();
    }
  }

  /** Fills `buffer` from the current position (all of it: a short read is retried). */
  async #readInto(buffer: Buffer): Promise<Buffer> {
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await this.#handle.read(buffer, filled, buffer.length - filled, this.#position + filled);
      if (bytesRead === 0) throw new Error(`the blob file ended ${this.#end - this.#position - filled} bytes early`);
      filled += bytesRead;
    }
    this.#position += filled;
    return buffer;
  }
}

/**
 * One chunk into `target`, settled when it is written (its buffer may be reused) or when
 * `target` fails or closes first; an `error` it emits meanwhile is this chunk's failure,
 * never an unhandled event.
 */
function writeChunk(target: Writable, chunk: Buffer): Promise<void> {
  if (target.destroyed) return Promise.reject(new Error("the download's connection closed"));
  return new Promise((resolve, reject) => {
    const done = (error?: Error | null) => {
      target.off("close", closed);
      target.off("error", done);
      if (error) reject(error);
      else resolve();
    };
    const closed = () => done(new Error("the download's connection closed"));
    target.once("close", closed);
    target.once("error", done);
    target.write(chunk, done);
  });
}
