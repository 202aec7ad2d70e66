import { randomBytes } from "node:crypto";
import http from "node:http";
import { afterAll, describe, expect, test } from "vitest";
import { openStorage } from "../gateway/src/storage/factory.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { STORAGE_COMBOS } from "./support/backends.js";
import { sha256 } from "./support/files.js";
import { startTestGateway } from "./support/gateway.js";
import { startS3Server, type S3Server } from "./support/s3-server.js";

let s3: S3Server | undefined;
afterAll(() => s3?.stop());

/**
 * A shutdown's grace period cuts off an archive still streaming. Its hold goes before the store
 * closes, and with it the bytes only the hold kept (the version was deleted while it streamed):
 * a hold left behind would keep them past the next start, which comes sooner than its lapse.
 */
describe.each(STORAGE_COMBOS)("an archive cut off by a shutdown on $name", (combo) => {
  test("lets its hold go, and the bytes it alone kept are reclaimed", async () => {
    const gw = await startTestGateway({
      backend: combo,
      s3: combo.blobs === "s3" ? (s3 ??= await startS3Server()) : undefined,
      config: { shutdownGraceMs: 300 },
    });
    try {
      const files = { "a.bin": randomBytes(24 * 2 ** 20), "b.bin": randomBytes(24 * 2 ** 20) };
      expect((await gw.upload({ name: "cut" }, files)).errors).toBeUndefined();
      const cut = new Promise<boolean>((resolve, reject) => {
        http
          .get(`${gw.origin}/archives/default/cut/1`, { agent: false }, (res) => {
            res.socket.on("close", () => resolve(res.complete));
            res.once("data", () => {
              // Mid-archive, the client reading nothing more: the version is deleted, and the
              // gateway shuts down; its grace period ends before the archive does.
              res.pause();
              void (async () => {
                const deleted = await gw.gql(`mutation { deleteModel(name: "cut", version: 1) }`);
                expect(deleted.errors).toBeUndefined();
                await gw.gateway.close();
                res.resume();
              })().catch(reject);
            });
          })
          .on("error", reject);
      });
      expect(await cut, "the archive was cut off").toBe(false);
      const again = await openStorage({
        databaseUrl: gw.storage.databaseUrl,
        blobUrl: gw.storage.blobUrl,
        ...(combo.blobs === "s3" ? { env: s3!.env } : {}),
      });
      try {
        const holds = await (again.metadata as SqlMetadataStore)["db"].selectFrom("blob_holds").selectAll().execute();
        expect(holds, "the archive's hold was let go").toEqual([]);
        const left: string[] = [];
        for await (const blob of again.blobs.list()) left.push(blob.sha256);
        expect(left.filter((digest) => Object.values(files).some((bytes) => sha256(bytes) === digest))).toEqual([]);
      } finally {
        await again.metadata.close();
        await again.blobs.close();
      }
    } finally {
      await gw.storage.cleanup();
    }
  });
});
