import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";

export interface PartUploadRequest {
  readonly bucket: string;
  readonly key: string;
  /** Bytes per part (S3: at least 5 MiB but the last); a body shorter than one part is one PutObject. */
  readonly partSizeBytes: number;
  /** Parts sent at once: the part buffers this upload holds. */
  readonly queueSize: number;
  /**
   * The most bytes the body may have (its size limit). When parts of `partSizeBytes`
   * cannot hold it in S3's 10,000 parts, later parts grow (`partSizeOf`) rather than
   * every part being sized for the limit: a body is held in memory up to one part,
   * so parts sized for a limit of 1 TiB (110 MB) kept each upload's first 110 MB, any
   * file below that whole, in memory.
   */
  readonly maxBytes?: number;
}

/** S3's most parts in one multipart upload. */
export const MAX_PARTS = 10_000;
/** Parts sent at each size before the size doubles, when it must grow at all. */
const PARTS_PER_SIZE = 1_000;

/**
 * The size of part `index` (0-based): `partSize` throughout when 10,000 such parts
 * hold `maxBytes`; else a base (`partSize`, or more when even doubling from it every
 * 1,000 parts could not hold `maxBytes`) doubled every 1,000 parts. From 5 MiB that
 * holds 4.9 TiB, and a file is sent in parts of about a thousandth of its size or less.
 */
export function partSizeOf(index: number, partSize: number, maxBytes: number | undefined): number {
  if (maxBytes === undefined || partSize * MAX_PARTS >= maxBytes) return partSize;
  const doublings = MAX_PARTS / PARTS_PER_SIZE;
  const base = Math.max(partSize, Math.ceil(maxBytes / (PARTS_PER_SIZE * (2 ** doublings - 1))));
  return base * 2 ** Math.floor(index / PARTS_PER_SIZE);
}

/** Chunks shorter than this are gathered by copying, into buffers of `SCRATCH_BYTES`. */
const SMALL_CHUNK_BYTES = 16 * 1024;
const SCRATCH_BYTES = 64 * 1024;

/** Which side failed: reading the body (the caller's error, as thrown) or the store (the SDK's). */
export class StoreSideError extends Error {
  constructor(readonly original: unknown) {
    super("the store failed", { cause: original });
  }
}

/**
 * Streams `body` into one object: a single PutObject when it is shorter than a part,
 * else a multipart upload through `queueSize` part buffers reused for the whole
 * upload (each refilled once its part is sent). The SDK's `Upload` copies every part
 * into a new buffer that lives as long as its request, so the parts die old and only
 * a full collection frees them: on Node 24 a 1 GiB upload held up to 71 MiB of them
 * (BENCHMARKS.md §5, "S3 transfers on Node 20 and 24"). A failure aborts the multipart
 * upload once its parts in flight have settled. Store failures come wrapped in
 * `StoreSideError`; the body's own failure is thrown as it is.
 */
export async function uploadParts(client: S3Client, request: PartUploadRequest, body: AsyncIterable<Buffer>): Promise<void> {
  const { bucket, key, partSizeBytes: partSize, queueSize, maxBytes } = request;
  // Fewer than one buffer would wait for a part that never comes.
  if (!(queueSize >= 1) || !(partSize >= 1))
    throw new RangeError(`uploadParts needs a queue of at least 1 and parts of at least 1 byte (${queueSize}, ${partSize})`);
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  // Chunks under SMALL_CHUNK_BYTES are copied together: a client that sends its body a
  // few bytes per packet would otherwise have a part held as millions of Buffers.
  let scratch: Buffer | undefined;
  let scratchUsed = 0;
  const flushScratch = () => {
    if (scratch && scratchUsed > 0) pending.push(scratch.subarray(0, scratchUsed));
    scratch = undefined;
    scratchUsed = 0;
  };
  const take = (chunk: Buffer) => {
    pendingBytes += chunk.length;
    if (chunk.length >= SMALL_CHUNK_BYTES) {
      flushScratch();
      pending.push(chunk);
      return;
    }
    if (scratch && scratchUsed + chunk.length > scratch.length) flushScratch();
    scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
    scratchUsed += chunk.copy(scratch, scratchUsed);
  };
  let uploadId: string | undefined;
  const etags: string[] = [];
  const free: Buffer[] = [];
  let buffers = 0;
  const inFlight = new Set<Promise<void>>();
  let storeFailure: StoreSideError | undefined;

  const store = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      throw (storeFailure ??= new StoreSideError(error));
    }
  };
  /** A part buffer: a free one, a new one while fewer than `queueSize` exist, else the next to come back. */
  const partBuffer = async (bytes: number): Promise<Buffer> => {
    while (free.length === 0 && buffers >= queueSize && !storeFailure) await Promise.race(inFlight);
    if (storeFailure) throw storeFailure;
    // A free buffer too small for a grown part is dropped for one of the new size.
    if (free.length > 0) {
      const buffer = free.pop()!;
      return buffer.length >= bytes ? buffer : Buffer.allocUnsafeSlow(nextPartSize());
    }
    buffers++;
    return Buffer.allocUnsafeSlow(nextPartSize());
  };
  /** The size of the next part to send. */
  const nextPartSize = () => partSizeOf(etags.length, partSize, maxBytes);
  /** Moves the first `bytes` of `pending` into a part buffer and sends it as the next part. */
  const sendPart = async (bytes: number): Promise<void> => {
    flushScratch();
    const buffer = await partBuffer(bytes);
    let filled = 0;
    while (filled < bytes) {
      const chunk = pending[0]!;
      const used = Math.min(chunk.length, bytes - filled);
      chunk.copy(buffer, filled, 0, used);
      filled += used;
      if (used === chunk.length) pending.shift();
      else pending[0] = chunk.subarray(used);
    }
    pendingBytes -= bytes;
    uploadId ??= (await store(() => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key })))).UploadId!;
    const partNumber = etags.length + 1;
    etags.push("");
    const sending = store(() =>
      client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: buffer.subarray(0, bytes) }),
      ),
    )
      .then((part) => void (etags[partNumber - 1] = part.ETag!))
      .catch(() => undefined) // kept in storeFailure
      .finally(() => free.push(buffer));
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
  };

  try {
    for await (const chunk of body) {
      if (chunk.length === 0) continue;
      take(chunk);
      while (pendingBytes >= nextPartSize()) await sendPart(nextPartSize());
    }
    flushScratch();
    if (etags.length === 0) {
      const whole = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      await store(() => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: whole })));
      return;
    }
    if (pendingBytes > 0) await sendPart(pendingBytes);
    await Promise.all(inFlight);
    if (storeFailure) throw storeFailure;
    await store(() =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      ),
    );
  } catch (error) {
    await Promise.all(inFlight);
    if (uploadId !== undefined) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => {});
    }
    throw error;
  }
}
