import { GetObjectCommand, HeadObjectCommand, UploadPartCommand, type S3Client } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { StoreSideError, uploadParts } from "../gateway/src/storage/s3/part-upload.js";
import { sha256 } from "./support/files.js";
import { s3ClientOf, startS3Server, type S3Server } from "./support/s3-server.js";

const MiB = 2 ** 20;
const PART = 5 * MiB;

/** `bytes` in chunks of `size`, as a request body arrives. */
async function* chunksOf(bytes: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/**
 * The real client, with its UploadPart calls seen (the memory behind each part's body) and,
 * given `failPart`, that part refused as a store would refuse it.
 */
function watched(client: S3Client, failPart?: number) {
  const partMemory: ArrayBufferLike[] = [];
  /** Each command sent, by name, and how the store answered it. */
  const sent: string[] = [];
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  const wrapped = {
    send: (command: unknown) => {
      const name = (command as object).constructor.name.replace(/Command$/, "");
      if (command instanceof UploadPartCommand) {
        partMemory.push((command.input.Body as Buffer).buffer);
        if (command.input.PartNumber === failPart) {
          sent.push("UploadPart refused");
          return Promise.reject(
            Object.assign(new Error("We encountered an internal error."), { name: "InternalError", $metadata: { httpStatusCode: 500 } }),
          );
        }
      }
      return send(command).then(
        (answer) => (sent.push(`${name} ok`), answer),
        (error: unknown) => {
          sent.push(`${name} failed: ${(error as Error).name}`);
          throw error;
        },
      );
    },
  } as unknown as S3Client;
  return { client: wrapped, partMemory, sent };
}

describe("uploadParts against s3rver", () => {
  let s3: S3Server;
  let client: S3Client;
  let n = 0;
  const key = () => `parts/object-${++n}`;
  const read = async (Key: string) =>
    Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key }))).Body!.transformToByteArray());

  beforeAll(async () => {
    s3 = await startS3Server();
    client = s3ClientOf(s3);
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  test("a body of many parts goes through as many buffers as parts in flight, whole and in order", async () => {
    const bytes = randomBytes(6 * PART + 12_345);
    const seen = watched(client);
    const Key = key();
    await uploadParts(seen.client, { bucket: s3.bucket, key: Key, partSizeBytes: PART, queueSize: 2 }, chunksOf(bytes));
    expect(sha256(await read(Key))).toBe(sha256(bytes));
    expect(seen.partMemory).toHaveLength(7);
    // Two part buffers for the whole upload, each refilled once its part was sent.
    expect(new Set(seen.partMemory).size).toBe(2);
    expect(seen.sent.filter((c) => !c.startsWith("UploadPart"))).toEqual(["CreateMultipartUpload ok", "CompleteMultipartUpload ok"]);
  });

  test("no part buffer, or parts of no bytes: refused at once, nothing sent", async () => {
    const cases: [queueSize: number, partSizeBytes: number][] = [
      [0, PART],
      [Number.NaN, PART],
      [2, 0],
    ];
    for (const [queueSize, partSizeBytes] of cases) {
      const seen = watched(client);
      await expect(
        uploadParts(seen.client, { bucket: s3.bucket, key: key(), partSizeBytes, queueSize }, chunksOf(randomBytes(2 * PART))),
      ).rejects.toThrow(RangeError);
      expect(seen.sent).toEqual([]);
    }
  });

  test("a body sent a few bytes at a time, now and then a larger read, arrives whole", async () => {
    const bytes = randomBytes(PART + 300_000);
    async function* dribbled(): AsyncGenerator<Buffer> {
      let at = 0;
      for (let i = 0; at < bytes.length; i++) {
        const size = i % 5000 === 4999 ? 20_000 + (i % 7) : 1 + (i % 37);
        yield bytes.subarray(at, at + size);
        at += size;
      }
    }
    const seen = watched(client);
    const Key = key();
    await uploadParts(seen.client, { bucket: s3.bucket, key: Key, partSizeBytes: PART, queueSize: 2 }, dribbled());
    expect(seen.partMemory).toHaveLength(2);
    expect(sha256(await read(Key))).toBe(sha256(bytes));
  });

  test("a body shorter than a part is one PutObject, however it arrives; an empty body an empty object", async () => {
    // The last: a small file sent 10 bytes at a time.
    for (const [bytes, chunk] of [
      [randomBytes(PART - 1), 64 * 1024],
      [Buffer.alloc(0), 1],
      [randomBytes(1000), 10],
    ] as const) {
      const seen = watched(client);
      const Key = key();
      await uploadParts(seen.client, { bucket: s3.bucket, key: Key, partSizeBytes: PART, queueSize: 2 }, chunksOf(bytes, chunk));
      expect(seen.partMemory).toEqual([]);
      expect((await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key }))).ContentLength).toBe(bytes.length);
      expect(sha256(await read(Key))).toBe(sha256(bytes));
    }
  });

  test("a body of exactly two parts is two parts, none empty", async () => {
    const bytes = randomBytes(2 * PART);
    const seen = watched(client);
    const Key = key();
    await uploadParts(seen.client, { bucket: s3.bucket, key: Key, partSizeBytes: PART, queueSize: 3 }, chunksOf(bytes, 1_000_000));
    expect(seen.partMemory).toHaveLength(2);
    expect(sha256(await read(Key))).toBe(sha256(bytes));
  });

  test("a part the store refuses: the store's error, the multipart upload aborted, no object", async () => {
    const seen = watched(client, 3);
    const Key = key();
    const error = await uploadParts(
      seen.client,
      { bucket: s3.bucket, key: Key, partSizeBytes: PART, queueSize: 2 },
      chunksOf(randomBytes(8 * PART)),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreSideError);
    expect(((error as StoreSideError).original as Error).name).toBe("InternalError");
    // It stopped taking the body: at most the parts already in flight followed the refused one.
    expect(seen.partMemory.length).toBeLessThanOrEqual(5);
    expect(seen.sent).toContain("UploadPart refused");
    // The abort is the last request (s3rver implements none and answers MethodNotAllowed; S3 and MinIO abort).
    expect(seen.sent.at(-1)).toMatch(/^AbortMultipartUpload (ok|failed: MethodNotAllowed)$/);
    expect(seen.sent).not.toContain("CompleteMultipartUpload ok");
    await expect(client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key }))).rejects.toMatchObject({ name: "NotFound" });
  });

  test("the last part refused: the upload is not completed, but aborted", async () => {
    const seen = watched(client, 3);
    const error = await uploadParts(
      seen.client,
      { bucket: s3.bucket, key: key(), partSizeBytes: PART, queueSize: 2 },
      chunksOf(randomBytes(2 * PART + 100)),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreSideError);
    expect(seen.sent.filter((c) => c.startsWith("Complete"))).toEqual([]);
    expect(seen.sent.at(-1)).toMatch(/^AbortMultipartUpload (ok|failed: MethodNotAllowed)$/);
  });

  test("a body that breaks off: its own error, as thrown, and the multipart upload aborted", async () => {
    const Key = key();
    async function* broken(): AsyncGenerator<Buffer> {
      yield* chunksOf(randomBytes(3 * PART));
      throw new Error("client went away");
    }
    const seen = watched(client);
    const error = await uploadParts(seen.client, { bucket: s3.bucket, key: Key, partSizeBytes: PART, queueSize: 2 }, broken()).catch(
      (e: unknown) => e,
    );
    expect(error).not.toBeInstanceOf(StoreSideError);
    expect((error as Error).message).toBe("client went away");
    expect(seen.sent.filter((c) => c === "UploadPart ok")).toHaveLength(3);
    // The abort is the last request (s3rver implements none and answers MethodNotAllowed; S3 and MinIO abort).
    expect(seen.sent.at(-1)).toMatch(/^AbortMultipartUpload (ok|failed: MethodNotAllowed)$/);
    await expect(client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key }))).rejects.toMatchObject({ name: "NotFound" });
  });
});
