import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";
import { startS3Server, type S3Server } from "./support/s3-server.js";
import { startSlowUpload, uploadBody } from "./support/slow-upload.js";
import { waitFor } from "./support/wait.js";

/**
 * A registration's server-side copy (staging → the digest's key) takes as long as
 * the store needs: minutes for a large blob on a real S3. It must not run under the
 * metadata transaction's locks, or every write (SQLite: every request that touches
 * the store's connection; PostgreSQL: the family's and the blob rows' writers, and a
 * pool connection per registration) waits for it.
 */

let s3: S3Server;
let proxy: http.Server;
let proxyEndpoint: string;
/** Copy requests the proxy holds until the test lets them go. */
const heldCopies: (() => void)[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  s3 = await startS3Server();
  const target = new URL(s3.endpoint);
  // In front of s3rver: forwards everything, holds CopyObject / UploadPartCopy until released.
  proxy = http.createServer((req, res) => {
    const forward = () => {
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    };
    if (req.method === "PUT" && req.headers["x-amz-copy-source"]) {
      req.pause();
      heldCopies.push(forward);
    } else forward();
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const release of heldCopies.splice(0)) release();
  await killAllChildren();
  await new Promise((resolve) => proxy?.close(resolve));
  await s3?.stop();
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

describe("a slow server-side copy on S3", () => {
  test("does not hold the metadata store: reads and other writes answer while a registration's copy is in progress", async () => {
    const dataDir = await makeTempDir("homer-s3copy-");
    dirs.push(dataDir);
    const env = {
      ...s3.env,
      AWS_ENDPOINT_URL: proxyEndpoint,
      HOMER_DATA_DIR: dataDir,
      HOMER_BLOB_URL: `${s3.blobUrl}/${path.basename(dataDir)}`,
      HOMER_RATE_LIMIT: "0",
    };
    const gw = await startChildGateway({ env });
    const body = uploadBody("big", { chunks: 4 });
    const upload = startSlowUpload(gw.origin, body, { delayMs: 0 });
    upload.finish();
    await waitFor("the registration's copy to reach the store", () => heldCopies.length > 0, 15_000);

    const started = Date.now();
    const timed = async <T>(work: Promise<T>) => {
      const answer = await Promise.race([work, new Promise<"held">((resolve) => setTimeout(resolve, 3_000, "held"))]);
      return { answer, ms: Date.now() - started };
    };
    const read = await timed(gw.gql(`{ modelFamilies(first: 5) { nodes { name } } }`));
    const write = await timed(gw.gql(`mutation { createProject(name: "other") { name } }`));
    for (const release of heldCopies.splice(0)) release();

    expect(read.answer, "a read waited for the copy").not.toBe("held");
    expect(write.answer, "a write waited for the copy").not.toBe("held");
    expect(write.answer).toMatchObject({ status: 200, data: { createProject: { name: "other" } } });
    const done = await upload.response;
    expect(done, JSON.stringify(done.body)).toMatchObject({ status: 200, body: { data: { createModel: { version: 1 } } } });
    const bytes = Buffer.from(await (await fetch(`${gw.origin}/files/default/big/1/w.bin`)).arrayBuffer());
    expect(bytes.length).toBe(body.fileSize);
  }, 60_000);
});
