import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConfigError } from "../gateway/src/config.js";
import { NotFoundError, StorageError } from "../gateway/src/domain/errors.js";
import { openS3BlobStore } from "../gateway/src/storage/s3/index.js";
import { makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";
import { readAll } from "./support/files.js";
import { startMotoServer, type MotoServer } from "./support/moto-server.js";
import { startSlowUpload, uploadBody } from "./support/slow-upload.js";

/**
 * What an operator (or a damaged store) can do to the S3 blob store, against moto's S3
 * server: objects under a blob's key overwritten with other bytes, which a download never
 * sends under the recorded size as if they were the file; and HOMER_BLOB_URL values that
 * would quietly name another prefix, or be refused for the wrong reason; registries whose
 * prefixes nest.
 */

let s3: MotoServer;
const dirs: string[] = [];

beforeAll(async () => {
  s3 = await startMotoServer();
}, 60_000);

afterAll(async () => {
  await killAllChildren();
  await s3?.stop();
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

/** Overwrites the object under `sha256`'s key, in the store at `blobUrl`, with `bytes`. */
async function overwrite(blobUrl: string, sha256: string, bytes: Buffer): Promise<void> {
  const key = `${blobUrl.slice(`s3://${s3.bucket}/`.length)}/blobs/${sha256.slice(0, 2)}/${sha256}`;
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: bytes }));
}

describe("an object of another size under a blob's key", () => {
  test("the store refuses to read it, whole or in part, when told the recorded size", async () => {
    const blobUrl = `${s3.blobUrl}/store`;
    const store = await openS3BlobStore(blobUrl, { env: s3.env });
    try {
      const blob = await store.stage(Readable.from([Buffer.from("hello world")]), { maxBytes: 100 });
      await store.promote([blob]);
      expect((await readAll(await store.read(blob.sha256, undefined, 11))).toString()).toBe("hello world");
      expect((await readAll(await store.read(blob.sha256, { start: 6, end: 10 }, 11))).toString()).toBe("world");
      for (const bytes of [Buffer.alloc(30, 1), Buffer.from("hi")]) {
        await overwrite(blobUrl, blob.sha256, bytes);
        await expect(store.read(blob.sha256, undefined, 11)).rejects.toThrow(StorageError);
        await expect(store.read(blob.sha256, { start: 0, end: 1 }, 11)).rejects.toThrow(`the object is ${bytes.length} bytes, 11 expected`);
      }
    } finally {
      await store.close();
    }
  });

  test("a download answers 500 before any byte, not a wrong file of the right length nor a hang", async () => {
    const dataDir = await makeTempDir("homer-s3tamper-");
    dirs.push(dataDir);
    const blobUrl = `${s3.blobUrl}/${path.basename(dataDir)}`;
    const gw = await startChildGateway({ env: { ...s3.env, HOMER_DATA_DIR: dataDir, HOMER_BLOB_URL: blobUrl, HOMER_RATE_LIMIT: "0" } });
    const body = uploadBody("tampered", { chunks: 1, chunkBytes: 1000 });
    const upload = startSlowUpload(gw.origin, body, { delayMs: 0 });
    upload.finish();
    expect((await upload.response).status).toBe(200);
    for (const bytes of [Buffer.alloc(3000, 1), Buffer.alloc(10, 1)]) {
      await overwrite(blobUrl, body.fileSha256, bytes);
      const res = await fetch(`${gw.origin}/files/default/tampered/1/w.bin`, { signal: AbortSignal.timeout(3_000) });
      expect(res.status, `an object of ${bytes.length} bytes`).toBe(500);
      expect(await res.text()).not.toContain("\u0001");
    }
  }, 60_000);
});

describe("HOMER_BLOB_URL with whitespace around it", () => {
  test("a trailing newline (a value read from a file) is refused, not a second prefix that holds none of the blobs", async () => {
    const blobUrl = `${s3.blobUrl}/newline`;
    const store = await openS3BlobStore(blobUrl, { env: s3.env });
    try {
      const blob = await store.stage(Readable.from([Buffer.from("hello world")]), { maxBytes: 100 });
      await store.promote([blob]);
      for (const url of [`${blobUrl}\n`, `${blobUrl}\r\n`, ` ${blobUrl}`, `${blobUrl}/a\tb`]) {
        await expect(openS3BlobStore(url, { env: s3.env }), JSON.stringify(url)).rejects.toThrow(ConfigError);
      }
      await expect(openS3BlobStore(`${blobUrl}\n`, { env: s3.env })).rejects.toThrow(/"s3:\/\/.*\\n"/);
    } finally {
      await store.close();
    }
  });
});

describe('HOMER_BLOB_URL with a "?" or "#" in the prefix', () => {
  test("is refused for its prefix, not for its bucket, which is fine", async () => {
    for (const url of [`${s3.blobUrl}/runs?v=2`, `${s3.blobUrl}/runs#2`]) {
      const opening = openS3BlobStore(url, { env: s3.env });
      await expect(opening, url).rejects.toThrow(ConfigError);
      await expect(opening, url).rejects.toThrow('the prefix may not have "?" or "#"');
      await expect(opening, url).rejects.not.toThrow(/bucket name/);
    }
    await expect(openS3BlobStore("s3://Models?x", { env: s3.env })).rejects.toThrow(/valid bucket name/);
  });
});

describe("HOMER_BLOB_URL with a prefix too long for S3's keys", () => {
  test("is refused at start, naming the room left, not by the store at the first upload", async () => {
    const fits = `${s3.blobUrl}/${"p".repeat(800)}`;
    const store = await openS3BlobStore(fits, { env: s3.env });
    try {
      const blob = await store.stage(Readable.from([Buffer.from("long prefix")]), { maxBytes: 100 });
      await store.promote([blob]);
      expect((await readAll(await store.read(blob.sha256, undefined, 11))).toString()).toBe("long prefix");
    } finally {
      await store.close();
    }
    // 1,000 bytes of prefix (in characters of two bytes each too) leave no room for a staging name.
    for (const prefix of ["p".repeat(1000), "é".repeat(500), `a/${"b".repeat(960)}`]) {
      const opening = openS3BlobStore(`${s3.blobUrl}/${prefix}`, { env: s3.env });
      await expect(opening).rejects.toThrow(ConfigError);
      await expect(opening).rejects.toThrow(
        /the prefix is too long: keys under it would reach \d+ bytes, over the 1024 an object key may have \(at most \d+ bytes of prefix on this host\)/,
      );
    }
  });
});

describe("a registry whose prefix lies inside another's staging folder", () => {
  test("the outer one's reclaim of its staging leftovers leaves the inner one's blobs and uploads alone", async () => {
    // Production at s3://models, the staging environment at s3://models/staging: the outer
    // one's staging folder is where the inner one keeps everything.
    const outerUrl = `${s3.blobUrl}/nested`;
    const inner = await openS3BlobStore(`${outerUrl}/staging`, { env: s3.env });
    // Every staging object and upload counts as old: what a day later looks like.
    const outer = await openS3BlobStore(outerUrl, { env: s3.env, tuning: { stagingMaxAgeMs: -1 } });
    try {
      const blob = await inner.stage(Readable.from([Buffer.from("inner bytes")]), { maxBytes: 100 });
      await inner.promote([blob]);
      const innerPrefix = `${outerUrl.slice(`s3://${s3.bucket}/`.length)}/staging`;
      const { UploadId } = await s3.client.send(
        new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: `${innerPrefix}/staging/otherhost.1.${randomUUID()}` }),
      );
      const leftover = await outer.stage(Readable.from([Buffer.from("outer leftover")]), { maxBytes: 100 });
      expect(await outer.reclaimStaging()).toBe(1);
      expect((await readAll(await inner.read(blob.sha256, undefined, 11))).toString()).toBe("inner bytes");
      const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: `${innerPrefix}/` }));
      expect(uploads.Uploads?.map((u) => u.UploadId)).toEqual([UploadId]);
      await expect(outer.read(leftover.sha256)).rejects.toThrow(NotFoundError);
    } finally {
      await inner.close();
      await outer.close();
    }
  });
});
