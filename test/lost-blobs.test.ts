/**
 * A blob store restored from a copy that lacks some blobs (copied before the database
 * was dumped, or a version deleted between the two steps without bucket versioning):
 * the registry still lists the version, its bytes are gone. A download of such a file
 * is the registry's fault, not a version that is gone: a masked 500, never a 404, with
 * the file logged for the operator; the listing and the other files still work.
 */
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { TestStorage } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { captureLog, type CapturedLog } from "./support/log-capture.js";
import { s3ClientOf, startS3Server, type S3Server } from "./support/s3-server.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
}, 60_000);
afterAll(() => s3?.stop());

/** Removes a blob behind the gateway's back, as a restored copy that lacks it would. */
async function loseBlob(storage: TestStorage, kind: "fs" | "s3", sha: string): Promise<void> {
  if (kind === "fs") return fs.rm(path.join(storage.blobDir, sha.slice(0, 2), sha));
  const key = `${storage.blobUrl.slice(`s3://${s3.bucket}/`.length)}/blobs/${sha.slice(0, 2)}/${sha}`;
  await s3ClientOf(s3).send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
}

describe.each(["fs", "s3"] as const)("a version whose blob is missing (%s)", (kind) => {
  let gw: TestGateway;
  let log: CapturedLog;
  const missing = () => log.parsed().filter((line) => line.missingBlob);

  beforeAll(async () => {
    log = captureLog("info");
    const backend = { name: `sqlite+${kind}`, metadata: "sqlite", blobs: kind } as const;
    gw = await startTestGateway({ backend, s3, logger: log.logger });
    expect((await gw.upload({ name: "m" }, { "weights.bin": "lost bytes", "config.json": "{}" })).data).toEqual({
      createModel: { version: 1 },
    });
    expect((await gw.upload({ name: "m" }, { "weights.bin": "other bytes" })).data).toEqual({ createModel: { version: 2 } });
    await loseBlob(gw.storage, kind, sha256("lost bytes"));
  }, 60_000);
  afterAll(() => gw?.close());

  test("its download answers 500 INTERNAL_SERVER_ERROR, not NOT_FOUND, and the log names the file", async () => {
    const res = await fetch(`${gw.origin}/files/default/m/1/weights.bin`);
    expect(res.status).toBe(500);
    expect((await res.json()).errors[0].extensions.code).toBe("INTERNAL_SERVER_ERROR");
    expect(missing()).toContainEqual(
      expect.objectContaining({
        level: 50,
        missingBlob: { project: "default", name: "m", version: 1, path: "weights.bin", sha256: sha256("lost bytes") },
      }),
    );
  });

  test("an archive of the version is cut off, and the log names the file", async () => {
    const before = missing().length;
    const body = fetch(`${gw.origin}/archives/default/m/1`).then((res) => res.arrayBuffer());
    await expect(body).rejects.toThrow();
    expect(missing().length).toBe(before + 1);
  });

  test("the version is still listed, and its other files and other versions download", async () => {
    const listed = await gw.gql(`{ model(name: "m", version: 1) { files { path } } models(name: "m") { totalCount } }`);
    expect(listed.data).toEqual({ model: { files: [{ path: "config.json" }, { path: "weights.bin" }] }, models: { totalCount: 2 } });
    expect(await (await fetch(`${gw.origin}/files/default/m/1/config.json`)).text()).toBe("{}");
    expect(await (await fetch(`${gw.origin}/files/default/m/2/weights.bin`)).text()).toBe("other bytes");
  });

  test("once the version is deleted, its file answers 404 NOT_FOUND again", async () => {
    expect((await gw.gql(`mutation { deleteModel(name: "m", version: 1) }`)).data).toEqual({ deleteModel: true });
    const res = await fetch(`${gw.origin}/files/default/m/1/weights.bin`);
    expect(res.status).toBe(404);
    expect((await res.json()).errors[0].extensions.code).toBe("NOT_FOUND");
  });
});
