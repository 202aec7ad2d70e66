import type { Readable, Writable } from "node:stream";
import type { ByteRange } from "../domain/records.js";

/** Bytes written to a staging area and hashed on the way; not yet addressable. */
export interface StagedBlob {
  readonly sha256: string;
  readonly sizeBytes: number;
  /** Backend-private handle of the staged bytes. */
  readonly stagingKey: string;
}

/** What a presigned read URL says about the download. */
export interface PresignOptions {
  readonly expiresInSeconds: number;
  /** The file's name, for the store's `Content-Disposition`. */
  readonly fileName: string;
}

/**
 * A blob's bytes as a stream. A store may also write them into a destination that is
 * theirs alone until the end (an HTTP answer) itself, without a new buffer per chunk:
 * `writeTo` ends `target`, tells `sent` each chunk's size once written, and rejects if
 * the bytes cannot be read or `target` fails or closes first.
 */
export type BlobReadable = Readable & {
  writeTo?(target: Writable, sent?: (bytes: number) => void): Promise<void>;
};

export interface BlobEntry {
  readonly sha256: string;
  readonly sizeBytes: number;
  /** When the bytes were written under this address or staged for it (ms since the epoch), where the store says. */
  readonly modifiedMs?: number;
}

/**
 * The blob port. Blobs are content-addressed by sha256: identical files across
 * versions are stored once. Writes go through a staging step so that a crash
 * never leaves a half-written blob under its final address.
 */
export interface BlobStore {
  /** Streams `source` into staging; rejects with PayloadTooLargeError past `maxBytes`. */
  stage(source: Readable, options: { readonly maxBytes: number }): Promise<StagedBlob>;
  /** Makes staged blobs addressable by their digests (idempotent for equal content). */
  promote(blobs: readonly StagedBlob[]): Promise<void>;
  /**
   * Promotion in two steps, for stores that can keep the staged bytes while the
   * blob is addressable (a hard link): the metadata transaction then never waits on
   * the blob store. `publish` makes `blobs` addressable and durable before the
   * transaction and keeps their staged bytes; it resolves false when this store
   * cannot, and the caller promotes inside the transaction instead.
   */
  publish?(blobs: readonly StagedBlob[]): Promise<boolean>;
  /**
   * The second step, inside the metadata transaction once the blob rows are locked:
   * publishes again any blob a concurrent reclaim (or orphan scan) removed since
   * `publish`, from the staged bytes. Cheap when none was; `discard` follows the commit.
   */
  confirm?(blobs: readonly StagedBlob[]): Promise<void>;
  /** Drops staged bytes that will not be promoted. Never throws for a missing key. */
  discard(blob: StagedBlob): Promise<void>;
  /**
   * Opens a blob's bytes (all, or `range`). `sizeBytes`, the size the metadata records:
   * an object or file of another size is refused with a StorageError, before a byte is
   * sent under a Content-Length it would break.
   */
  read(sha256: string, range?: ByteRange, sizeBytes?: number): Promise<BlobReadable>;
  delete(sha256: string): Promise<void>;
  /** The size of the blob at `sha256` (a stat or HEAD, no bytes read); undefined when there is none. */
  sizeOf(sha256: string): Promise<number | undefined>;
  /** Every addressable blob, in no particular order (for start-up recovery). */
  list(): AsyncIterable<BlobEntry>;
  /** Removes staging leftovers of processes that died mid-upload (on S3, mid multipart copy too); returns how many. */
  reclaimStaging(): Promise<number>;
  /** A cheap round trip for readiness: rejects when the store cannot serve. */
  ping(): Promise<void>;
  /**
   * A short-lived URL from which a client reads the blob straight from the store;
   * absent on stores that have no such URLs (a local directory).
   */
  presignRead?(sha256: string, options: PresignOptions): Promise<string>;
  close(): Promise<void>;
}
