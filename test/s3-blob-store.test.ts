import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../gateway/src/config.js";
import { InsufficientStorageError, NotFoundError, StorageError, UnavailableError } from "../gateway/src/domain/errors.js";
import { copyParts } from "../gateway/src/storage/s3/copy-plan.js";
import { s3Error } from "../gateway/src/storage/s3/errors.js";
import { openS3BlobStore, type S3BlobStore } from "../gateway/src/storage/s3/index.js";
import { CONNECT_TIMEOUT_MS, createS3Client, limitConnectTime, MAX_SOCKETS, parseS3Url } from "../gateway/src/storage/s3/s3-client.js";
import { readAll, sha256 } from "./support/files.js";
import { startS3Server, type S3Server } from "./support/s3-server.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** `bytes` as a stream of 1 MiB chunks, as an upload arrives. */
const streamOf = (bytes: Buffer) =>
  Readable.from(Array.from({ length: Math.ceil(bytes.length / MiB) }, (_, i) => bytes.subarray(i * MiB, (i + 1) * MiB)));

describe("the S3 blob store against s3rver", () => {
  let s3: S3Server;
  let store: S3BlobStore;
  let prefix = 0;
  const open = (tuning = {}) => openS3BlobStore(`${s3.blobUrl}/store${++prefix}`, { env: s3.env, tuning });

  beforeAll(async () => {
    s3 = await startS3Server();
    store = await open();
  });
  afterAll(async () => {
    await store?.close();
    await s3?.stop();
  });

  // What is left in staging: reclaimStaging removes and counts it (our own pid counts as dead).
  const staged = (s: S3BlobStore) => s.reclaimStaging();

  test("a file larger than a part streams as a multipart upload, hashed; promote, Range reads and list see it", async () => {
    const bytes = randomBytes(13 * MiB);
    const blob = await store.stage(streamOf(bytes), { maxBytes: 20 * MiB });
    expect(blob).toMatchObject({ sha256: sha256(bytes), sizeBytes: bytes.length });
    await store.promote([blob]);
    // Digests, not toEqual: a deep comparison of megabytes takes minutes.
    expect(sha256(await readAll(await store.read(blob.sha256)))).toBe(blob.sha256);
    expect(await readAll(await store.read(blob.sha256, { start: 8 * MiB - 2, end: 8 * MiB + 1 }))).toEqual(
      bytes.subarray(8 * MiB - 2, 8 * MiB + 2),
    );
    const listed = [];
    for await (const entry of store.list()) listed.push(entry);
    expect(listed).toEqual([{ sha256: blob.sha256, sizeBytes: bytes.length, modifiedMs: expect.any(Number) }]);
    expect(await staged(store)).toBe(0); // promotion removed the staging object
  });

  test("promote is idempotent and skips the copy of a blob already in place", async () => {
    const a = await store.stage(Readable.from([Buffer.from("same bytes")]), { maxBytes: 100 });
    const b = await store.stage(Readable.from([Buffer.from("same bytes")]), { maxBytes: 100 });
    await store.promote([a]);
    await store.promote([a]); // a retried transaction: the staging object is gone, the blob is there
    await store.promote([b]);
    expect((await readAll(await store.read(a.sha256))).toString()).toBe("same bytes");
    expect(await staged(store)).toBe(0);
  });

  test("past the multipart-copy threshold promotion copies part by part: s3rver has no UploadPartCopy, so a typed failure and nothing promoted", async () => {
    const small = await open({ multipartCopyThresholdBytes: 1024, copyPartSizeBytes: 512 });
    try {
      const blob = await small.stage(Readable.from([randomBytes(2048)]), { maxBytes: 4096 });
      const failure = await small.promote([blob]).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StorageError);
      expect((failure as Error).message).toBe("blob store copy failed (NotImplemented)");
      await expect(small.read(blob.sha256)).rejects.toBeInstanceOf(NotFoundError);
      await small.discard(blob);
      expect(await staged(small)).toBe(0);
    } finally {
      await small.close();
    }
  });

  test("an empty file stages and promotes", async () => {
    const blob = await store.stage(Readable.from([]), { maxBytes: 100 });
    expect(blob).toMatchObject({ sha256: sha256(""), sizeBytes: 0 });
    await store.promote([blob]);
    expect((await readAll(await store.read(blob.sha256))).length).toBe(0);
  });

  test("past the size limit mid multipart upload: PAYLOAD_TOO_LARGE, and nothing is staged", async () => {
    const bytes = randomBytes(12 * MiB);
    await expect(store.stage(streamOf(bytes), { maxBytes: 9 * MiB })).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(await staged(store)).toBe(0);
  });

  test("a source that breaks mid-file fails with its own error, not the store's", async () => {
    const broken = new Readable({ read() {} });
    broken.push(randomBytes(MiB));
    setTimeout(() => broken.destroy(new Error("client went away")), 20);
    await expect(store.stage(broken, { maxBytes: 100 * MiB })).rejects.toThrow("client went away");
  });

  test("reading a missing blob is NOT_FOUND; deleting one is fine; discarding twice is fine", async () => {
    await expect(store.read("0".repeat(64))).rejects.toBeInstanceOf(NotFoundError);
    await store.delete("0".repeat(64));
    const blob = await store.stage(Readable.from([Buffer.from("discard me")]), { maxBytes: 100 });
    await store.discard(blob);
    await store.discard(blob);
    expect(await staged(store)).toBe(0);
  });

  test("ping answers while the server is up", async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  test("a presigned read URL serves the blob without credentials, named as asked", async () => {
    const blob = await store.stage(Readable.from([Buffer.from("presigned")]), { maxBytes: 100 });
    await store.promote([blob]);
    const url = await store.presignRead(blob.sha256, { expiresInSeconds: 60, fileName: "model weights.bin" });
    const res = await fetch(url);
    expect(await res.text()).toBe("presigned");
    expect(res.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''model%20weights.bin");
    // RFC 8187 allows no ' ( ) * unencoded in the value: Chrome splits it at every ' and drops the name.
    const quoted = await fetch(await store.presignRead(blob.sha256, { expiresInSeconds: 60, fileName: "it's (v2)*.bin" }));
    expect(await quoted.text()).toBe("presigned");
    expect(quoted.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''it%27s%20%28v2%29%2A.bin");
  });

  test("start-up: a missing bucket and refused keys are configuration errors that say what to check", async () => {
    const missing = openS3BlobStore("s3://no-such-bucket/x", { env: s3.env });
    await expect(missing).rejects.toBeInstanceOf(ConfigError);
    await expect(missing).rejects.toThrow(/no such bucket.*AWS_ACCESS_KEY_ID/);
    const refused = openS3BlobStore(s3.blobUrl, { env: { ...s3.env, AWS_ACCESS_KEY_ID: "WRONG", AWS_SECRET_ACCESS_KEY: "WRONG" } });
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.not.toThrow(/WRONG/);
  });
});

test("start-up: a store answering 400 to HeadBucket (an expired session token) is a configuration error that says what to check", async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(400, { "x-amz-request-id": "test" });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as net.AddressInfo;
    const env = {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: "a",
      AWS_SECRET_ACCESS_KEY: "b",
      AWS_SESSION_TOKEN: "expired",
    };
    const opening = openS3BlobStore("s3://bucket/p", { env, connectTimeoutMs: 1_000 });
    await expect(opening).rejects.toBeInstanceOf(ConfigError);
    await expect(opening).rejects.toThrow(/refused the request \(400.*AWS_SESSION_TOKEN has not expired/);
  } finally {
    server.close();
  }
});

test("start-up: an endpoint nobody answers is retried, then UNAVAILABLE", async () => {
  // A port that was free a moment ago: connection refused.
  const port = await new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
  const env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" };
  const started = Date.now();
  await expect(openS3BlobStore("s3://bucket/p", { env, connectTimeoutMs: 1_000 })).rejects.toBeInstanceOf(UnavailableError);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
});

describe("multipart copy plan (objects over 5 GiB; s3rver has no UploadPartCopy)", () => {
  test("equal parts of the asked size, the last one shorter, covering every byte once", () => {
    expect(copyParts(10, 4)).toEqual([
      { start: 0, end: 3 },
      { start: 4, end: 7 },
      { start: 8, end: 9 },
    ]);
    expect(copyParts(8, 4)).toEqual([
      { start: 0, end: 3 },
      { start: 4, end: 7 },
    ]);
  });

  test("a 6 GiB object in 512 MiB parts; parts grow to stay within 10,000; never past 5 GiB", () => {
    const six = copyParts(6 * GiB, 512 * MiB);
    expect(six).toHaveLength(12);
    expect(six.at(-1)).toEqual({ start: 6 * GiB - 512 * MiB, end: 6 * GiB - 1 });
    const huge = copyParts(20_000 * 600 * MiB, 512 * MiB);
    expect(huge.length).toBeLessThanOrEqual(10_000);
    expect(huge[0]!.end - huge[0]!.start + 1).toBe(1200 * MiB);
    expect(() => copyParts(10_001 * 5 * GiB, 512 * MiB)).toThrow(RangeError);
  });
});

describe("connections to the store", () => {
  test("a connection that does not open in time is destroyed as ETIMEDOUT; one that opened stays", async () => {
    const stuck = new net.Socket();
    Object.defineProperty(stuck, "connecting", { value: true }); // as a SYN nobody answers leaves it
    limitConnectTime(stuck, "connect", 20);
    const [error] = (await once(stuck, "error")) as [NodeJS.ErrnoException];
    expect(error.code).toBe("ETIMEDOUT");
    expect(error.message).toMatch(/could not connect to the object store within 20 ms/);

    const server = net.createServer((socket) => socket.end());
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const socket = limitConnectTime(net.connect((server.address() as net.AddressInfo).port, "127.0.0.1"), "connect", 50);
    await once(socket, "connect");
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(socket.errored).toBeNull();
    socket.destroy();
    server.close();
  });

  test("a request queued behind 64 busy connections for longer than the connect timeout still succeeds", async () => {
    // The SDK's own connectionTimeout ran from the moment a request was made: a
    // request waiting for a free socket (1200 files staged at once on a loaded store)
    // failed as "could not connect" though no connection was ever tried.
    let held = 0;
    const server = http.createServer((_request, response) => {
      const delay = ++held <= MAX_SOCKETS ? CONNECT_TIMEOUT_MS + 600 : 0;
      setTimeout(() => response.writeHead(200, { "content-length": "0", etag: '"e"' }).end(), delay);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    // One attempt: the SDK's retries would hide a request failed while it waited.
    const attempts = process.env.AWS_MAX_ATTEMPTS;
    process.env.AWS_MAX_ATTEMPTS = "1";
    const client = createS3Client({ env: { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" } });
    try {
      const heads = Array.from({ length: MAX_SOCKETS + 1 }, (_, i) => client.send(new HeadObjectCommand({ Bucket: "b", Key: `k${i}` })));
      const settled = await Promise.allSettled(heads);
      expect(settled.filter((s) => s.status === "rejected")).toEqual([]);
      expect(held).toBe(MAX_SOCKETS + 1);
    } finally {
      if (attempts === undefined) delete process.env.AWS_MAX_ATTEMPTS;
      else process.env.AWS_MAX_ATTEMPTS = attempts;
      client.destroy();
      server.closeAllConnections();
      server.close();
    }
  }, 20_000);
});

describe("S3 settings", () => {
  test("s3://bucket/prefix parses; bad bucket names and dot segments are refused", () => {
    expect(parseS3Url("s3://models/team/registry/")).toEqual({ bucket: "models", prefix: "team/registry" });
    expect(parseS3Url("s3://models")).toEqual({ bucket: "models", prefix: "" });
    expect(() => parseS3Url("s3://Models/x")).toThrow(ConfigError);
    expect(() => parseS3Url("s3://models/a/../b")).toThrow(ConfigError);
    expect(() => parseS3Url("s3://models/a//b")).toThrow(ConfigError);
  });

  test("HOMER_S3_FORCE_PATH_STYLE, HOMER_BLOB_REDIRECT and its expiry", () => {
    const defaults = loadConfig([], {});
    expect(defaults).toMatchObject({ s3ForcePathStyle: undefined, blobRedirect: false, blobRedirectExpirySeconds: 60 });
    const set = loadConfig([], { HOMER_S3_FORCE_PATH_STYLE: "false", HOMER_BLOB_REDIRECT: "true", HOMER_BLOB_REDIRECT_EXPIRY: "300" });
    expect(set).toMatchObject({ s3ForcePathStyle: false, blobRedirect: true, blobRedirectExpirySeconds: 300 });
    expect(loadConfig(["--s3-force-path-style", "true"], {}).s3ForcePathStyle).toBe(true);
    expect(() => loadConfig([], { HOMER_S3_FORCE_PATH_STYLE: "maybe" })).toThrow(ConfigError);
    expect(() => loadConfig([], { HOMER_BLOB_REDIRECT_EXPIRY: "0" })).toThrow(ConfigError);
  });
});

describe("what S3's failures become", () => {
  const answered = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

  test("an unreachable, overloaded or failing store is UNAVAILABLE with Retry-After", () => {
    for (const error of [
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
      Object.assign(new Error("timed out"), { name: "TimeoutError" }),
      answered("SlowDown", 503),
      answered("InternalError", 500),
    ]) {
      const mapped = s3Error(error, "upload");
      expect(mapped).toBeInstanceOf(UnavailableError);
      expect(mapped.message).not.toMatch(/127\.0\.0\.1/);
      expect((mapped as UnavailableError).details).toEqual({ retryAfterSeconds: 5 });
    }
  });

  test("a full store is INSUFFICIENT_STORAGE; refusals and the rest are StorageErrors that name no key", () => {
    expect(s3Error(answered("XMinioStorageFull", 507), "upload")).toBeInstanceOf(InsufficientStorageError);
    const denied = s3Error(answered("AccessDenied", 403), "copy");
    expect(denied).toBeInstanceOf(StorageError);
    expect(denied.message).toBe("blob store copy failed (access denied or no such bucket)");
    expect(s3Error(answered("NotImplemented", 501), "copy")).toBeInstanceOf(StorageError);
  });

  test("credentials the store refuses, an expired session token among them, say so and what to do", () => {
    for (const code of ["ExpiredToken", "InvalidToken", "TokenRefreshRequired", "InvalidAccessKeyId", "SignatureDoesNotMatch"]) {
      const refused = s3Error(answered(code, code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch" ? 403 : 400), "read");
      expect(refused, code).toBeInstanceOf(StorageError);
      expect(refused.message, code).toBe(
        `blob store read failed (the store refused the credentials: ${code}; renew them (a session token expires))`,
      );
    }
  });
});
