import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openStorage, type Storage } from "../gateway/src/storage/factory.js";
import { BACKENDS } from "./support/backends.js";
import { file, sha256 } from "./support/files.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { registryOver } from "./support/registry.js";

/**
 * A file downloaded while its version is overwritten with other bytes (or deleted):
 * the write, and the reclaim of the bytes it released, land right after the
 * download's read of the file's record and before its bytes are opened. It is made
 * by a second store on the same database, another replica. The file exists before
 * and after an overwrite: the download answers the old bytes or the new, never 404.
 */
describe.each(BACKENDS)("a file download racing a write of its version on %s", (backend) => {
  let gw: TestGateway;
  let replica: Storage;
  let writer: ReturnType<typeof registryOver>;
  let between: (() => Promise<unknown>) | null = null;

  beforeAll(async () => {
    gw = await startTestGateway({
      backend,
      // Kysely awaits its log hook before it hands the statement's rows over.
      log: async (event) => {
        if (event.level !== "query" || between === null || !/from "model_files"/.test(event.query.sql)) return;
        const write = between;
        between = null;
        await write();
      },
    });
    replica = await openStorage({ databaseUrl: gw.storage.databaseUrl, blobUrl: gw.storage.blobDir });
    writer = registryOver(replica);
  });
  afterAll(async () => {
    await replica?.metadata.close();
    await replica?.blobs.close();
    await gw?.close();
  });

  test("overwritten with other bytes: 200 with the new bytes and their ETag, not 404", async () => {
    await writer.createModel({ name: "dl", version: 1, files: [file("w.bin", "old weights")] });
    between = () => writer.createModel({ name: "dl", version: 1, overwrite: true, files: [file("w.bin", "new weights")] });
    const res = await fetch(`${gw.origin}/files/default/dl/1/w.bin`);
    expect(between, "the overwrite ran between the record's read and the open").toBeNull();
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${sha256("new weights")}"`);
    expect(await res.text()).toBe("new weights");
  });

  test("a range of a file overwritten meanwhile is a range of the new bytes", async () => {
    await writer.createModel({ name: "dr", version: 1, files: [file("w.bin", "0123456789")] });
    between = () => writer.createModel({ name: "dr", version: 1, overwrite: true, files: [file("w.bin", "abcdefghij")] });
    const res = await fetch(`${gw.origin}/files/default/dr/1/w.bin`, { headers: { range: "bytes=2-4" } });
    expect(between).toBeNull();
    expect(res.status).toBe(206);
    expect(await res.text()).toBe("cde");
  });

  test("deleted meanwhile: 404", async () => {
    await writer.createModel({ name: "dd", version: 1, files: [file("w.bin", "doomed")] });
    between = () => writer.deleteModel({ name: "dd", version: 1 });
    const res = await fetch(`${gw.origin}/files/default/dd/1/w.bin`);
    expect(between).toBeNull();
    expect(res.status).toBe(404);
    expect((await res.json()).errors[0].extensions.code).toBe("NOT_FOUND");
  });
});
