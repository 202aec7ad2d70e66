import type { ByteRange } from "../../domain/records.js";

/** S3's ceiling for one CopyObject (and for one part): 5 GiB. */
export const MAX_SINGLE_COPY_BYTES = 5 * 2 ** 30;
/** S3's most parts in one multipart upload. */
const MAX_PARTS = 10_000;

/**
 * The byte ranges of a multipart copy (UploadPartCopy) of an object of `sizeBytes`:
 * parts of `partSizeBytes`, grown when needed so that at most 10,000 parts cover
 * the object, never past 5 GiB a part. Every part but the last is the same size.
 */
export function copyParts(sizeBytes: number, partSizeBytes: number): ByteRange[] {
  const partSize = Math.min(MAX_SINGLE_COPY_BYTES, Math.max(partSizeBytes, Math.ceil(sizeBytes / MAX_PARTS)));
  if (sizeBytes > partSize * MAX_PARTS) throw new RangeError(`an object of ${sizeBytes} bytes is larger than S3 can copy`);
  const parts: ByteRange[] = [];
  for (let start = 0; start < sizeBytes; start += partSize) {
    parts.push({ start, end: Math.min(start + partSize, sizeBytes) - 1 });
  }
  return parts;
}
