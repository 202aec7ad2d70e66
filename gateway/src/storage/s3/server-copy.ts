import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { eachLimited } from "../each-limited.js";
import { copyParts } from "./copy-plan.js";

export interface CopyRequest {
  readonly bucket: string;
  readonly from: string;
  readonly to: string;
  readonly sizeBytes: number;
  /** Larger objects are copied part by part (UploadPartCopy); S3 allows one CopyObject up to 5 GiB. */
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  /** Parts copied at once. */
  readonly concurrency: number;
  /** A copy of an object onto itself (to renew its date): S3 takes one only as a metadata replacement. */
  readonly ontoItself?: boolean;
}

/**
 * A server-side copy within one bucket: one CopyObject up to the threshold, a
 * multipart copy past it (aborted if any part fails). No byte passes through us.
 */
export async function serverSideCopy(
  client: S3Client,
  { bucket, from, to, sizeBytes, multipartThresholdBytes, partSizeBytes, concurrency, ontoItself }: CopyRequest,
): Promise<void> {
  const copySource = encodeURIComponent(`${bucket}/${from}`).replace(/%2F/g, "/");
  if (sizeBytes <= multipartThresholdBytes) {
    await client.send(
      new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: copySource, ...(ontoItself ? { MetadataDirective: "REPLACE" } : {}) }),
    );
    return;
  }
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: to }));
  try {
    const ranges = copyParts(sizeBytes, partSizeBytes);
    const etags: string[] = [];
    await eachLimited(
      ranges.map((range, index) => ({ range, index })),
      concurrency,
      async ({ range, index }) => {
        const part = await client.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: to,
            UploadId,
            PartNumber: index + 1,
            CopySource: copySource,
            CopySourceRange: `bytes=${range.start}-${range.end}`,
          }),
        );
        etags[index] = part.CopyPartResult!.ETag!;
      },
    );
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: to,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }),
    );
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId })).catch(() => {});
    throw error;
  }
}
