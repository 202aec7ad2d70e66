import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { fileTooLarge } from "../domain/errors.js";

/**
 * Hashes and counts bytes as they pass, failing once more than `maxBytes` went by:
 * how every blob store enforces the size limit it is given on a plain byte stream.
 */
export class HashingCounter extends Transform {
  readonly #hash = createHash("sha256");
  #bytes = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.maxBytes) {
      done(fileTooLarge(this.maxBytes));
      return;
    }
    this.#hash.update(chunk);
    done(null, chunk);
  }

  get sizeBytes(): number {
    return this.#bytes;
  }

  digest(): string {
    return this.#hash.digest("hex");
  }
}
