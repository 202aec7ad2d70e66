import {
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openS3BlobStore, type S3BlobStore } from "../gateway/src/storage/s3/index.js";
import { STAGING_HOST } from "../gateway/src/storage/staging-name.js";
import { readAll, sha256 } from "./support/files.js";
import { sleep } from "./support/wait.js";
import { startMotoServer, type MotoServer } from "./support/moto-server.js";

const MiB = 2 ** 20;
/** S3 dates parts to the second: ages are measured in a few of them here. */
const PART_DATE_MS = 3_000;

/**
 * Blobs past S3's single-copy limit (5 GiB) are promoted by a multipart copy
 * (UploadPartCopy), which s3rver lacks: here against moto's S3 server, with the limit
 * lowered so that a few MiB take that path.
 */
describe("multipart copies of large blobs, against moto's S3 server", () => {
  let s3: MotoServer;
  let prefix = 0;
  const open = (tuning = {}) => openS3BlobStore(`${s3.blobUrl}/store${++prefix}`, { env: s3.env, tuning });
  const uploadsUnder = async (keyPrefix: string) =>
    (await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: keyPrefix }))).Uploads ?? [];

  beforeAll(async () => {
    s3 = await startMotoServer();
  }, 60_000);
  afterAll(async () => {
    await s3?.stop();
  });

  test("past the threshold a blob is copied part by part to its key, and reads back whole; no upload is left open", async () => {
    const store = await open({ multipartCopyThresholdBytes: 5 * MiB, copyPartSizeBytes: 5 * MiB });
    try {
      const bytes = randomBytes(12 * MiB + 3);
      const blob = await store.stage(Readable.from([bytes]), { maxBytes: 20 * MiB });
      await store.promote([blob]);
      const read = await readAll(await store.read(blob.sha256));
      expect(read.length).toBe(bytes.length);
      expect(sha256(read)).toBe(sha256(bytes));
      expect(await uploadsUnder(`${s3.blobUrl.slice(`s3://${s3.bucket}/`.length)}/store${prefix}/`)).toEqual([]);
      expect(await store.reclaimStaging()).toBe(0);
    } finally {
      await store.close();
    }
  });

  /** A multipart copy to a blob's key, begun and never finished: what a process killed mid-copy leaves. */
  async function abandonedCopy(store: S3BlobStore, storePrefix: string): Promise<string> {
    const source = await store.stage(Readable.from([randomBytes(6 * MiB)]), { maxBytes: 10 * MiB });
    await store.promote([source]);
    const sourceKey = `${storePrefix}/blobs/${source.sha256.slice(0, 2)}/${source.sha256}`;
    const digest = sha256(randomBytes(32));
    const key = `${storePrefix}/blobs/${digest.slice(0, 2)}/${digest}`;
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }));
    await s3.client.send(
      new UploadPartCopyCommand({
        Bucket: s3.bucket,
        Key: key,
        UploadId,
        PartNumber: 1,
        CopySource: `${s3.bucket}/${sourceKey}`,
        CopySourceRange: `bytes=0-${5 * MiB - 1}`,
      }),
    );
    return key;
  }

  test("a multipart copy a dead process left under blobs/ is aborted once older than the age limit, and not before", async () => {
    // moto dates every multipart upload 10 November 2010: the age limit moves instead of the clock.
    const century = 100 * 365 * 24 * 3600_000;
    const young = await open({ stagingMaxAgeMs: century });
    const storePrefix = `${s3.blobUrl.slice(`s3://${s3.bucket}/`.length)}/store${prefix}`;
    try {
      const key = await abandonedCopy(young, storePrefix);
      // Within the age limit it may be a live copy of another gateway's: kept.
      expect(await young.reclaimStaging()).toBe(0);
      expect((await uploadsUnder(`${storePrefix}/`)).map((u) => u.Key)).toEqual([key]);
      // The same prefix seen by a store whose age limit its latest part has passed: aborted, parts and all.
      await sleep(PART_DATE_MS);
      const old = await openS3BlobStore(`s3://${s3.bucket}/${storePrefix}`, { env: s3.env, tuning: { stagingMaxAgeMs: PART_DATE_MS / 2 } });
      try {
        expect(await old.reclaimStaging()).toBe(1);
        expect(await uploadsUnder(`${storePrefix}/`)).toEqual([]);
        expect(await old.reclaimStaging()).toBe(0);
      } finally {
        await old.close();
      }
    } finally {
      await young.close();
    }
  });

  test("a staged multipart upload is aborted when its process on this host is dead; another host's only by age", async () => {
    const century = 100 * 365 * 24 * 3600_000;
    const store = await open({ stagingMaxAgeMs: century });
    const staging = `${s3.blobUrl.slice(`s3://${s3.bucket}/`.length)}/store${prefix}/staging/`;
    const begin = async (name: string) => {
      await s3.client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: staging + name }));
      return staging + name;
    };
    try {
      // A child that has exited: its pid names no process any more.
      const dead = spawnSync(process.execPath, ["-e", ""]).pid;
      await begin(`${STAGING_HOST}.${dead}.${randomUUID()}`);
      const elsewhere = await begin(`another-host.${dead}.${randomUUID()}`);
      expect(await store.reclaimStaging()).toBe(1);
      expect((await uploadsUnder(staging)).map((u) => u.Key)).toEqual([elsewhere]);
    } finally {
      await store.close();
    }
  });

  test("a staged object waiting longer than the age limit (a registration of several files) is renewed, so it never looks like a leftover; small and multipart-copied alike", async () => {
    const ageMs = 4_000;
    const store = await open({ stagingMaxAgeMs: ageMs, multipartCopyThresholdBytes: 5 * MiB, copyPartSizeBytes: 5 * MiB });
    const storePrefix = `${s3.blobUrl.slice(`s3://${s3.bucket}/`.length)}/store${prefix}`;
    const staged = async () =>
      (await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${storePrefix}/staging/` }))).Contents ?? [];
    try {
      const contents = [randomBytes(MiB), randomBytes(12 * MiB + 5)];
      const blobs = await Promise.all(contents.map((bytes) => store.stage(Readable.from([bytes]), { maxBytes: 20 * MiB })));
      const written = Date.now();
      // Watched for twice the age limit: each object stays younger than a gateway's start would sweep.
      let oldest = 0;
      while (Date.now() - written < 2 * ageMs) {
        const objects = await staged();
        expect(objects.map((o) => o.Key).sort()).toEqual(blobs.map((b) => `${storePrefix}/staging/${b.stagingKey}`).sort());
        for (const o of objects) oldest = Math.max(oldest, Date.now() - o.LastModified!.getTime());
        await sleep(250);
      }
      expect(oldest).toBeLessThan(ageMs * 0.75);
      await store.promote(blobs);
      for (const [i, blob] of blobs.entries()) expect(sha256(await readAll(await store.read(blob.sha256)))).toBe(sha256(contents[i]!));
      // Settled: nothing is renewed back into place after its promotion, and no copy is left open.
      await sleep(ageMs / 2);
      expect(await staged()).toEqual([]);
      expect(await uploadsUnder(`${storePrefix}/`)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test("an upload begun long ago that still sends parts is kept (a large file over a slow link); once its latest part is older than the limit, aborted", async () => {
    // Every upload here was begun long ago (moto dates them all 10 November 2010).
    const store = await open({ stagingMaxAgeMs: PART_DATE_MS });
    const staging = `${s3.blobUrl.slice(`s3://${s3.bucket}/`.length)}/store${prefix}/staging/`;
    try {
      const sending = `${staging}another-host.4242.${randomUUID()}`;
      const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: sending }));
      await s3.client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: `${staging}another-host.4243.${randomUUID()}` }));
      await s3.client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: sending, UploadId, PartNumber: 1, Body: randomBytes(5 * MiB) }));
      // The one that never sent a part goes; the one whose part just arrived stays.
      expect(await store.reclaimStaging()).toBe(1);
      expect((await uploadsUnder(staging)).map((u) => u.Key)).toEqual([sending]);
      await sleep(PART_DATE_MS + 1_000);
      expect(await store.reclaimStaging()).toBe(1);
      expect(await uploadsUnder(staging)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
