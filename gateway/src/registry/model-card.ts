import type { Readable } from "node:stream";
import { NotFoundError } from "../domain/errors.js";
import type { FileRecord } from "../domain/records.js";
import type { BlobStore } from "../storage/blob-store.js";

/** The largest model card served: a bigger README.md is no card (null); download the file instead. */
export const MAX_CARD_BYTES = 256 * 1024;

/** Card reads in flight at once, per process: a page of cards waits its turn instead of flooding the blob store. */
export const CARD_READS_AT_ONCE = 8;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads model cards (a version's top-level `README.md`) from the blob store: one
 * read per card, at most CARD_READS_AT_ONCE at a time, each bounded by
 * MAX_CARD_BYTES. What is returned is the file's text as it is — untrusted
 * markdown that clients must sanitise before rendering.
 */
export class ModelCardReader {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    private readonly blobs: BlobStore,
    private readonly atOnce = CARD_READS_AT_ONCE,
  ) {}

  /**
   * The card's text; null when `file` is null (no README.md), larger than
   * MAX_CARD_BYTES, not UTF-8, or gone from the blob store (its version was deleted
   * since it was read). Other failures of the blob store (an outage) are thrown.
   */
  async read(file: FileRecord | null): Promise<string | null> {
    if (file === null || file.sizeBytes > MAX_CARD_BYTES) return null;
    let bytes: Buffer | null;
    await this.#acquire();
    try {
      bytes = await readAll(await this.blobs.read(file.sha256, undefined, file.sizeBytes), MAX_CARD_BYTES);
    } catch (error) {
      if (error instanceof NotFoundError) return null; // its version was deleted and the blob reclaimed
      throw error;
    } finally {
      this.#release();
    }
    return bytes === null ? null : decodeUtf8(bytes);
  }

  async #acquire(): Promise<void> {
    if (this.#running < this.atOnce) {
      this.#running++;
      return;
    }
    // The slot passes straight from the releasing read to this one.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running--;
  }
}

/** The text, or null when `bytes` are not UTF-8 (a leading BOM is dropped). */
function decodeUtf8(bytes: Buffer): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** The whole stream, or null past `maxBytes` (then destroyed: nothing more is read). */
async function readAll(stream: Readable, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) return null;
      chunks.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, size);
}
