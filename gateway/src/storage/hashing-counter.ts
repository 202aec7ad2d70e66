import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { fileTooLarge } from "../domain/errors.js";

/**
 * Hashes and counts bytes, refusing any past `maxBytes`: how every blob store
 * enforces the size limit it is given on a plain byte stream. A sink that writes
 * bytes itself (the local store's staging file) adds each chunk here before
 * writing it, saving a stream in between; others pipe through `HashingCounter`.
 */
export class ByteTally {
  readonly #hash = createHash("sha256");
  #bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Counts and hashes `chunk`; the size error once more than `maxBytes` went by (the chunk is then not hashed). */
  add(chunk: Buffer): Error | undefined {
    this.#bytes += chunk.length;
    if (this.#bytes > this.maxBytes) return fileTooLarge(this.maxBytes);
    this.#hash.update(chunk);
    return undefined;
  }

  get sizeBytes(): number {
    return this.#bytes;
  }

  digest(): string {
    return this.#hash.digest("hex");
  }
}

/** A `ByteTally` as a pass-through stream: fails once more than `maxBytes` went by. */
export class HashingCounter extends Transform {
  readonly #tally: ByteTally;

  constructor(maxBytes: number) {
    super();
    this.#tally = new ByteTally(maxBytes);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const error = this.#tally.add(chunk);
    if (error) {
      done(error);
      return;
    }
    done(null, chunk);
  }

  get sizeBytes(): number {
    return this.#tally.sizeBytes;
  }

  digest(): string {
    return this.#tally.digest();
  }
}
