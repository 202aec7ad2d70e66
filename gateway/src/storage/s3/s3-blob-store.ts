import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { NotFoundError, StorageError } from "../../domain/errors.js";
import { attachmentDisposition } from "../../domain/text.js";
import type { ByteRange } from "../../domain/records.js";
import type { BlobEntry, BlobStore, PresignOptions, StagedBlob } from "../blob-store.js";
import { HashingCounter } from "../hashing-counter.js";
import { isDeadLocalUpload, newStagingName } from "../staging-name.js";
import { StoreSideError, uploadParts } from "./part-upload.js";
import { MAX_SINGLE_COPY_BYTES } from "./copy-plan.js";
import { httpStatusOf, isNoSuchKey, s3Error, s3Step } from "./errors.js";
import type { S3Location } from "./s3-client.js";
import { eachLimited } from "../each-limited.js";
import { serverSideCopy } from "./server-copy.js";

const SHA256 = /^[0-9a-f]{64}$/;
const MiB = 2 ** 20;
/** S3's (and MinIO's) limit on an object key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

export interface S3BlobStoreOptions {
  readonly client: S3Client;
  /** The client that reads blobs' bytes (downloads, archives, cards); default `client`. */
  readonly readClient?: S3Client;
  readonly location: S3Location;
  /**
   * Bytes per uploaded part (default and S3's minimum: 5 MiB); when 10,000 such parts
   * cannot hold a file of the size limit, later parts of a large file grow
   * (`partSizeOf` in `part-upload.ts`), never the first ones. An upload
   * holds `queueSize` part buffers, reused from its first part to its last
   * (`part-upload.ts`), and up to one part of the body not yet copied: 15 MiB by
   * default, whatever the file size.
   */
  readonly partSizeBytes?: number;
  /** Parts of one file uploaded at once (default 2: as fast as 4 against s3rver, in half the memory). */
  readonly queueSize?: number;
  /** Objects larger than this are promoted by a multipart copy (default and S3's ceiling: 5 GiB). */
  readonly multipartCopyThresholdBytes?: number;
  /** Bytes per part of a multipart copy (default 512 MiB). */
  readonly copyPartSizeBytes?: number;
  /** Staging objects, staged uploads and multipart copies older than this are another process's leftovers (default 24 h). */
  readonly stagingMaxAgeMs?: number;
  /** Blobs promoted, copied or deleted at once (default 8). */
  readonly concurrency?: number;
}

/**
 * Blobs in an S3 bucket (or any S3-compatible store): `<prefix>/blobs/ab/abcdef…` by
 * digest. Uploads stream into `<prefix>/staging/<host>.<pid>.<uuid>` as multipart
 * uploads with bounded memory, hashed on the way; promotion is a server-side copy to
 * the digest's key followed by deleting the staging object, so a reader never sees a
 * partial blob. Any number of gateways may share one bucket and prefix.
 */
export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #readClient: S3Client;
  readonly #bucket: string;
  readonly #root: string;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #copyThreshold: number;
  readonly #copyPartSize: number;
  readonly #stagingMaxAgeMs: number;
  readonly #concurrency: number;
  /**
   * Staged objects of registrations still going on (stagingKey → size, and when last
   * dated): a registration of several files can last longer than `stagingMaxAgeMs`, and
   * another gateway's start would take its first files for leftovers. S3 dates an object
   * only by writing it, so each is copied onto itself once it is a quarter of that age.
   */
  readonly #waiting = new Map<string, { readonly sizeBytes: number; datedAt: number }>();
  #renewer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;

  constructor(options: S3BlobStoreOptions) {
    this.#client = options.client;
    this.#readClient = options.readClient ?? options.client;
    this.#bucket = options.location.bucket;
    this.#root = options.location.prefix ? `${options.location.prefix}/` : "";
    this.#partSize = Math.max(5 * MiB, options.partSizeBytes ?? 5 * MiB);
    this.#queueSize = Math.max(1, Math.floor(options.queueSize ?? 2));
    this.#copyThreshold = Math.min(MAX_SINGLE_COPY_BYTES, options.multipartCopyThresholdBytes ?? MAX_SINGLE_COPY_BYTES);
    this.#copyPartSize = options.copyPartSizeBytes ?? 512 * MiB;
    this.#stagingMaxAgeMs = options.stagingMaxAgeMs ?? 24 * 3600_000;
    this.#concurrency = options.concurrency ?? 8;
  }

  /**
   * The longest key this process would write under `location`: a staging name (its host's
   * name, PID namespace and PID, a UUID) or a blob's key, in UTF-8 bytes.
   */
  static longestKeyBytes(location: S3Location): number {
    const root = location.prefix ? `${location.prefix}/` : "";
    return Math.max(Buffer.byteLength(`${root}staging/${newStagingName()}`), Buffer.byteLength(`${root}blobs/00/${"0".repeat(64)}`));
  }

  get #stagingPrefix(): string {
    return `${this.#root}staging/`;
  }

  get #blobsPrefix(): string {
    return `${this.#root}blobs/`;
  }

  #keyOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256 digest: ${sha256}`);
    return `${this.#blobsPrefix}${sha256.slice(0, 2)}/${sha256}`;
  }

  /** A cheap round trip for readiness: the bucket answers and we may use it. */
  async ping(): Promise<void> {
    await s3Step("ping", () => this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket })));
  }

  async stage(source: Readable, { maxBytes }: { readonly maxBytes: number }): Promise<StagedBlob> {
    const stagingKey = newStagingName();
    const counter = new HashingCounter(maxBytes);
    const piping = pipeline(source, counter);
    // Handled from the start: it may fail while the upload is still being aborted.
    piping.catch(() => {});
    let uploaded = false;
    try {
      await uploadParts(
        this.#client,
        {
          bucket: this.#bucket,
          key: this.#stagingPrefix + stagingKey,
          partSizeBytes: this.#partSize,
          queueSize: this.#queueSize,
          maxBytes,
        },
        counter,
      );
      uploaded = true;
      await piping;
    } catch (error) {
      // The store's failure (typed here) or the body's: a broken upload, or one past the limit (the caller types those).
      source.destroy();
      counter.destroy();
      const piped = await piping.then(
        () => undefined,
        (reason: unknown) => reason,
      );
      if (uploaded) await this.#deleteQuietly(this.#stagingPrefix + stagingKey);
      if (error instanceof StoreSideError) throw s3Error(error.original, "upload");
      throw piped ?? error;
    }
    this.#waiting.set(stagingKey, { sizeBytes: counter.sizeBytes, datedAt: Date.now() });
    this.#renewer ??= setInterval(() => {
      // One round at a time: a round of large copies may outlast the interval.
      if (this.#renewing) return;
      this.#renewing = this.#renewWaiting().finally(() => (this.#renewing = undefined));
    }, this.#stagingMaxAgeMs / 8).unref();
    return { sha256: counter.digest(), sizeBytes: counter.sizeBytes, stagingKey };
  }

  /** Best effort: an object promoted or discarded meanwhile is not written back. */
  async #renewWaiting(): Promise<void> {
    const due = Date.now() - this.#stagingMaxAgeMs / 4;
    for (const [stagingKey, waiting] of this.#waiting) {
      if (waiting.datedAt > due) continue;
      const key = this.#stagingPrefix + stagingKey;
      const copy = { bucket: this.#bucket, from: key, to: key, sizeBytes: waiting.sizeBytes, ontoItself: true };
      const tuning = { multipartThresholdBytes: this.#copyThreshold, partSizeBytes: this.#copyPartSize, concurrency: this.#queueSize };
      const renewedAt = Date.now();
      if (
        !(await serverSideCopy(this.#client, { ...copy, ...tuning }).then(
          () => true,
          () => false,
        ))
      )
        continue;
      waiting.datedAt = renewedAt;
      // Settled while it was copied: the copy may have put back what was deleted.
      if (!this.#waiting.has(stagingKey)) await this.#deleteQuietly(key);
    }
  }

  /** A staged object promoted or discarded: no longer renewed. */
  #settled(stagingKey: string): void {
    this.#waiting.delete(stagingKey);
    if (this.#waiting.size === 0) {
      clearInterval(this.#renewer);
      this.#renewer = undefined;
    }
  }

  async promote(blobs: readonly StagedBlob[]): Promise<void> {
    await eachLimited(blobs, this.#concurrency, (blob) => this.#promoteOne(blob));
  }

  /**
   * The server-side copies, before the metadata transaction: a copy takes as long as
   * the store needs (minutes for a large blob), and inside the transaction it held
   * the family's and the blob rows' locks (on SQLite every write) and a database
   * connection for all that time. The staged object stays until `discard`.
   */
  async publish(blobs: readonly StagedBlob[]): Promise<boolean> {
    await eachLimited(blobs, this.#concurrency, (blob) => this.#publishOne(blob));
    return true;
  }

  /** Copies of a digest in progress in this process: registrations of the same bytes wait for one copy, not race to one key. */
  readonly #publishing = new Map<string, Promise<void>>();

  async #publishOne(blob: StagedBlob): Promise<void> {
    const running = this.#publishing.get(blob.sha256);
    if (running) {
      // Its copy came from another registration's staged object; ours is still here if that one failed.
      if (
        await running.then(
          () => true,
          () => false,
        )
      )
        return;
    }
    const copying = this.#copyIntoPlace(blob);
    this.#publishing.set(blob.sha256, copying);
    try {
      await copying;
    } finally {
      if (this.#publishing.get(blob.sha256) === copying) this.#publishing.delete(blob.sha256);
    }
  }

  /** Under the transaction's locks: a HEAD each; a blob reclaimed since `publish` is copied again from its staged object. */
  async confirm(blobs: readonly StagedBlob[]): Promise<void> {
    const missing: StagedBlob[] = [];
    await eachLimited(blobs, this.#concurrency, async (blob) => {
      if ((await this.#sizeOf(this.#keyOf(blob.sha256))) !== blob.sizeBytes) missing.push(blob);
    });
    await eachLimited(missing, this.#concurrency, (blob) => this.#copyIntoPlace(blob));
  }

  async #promoteOne(blob: StagedBlob): Promise<void> {
    await this.#copyIntoPlace(blob);
    this.#settled(blob.stagingKey);
    // A staging object left by a failed delete is swept by reclaimStaging.
    await this.#deleteQuietly(this.#stagingPrefix + blob.stagingKey);
  }

  async #copyIntoPlace(blob: StagedBlob): Promise<void> {
    const target = this.#keyOf(blob.sha256);
    const staged = this.#stagingPrefix + blob.stagingKey;
    // Equal digests mean equal bytes: a blob already in place needs no copy.
    const existing = await this.#sizeOf(target);
    if (existing !== blob.sizeBytes) {
      try {
        await serverSideCopy(this.#client, {
          bucket: this.#bucket,
          from: staged,
          to: target,
          sizeBytes: blob.sizeBytes,
          multipartThresholdBytes: this.#copyThreshold,
          partSizeBytes: this.#copyPartSize,
          concurrency: this.#queueSize,
        });
      } catch (error) {
        // Promoted already (a retried transaction): the staging object is gone, the blob is in place.
        if (!isNoSuchKey(error) || (await this.#sizeOf(target)) !== blob.sizeBytes) throw s3Error(error, "copy");
      }
    }
  }

  async #sizeOf(key: string): Promise<number | undefined> {
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return head.ContentLength;
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw s3Error(error, "head");
    }
  }

  /** Never throws: a staging object left behind is swept by `reclaimStaging`. */
  async discard(blob: StagedBlob): Promise<void> {
    this.#settled(blob.stagingKey);
    await this.#deleteQuietly(this.#stagingPrefix + blob.stagingKey);
  }

  async #deleteQuietly(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key })).catch(() => {});
  }

  async sizeOf(sha256: string): Promise<number | undefined> {
    return this.#sizeOf(this.#keyOf(sha256));
  }

  async read(sha256: string, range?: ByteRange, sizeBytes?: number): Promise<Readable> {
    let object;
    try {
      object = await this.#readClient.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: this.#keyOf(sha256),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
    } catch (error) {
      // Bytes reclaimed between the lookup and the read: the version was just deleted.
      if (isNoSuchKey(error)) throw new NotFoundError("blob", sha256);
      throw s3Error(error, "read");
    }
    const body = object.Body as Readable;
    // An object of another size under a digest's key was overwritten or damaged behind
    // our back: streamed under the recorded Content-Length, a longer one sent a wrong
    // file that looked complete (and garbage on the connection), a shorter one hung.
    const stored = range ? Number(/\/(\d+)$/.exec(object.ContentRange ?? "")?.[1]) : object.ContentLength;
    if (sizeBytes !== undefined && stored !== undefined && !Number.isNaN(stored) && stored !== sizeBytes) {
      body.destroy();
      throw new StorageError(`blob store read failed (the object is ${stored} bytes, ${sizeBytes} expected)`);
    }
    return body;
  }

  /** A short-lived URL that reads the blob straight from the store, with the file's name. */
  async presignRead(sha256: string, { expiresInSeconds, fileName }: PresignOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.#bucket,
      Key: this.#keyOf(sha256),
      ResponseContentType: "application/octet-stream",
      ResponseContentDisposition: attachmentDisposition(fileName),
    });
    return s3Step("presign", () => getSignedUrl(this.#client, command, { expiresIn: expiresInSeconds }));
  }

  async delete(sha256: string): Promise<void> {
    await s3Step("delete", () => this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#keyOf(sha256) })));
  }

  /** Every object under a prefix, page by page. */
  async *#objects(prefix: string): AsyncIterable<{ key: string; size: number; lastModified: Date | undefined }> {
    let token: string | undefined;
    do {
      const page = await s3Step("list", () =>
        this.#client.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Whether `key` is a blob's key of this store (not another registry's whose prefix lies under ours). */
  #isBlobKey(key: string): boolean {
    const sha256 = key.slice(key.lastIndexOf("/") + 1);
    return SHA256.test(sha256) && key === this.#keyOf(sha256);
  }

  async *list(): AsyncIterable<BlobEntry> {
    for await (const { key, size, lastModified } of this.#objects(this.#blobsPrefix)) {
      if (!this.#isBlobKey(key)) continue;
      yield {
        sha256: key.slice(key.lastIndexOf("/") + 1),
        sizeBytes: size,
        ...(lastModified ? { modifiedMs: lastModified.getTime() } : {}),
      };
    }
  }

  /**
   * A staging entry is a leftover when its process on this host is dead, or when it is older than the age limit.
   * Only a name of this store's own: a key deeper down is another registry's, whose prefix
   * lies in this one's staging folder (s3://models/staging beside s3://models), and
   * was deleted, blobs and all, a day after it was written.
   */
  #isLeftover(name: string, since: Date | undefined, now: number): boolean {
    if (name.includes("/")) return false;
    return isDeadLocalUpload(name) || now - (since?.getTime() ?? 0) > this.#stagingMaxAgeMs;
  }

  async reclaimStaging(): Promise<number> {
    const now = Date.now();
    const stale: string[] = [];
    for await (const { key, lastModified } of this.#objects(this.#stagingPrefix)) {
      if (this.#isLeftover(key.slice(this.#stagingPrefix.length), lastModified, now)) stale.push(key);
    }
    await eachLimited(stale, this.#concurrency, (key) =>
      s3Step("delete", () => this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }))).then(() => {}),
    );
    return stale.length + (await this.#abortStaleUploads(now));
  }

  /**
   * Multipart uploads of dead or long-gone processes hold parts (and cost) until aborted:
   * a staged upload's (under `staging/`, its process named in its key), and a multipart
   * copy's to a blob's key (under `blobs/`, for blobs past the single-copy limit), which a
   * process killed mid-copy leaves behind with no owner to name: that one is a leftover
   * by its age alone.
   */
  async #abortStaleUploads(now: number): Promise<number> {
    const staging = await this.#abortUploads(this.#stagingPrefix, (key, initiated) =>
      this.#isLeftover(key.slice(this.#stagingPrefix.length), initiated, now),
    );
    const copies = await this.#abortUploads(
      this.#blobsPrefix,
      (key, initiated) => this.#isBlobKey(key) && now - (initiated?.getTime() ?? 0) > this.#stagingMaxAgeMs,
    );
    return staging + copies;
  }

  async #abortUploads(prefix: string, isLeftover: (key: string, initiated: Date | undefined) => boolean): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(
          new ListMultipartUploadsCommand({ Bucket: this.#bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
      } catch (error) {
        // Some S3-compatible servers (s3rver) cannot list uploads: nothing to abort then.
        if (httpStatusOf(error) === 501) return aborted;
        throw s3Error(error, "list uploads");
      }
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !isLeftover(upload.Key, upload.Initiated)) continue;
        const { Key, UploadId } = upload;
        // Begun long ago is not the same as abandoned: an upload of a large file over a slow link
        // can last longer than the age limit, sending parts all the while. Its latest part dates it.
        if (!isLeftover(Key, await this.#latestPartAt(Key, UploadId))) continue;
        try {
          await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key, UploadId }));
          aborted++;
        } catch (error) {
          // Finished or aborted since it was listed (by its own process, or another gateway's start): gone either way.
          if (httpStatusOf(error) !== 404) throw s3Error(error, "abort upload");
        }
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return aborted;
  }

  /** When the newest part of a multipart upload was sent (undefined: none yet, or the upload is gone). */
  async #latestPartAt(Key: string, UploadId: string): Promise<Date | undefined> {
    let latest: Date | undefined;
    let marker: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(new ListPartsCommand({ Bucket: this.#bucket, Key, UploadId, PartNumberMarker: marker }));
      } catch (error) {
        // 404: finished or aborted meanwhile. 403: credentials without s3:ListMultipartUploadParts
        // (README, "The bucket"), dated by its start as before. Either way nothing to date it by.
        if (httpStatusOf(error) === 404 || httpStatusOf(error) === 403) return latest;
        throw s3Error(error, "list parts");
      }
      for (const part of page.Parts ?? []) if (part.LastModified && !(latest && latest >= part.LastModified)) latest = part.LastModified;
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
    return latest;
  }

  async close(): Promise<void> {
    clearInterval(this.#renewer);
    this.#renewer = undefined;
    this.#client.destroy();
    if (this.#readClient !== this.#client) this.#readClient.destroy();
  }
}
