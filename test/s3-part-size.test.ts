import { PutObjectCommand, UploadPartCommand, type S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { S3BlobStore } from "../gateway/src/storage/s3/s3-blob-store.js";
import { s3ClientOf, startS3Server, type S3Server } from "./support/s3-server.js";

const MiB = 2 ** 20;
const TiB = 2 ** 40;

/** The real client, with the size of every object body it sends (PutObject, UploadPart) seen. */
function watched(client: S3Client) {
  const bodies: { command: string; bytes: number }[] = [];
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  const wrapped = {
    send: (command: unknown) => {
      if (command instanceof UploadPartCommand || command instanceof PutObjectCommand) {
        bodies.push({ command: command.constructor.name, bytes: (command.input.Body as Buffer).length });
      }
      return send(command);
    },
  } as unknown as S3Client;
  return { client: wrapped, bodies };
}

/** `bytes` in chunks of 64 KiB, as a request body arrives. */
const bodyOf = (bytes: Buffer) =>
  Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
    })(),
  );

describe("S3 part sizes under a large HOMER_MAX_FILE_SIZE", () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3?.stop();
  });

  test("a 12 MiB file under a 1 TiB limit goes in 5 MiB parts, never held whole in memory as one PutObject", async () => {
    const seen = watched(s3ClientOf(s3));
    const store = new S3BlobStore({ client: seen.client, location: { bucket: s3.bucket, prefix: "partsize" } });
    const bytes = randomBytes(12 * MiB);
    const staged = await store.stage(bodyOf(bytes), { maxBytes: TiB });
    expect(staged.sizeBytes).toBe(bytes.length);
    // Before: parts sized for the limit (1 TiB / 10,000 = 110 MB), so the whole file sat in memory and went as one PutObject.
    expect(seen.bodies).toEqual([
      { command: "UploadPartCommand", bytes: 5 * MiB },
      { command: "UploadPartCommand", bytes: 5 * MiB },
      { command: "UploadPartCommand", bytes: 2 * MiB },
    ]);
    await store.discard(staged);
  });
});

describe("partSizeOf", () => {
  test("every limit up to S3's 5 TiB fits in 10,000 parts of at most 5 GiB, and small limits keep one part size", async () => {
    const { partSizeOf, MAX_PARTS } = await import("../gateway/src/storage/s3/part-upload.js");
    const PART = 5 * MiB;
    expect(partSizeOf(9_999, PART, 20 * 2 ** 30)).toBe(PART);
    for (const limit of [49 * 2 ** 30, 100 * 2 ** 30, TiB, 4 * TiB, 5 * TiB]) {
      let total = 0;
      let largest = 0;
      for (let i = 0; i < MAX_PARTS; i++) {
        const size = partSizeOf(i, PART, limit);
        total += size;
        largest = Math.max(largest, size);
      }
      expect(total, `limit ${limit}`).toBeGreaterThanOrEqual(limit);
      expect(largest, `limit ${limit}`).toBeLessThanOrEqual(5 * 2 ** 30);
      expect(partSizeOf(0, PART, limit), `limit ${limit}`).toBeLessThan(6 * MiB);
    }
  });
});
