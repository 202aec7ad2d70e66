import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";
import { startS3Server, type S3Server } from "./support/s3-server.js";
import { startSlowUpload, uploadBody } from "./support/slow-upload.js";
import { waitFor } from "./support/wait.js";

/**
 * A download from S3 holds its connection to the store for as long as its client takes
 * to read it: clients that read slowly (or, until the idle timeout, not at all) must not
 * take every connection the gateway keeps to the store, or uploads wait with no end
 * and /readyz reports the store unreachable.
 */

let s3: S3Server;
const dirs: string[] = [];
const requests: http.ClientRequest[] = [];

beforeAll(async () => {
  s3 = await startS3Server();
});

afterAll(async () => {
  for (const req of requests) req.destroy();
  await killAllChildren();
  await s3?.stop();
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

describe("slow downloads from S3", () => {
  test("70 downloads that do not read leave uploads and /readyz working", async () => {
    const dataDir = await makeTempDir("homer-s3dl-");
    dirs.push(dataDir);
    const env = { ...s3.env, HOMER_DATA_DIR: dataDir, HOMER_BLOB_URL: `${s3.blobUrl}/${path.basename(dataDir)}`, HOMER_RATE_LIMIT: "0" };
    const gw = await startChildGateway({ env });
    // 64 MiB: more than the socket buffers between the store, the gateway and a client hold.
    const big = uploadBody("big", { chunks: 1024 });
    const seeding = startSlowUpload(gw.origin, big, { delayMs: 0 });
    seeding.finish();
    expect((await seeding.response).status).toBe(200);

    const agent = new http.Agent({ maxSockets: 1000 });
    let answered = 0;
    for (let i = 0; i < 70; i++) {
      const req = http.get(`${gw.origin}/files/default/big/1/w.bin`, { agent }, (res) => {
        answered++;
        res.pause(); // never read
        res.on("error", () => {});
      });
      req.on("error", () => {});
      requests.push(req);
    }
    await waitFor("the downloads to start", () => answered >= 64, 20_000);

    const started = Date.now();
    const ready = await fetch(`${gw.origin}/readyz`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status, "/readyz while downloads are slow").toBe(200);
    const small = startSlowUpload(gw.origin, uploadBody("small", { chunks: 1, chunkBytes: 1000 }), { delayMs: 0 });
    small.finish();
    const answer = await Promise.race([small.response, new Promise<"none">((resolve) => setTimeout(resolve, 10_000, "none"))]);
    expect(answer, "an upload while 64 downloads hold the store's connections").not.toBe("none");
    expect(answer).toMatchObject({ status: 200 });
    expect(Date.now() - started).toBeLessThan(10_000);
    await waitFor("every download to start", () => answered === 70, 10_000);
  }, 90_000);
});
