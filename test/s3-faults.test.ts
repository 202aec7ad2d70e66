import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection } from "@homer/sdk";
import { generateKey } from "../gateway/src/access/api-key.js";
import { makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";
import { CREATE_MODEL, createModelFields, multipartBody, multipartType, partHead, randomBoundary } from "./support/multipart.mjs";
import { s3ClientOf, startS3Server, type S3Server } from "./support/s3-server.js";
import { startSlowUpload, uploadBody } from "./support/slow-upload.js";
import { waitFor } from "./support/wait.js";

/**
 * The S3 blob store's faults, against a real S3-compatible server process
 * (s3rver) and real gateway processes: the server killed mid-upload, a gateway
 * killed with staged bytes, a slow server, and presigned download redirects.
 */

const dirs: string[] = [];
let s3: S3Server;

beforeAll(async () => {
  s3 = await startS3Server();
});

afterAll(async () => {
  await killAllChildren();
  await s3?.stop();
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

/** A fresh SQLite data directory and S3 prefix: the environment of a gateway on them. */
async function site(server: S3Server): Promise<{ env: Record<string, string>; blobUrl: string }> {
  const dataDir = await makeTempDir("homer-s3fault-");
  dirs.push(dataDir);
  const blobUrl = `${server.blobUrl}/${path.basename(dataDir)}`;
  return { blobUrl, env: { ...server.env, HOMER_DATA_DIR: dataDir, HOMER_BLOB_URL: blobUrl, HOMER_RATE_LIMIT: "0" } };
}

/** The keys under `blobUrl`'s prefix (staging and blobs), as the bucket lists them. */
async function keysUnder(server: S3Server, blobUrl: string, folder: "staging" | "blobs"): Promise<string[]> {
  const prefix = `${blobUrl.slice(`s3://${server.bucket}/`.length)}/${folder}/`;
  const page = await s3ClientOf(server).send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!.slice(prefix.length));
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function readyz(gw: ChildGateway): Promise<{ status: number; body: any }> {
  const res = await fetch(`${gw.origin}/readyz`);
  return { status: res.status, body: await res.json() };
}

describe("the S3 server killed mid-upload", () => {
  test("the upload fails UNAVAILABLE, nothing is visible, /readyz says why; after a restart the retry works", async () => {
    const { env } = await site(s3);
    const gw = await startChildGateway({ env });
    // 24 MiB: five 5 MiB parts, so the kill lands inside a multipart upload.
    const body = uploadBody("killed", { chunks: 384, chunkBytes: 64 * 1024 });
    const upload = startSlowUpload(gw.origin, body, { delayMs: 2 });
    await waitFor("half the file sent", () => upload.sent() >= body.fileSize / 2, 30_000);
    await s3.kill();
    upload.finish();
    try {
      const answer = await upload.response;
      expect(answer.body.errors?.[0]?.extensions?.code, JSON.stringify(answer.body)).toBe("UNAVAILABLE");
      expect(answer.status).toBe(503);
      expect(JSON.stringify(answer.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|homer-test/);
      expect((await gw.gql(`{ model(name: "killed", version: 1) { version } }`)).data).toEqual({ model: null });
      expect(await readyz(gw)).toEqual({ status: 503, body: { status: "blob-store-unavailable" } });
    } finally {
      await s3.restart(); // the other tests of this file share the server
    }
    await waitFor("/readyz to answer 200 again", async () => (await readyz(gw)).status === 200, 15_000, 100);
    expect((await readyz(gw)).body).toEqual({ status: "ready", database: "sqlite", blobStore: "s3" });
    const retry = startSlowUpload(gw.origin, body, { delayMs: 0 });
    retry.finish();
    const done = await retry.response;
    expect(done, JSON.stringify(done.body)).toMatchObject({ status: 200, body: { data: { createModel: { version: 1 } } } });
    const bytes = new Uint8Array(await (await fetch(`${gw.origin}/files/default/killed/1/w.bin`)).arrayBuffer());
    expect(bytes.length).toBe(body.fileSize);
    expect(sha256(bytes)).toBe(body.fileSha256);

    // Downloads while the store is away: 503 with Retry-After, never a 404 or a 500.
    await s3.kill();
    try {
      const away = await fetch(`${gw.origin}/files/default/killed/1/w.bin`);
      expect({ status: away.status, retryAfter: away.headers.get("retry-after") }).toEqual({ status: 503, retryAfter: "5" });
      expect((await away.json()).errors[0].extensions.code).toBe("UNAVAILABLE");
    } finally {
      await s3.restart();
    }
    expect(gw.child.exitCode).toBeNull();
  });
});

describe("staging leftovers", () => {
  test("a gateway killed with a staged file leaves it in staging; the next start reclaims it and nothing is visible", async () => {
    const { env, blobUrl } = await site(s3);
    const first = await startChildGateway({ env });
    // Two files: the small one is staged whole while the big one is still arriving.
    const boundary = randomBoundary();
    const small = randomBytes(1024);
    const head = Buffer.concat([
      multipartBody(createModelFields(CREATE_MODEL, { name: "crashed" }, ["small.bin", "big.bin"]), boundary, { close: false }),
      partHead(boundary, { name: "0", filename: "small.bin" }),
      small,
      Buffer.from("\r\n"),
      partHead(boundary, { name: "1", filename: "big.bin" }),
    ]);
    const req = http.request(`${first.origin}/graphql`, {
      method: "POST",
      headers: {
        "apollo-require-preflight": "true",
        "content-type": multipartType(boundary),
        "content-length": String(head.length + 2 ** 30),
      },
    });
    req.on("error", () => {}); // the gateway dies mid-request
    req.write(head);
    req.write(randomBytes(64 * 1024));
    const staged = await waitFor("the small file in staging", async () => (await keysUnder(s3, blobUrl, "staging"))[0], 15_000, 50);
    // <host>[~<PID namespace>].<pid>.<uuid> (storage/staging-name.ts)
    expect(staged).toMatch(/^[A-Za-z0-9_-]+(~\d+)?\.\d+\.[0-9a-f-]{36}$/);
    first.kill("SIGKILL");
    await first.exited;
    req.destroy();

    const second = await startChildGateway({ env });
    expect(await keysUnder(s3, blobUrl, "staging")).toEqual([]);
    expect(await keysUnder(s3, blobUrl, "blobs")).toEqual([]);
    expect((await second.gql(`{ model(name: "crashed", version: 1) { version } }`)).data).toEqual({ model: null });
  });
});

describe("a slow S3 server", () => {
  let slow: S3Server;
  beforeAll(async () => {
    slow = await startS3Server({ slowMs: 300 });
  });
  afterAll(() => slow?.stop());

  test("every request 300 ms late: a multipart upload, its download and a range still complete", async () => {
    const { env } = await site(slow);
    const gw = await startChildGateway({ env, timeoutMs: 30_000 });
    const body = uploadBody("slow", { chunks: 160, chunkBytes: 64 * 1024 }); // 10 MiB: two parts
    const upload = startSlowUpload(gw.origin, body, { delayMs: 0 });
    upload.finish();
    const done = await upload.response;
    expect(done, JSON.stringify(done.body)).toMatchObject({ status: 200, body: { data: { createModel: { version: 1 } } } });
    const whole = await fetch(`${gw.origin}/files/default/slow/1/w.bin`);
    expect(sha256(new Uint8Array(await whole.arrayBuffer()))).toBe(body.fileSha256);
    const part = await fetch(`${gw.origin}/files/default/slow/1/w.bin`, { headers: { range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(body.chunk.subarray(100, 200));
  });
});

describe("HOMER_BLOB_REDIRECT", () => {
  const admin = generateKey().token;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  let gw: ChildGateway;
  let reader: string;
  let outsider: string;
  const weights = randomBytes(300_000);

  beforeAll(async () => {
    const { env } = await site(s3);
    gw = await startChildGateway({
      env: { ...env, HOMER_ADMIN_KEY: admin, HOMER_BLOB_REDIRECT: "true", HOMER_BLOB_REDIRECT_EXPIRY: "30" },
    });
    const as = async (token: string, query: string) => {
      const res = await fetch(`${gw.origin}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...bearer(token) },
        body: JSON.stringify({ query }),
      });
      return await res.json();
    };
    await as(admin, `mutation { createProject(name: "other") { name } }`);
    const key = async (project: string) =>
      (await as(admin, `mutation { createApiKey(input: { name: "k", grants: [{ project: "${project}", role: READ }] }) { secret } }`)).data
        .createApiKey.secret as string;
    reader = await key("default");
    outsider = await key("other");
    const form = new FormData();
    const input = { name: "redirected", files: [{ path: "dir/w eights.bin", file: null }] };
    form.set("operations", JSON.stringify({ query: CREATE_MODEL, variables: { input } }));
    form.set("map", JSON.stringify({ 0: ["variables.input.files.0.file"] }));
    form.set("0", new Blob([new Uint8Array(weights)]), "w");
    const created = await fetch(`${gw.origin}/graphql`, {
      method: "POST",
      headers: { "apollo-require-preflight": "true", ...bearer(admin) },
      body: form,
    });
    expect(await created.json()).toEqual({ data: { createModel: { version: 1 } } });
  });

  const url = () => `${gw.origin}/files/default/redirected/1/dir/w%20eights.bin`;

  test("a reader is sent to a presigned URL of the bucket; following it yields the bytes, ranges too", async () => {
    const first = await fetch(url(), { headers: bearer(reader), redirect: "manual" });
    expect(first.status).toBe(307);
    expect(first.headers.get("cache-control")).toBe("private, no-store");
    const location = first.headers.get("location")!;
    expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true);
    expect(new URL(location).searchParams.get("X-Amz-Expires")).toBe("30");
    // No credential of the gateway's travels along: the URL alone grants this one read.
    const direct = await fetch(location);
    expect(direct.status).toBe(200);
    expect(direct.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''w%20eights.bin");
    expect(sha256(new Uint8Array(await direct.arrayBuffer()))).toBe(sha256(weights));
    const followed = await fetch(url(), { headers: { ...bearer(reader), range: "bytes=10-19" } });
    expect(followed.status).toBe(206);
    expect(Buffer.from(await followed.arrayBuffer())).toEqual(weights.subarray(10, 20));
  });

  test("the SDK's download follows the redirect without its API key, and completes a download left partway (resumed or, where the bucket answers If-Range with the whole file, started again), verifying the bytes", async () => {
    const registry = await connection({ url: `${gw.origin}/graphql`, apiKey: reader }).getModelRegistry();
    const model = (await registry.getModel({ name: "redirected", version: 1 }))!;
    const out = await makeTempDir("homer-s3-redirect-");
    try {
      expect(await model.download(out)).toBe(out);
      expect(sha256(await fs.readFile(path.join(out, "dir", "w eights.bin")))).toBe(sha256(weights));
      // A part left by an interrupted download: the Range goes to the bucket with the presigned URL.
      const resumed = path.join(out, "again");
      await fs.mkdir(path.join(resumed, "dir"), { recursive: true });
      await fs.writeFile(
        path.join(resumed, "dir", `w eights.bin.${sha256(weights).slice(0, 16)}.homer-part`),
        weights.subarray(0, 100_000),
      );
      await model.download(resumed);
      expect(sha256(await fs.readFile(path.join(resumed, "dir", "w eights.bin")))).toBe(sha256(weights));
      expect((await fs.readdir(path.join(resumed, "dir"))).sort()).toEqual(["w eights.bin"]);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  });

  test("a caller without read on the project gets no URL; an anonymous one neither", async () => {
    const refused = await fetch(url(), { headers: bearer(outsider), redirect: "manual" });
    expect([403, 404]).toContain(refused.status);
    expect(refused.headers.get("location")).toBeNull();
    expect(await refused.text()).not.toMatch(/X-Amz|http:\/\/127/);
    const anonymous = await fetch(url(), { redirect: "manual" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("location")).toBeNull();
  });

  test("HEAD, If-None-Match and archives are answered by the gateway itself", async () => {
    const head = await fetch(url(), { method: "HEAD", headers: bearer(reader), redirect: "manual" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(weights.length));
    const etag = `"${sha256(weights)}"`;
    const cached = await fetch(url(), { headers: { ...bearer(reader), "if-none-match": etag }, redirect: "manual" });
    expect(cached.status).toBe(304);
    const archive = await fetch(`${gw.origin}/archives/default/redirected/1`, { headers: bearer(reader), redirect: "manual" });
    expect(archive.status).toBe(200);
    expect((await archive.arrayBuffer()).byteLength).toBeGreaterThan(weights.length);
  });
});
