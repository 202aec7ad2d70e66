import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS } from "./support/backends.js";
import { file, sha256 } from "./support/files.js";
import { startInterleaved, type Interleaved } from "./support/interleaved.js";

/**
 * A file downloaded while its version is overwritten with other bytes (or deleted):
 * the write, and the reclaim of the bytes it released, land right after the
 * download's read of the file's record and before its bytes are opened. It is made
 * by a second store on the same database, another replica. The file exists before
 * and after an overwrite: the download answers the old bytes or the new, never 404.
 */
describe.each(BACKENDS)("a file download racing a write of its version on %s", (backend) => {
  let race: Interleaved;

  beforeAll(async () => {
    race = await startInterleaved(backend, /from "model_files"/);
  });
  afterAll(() => race?.close());

  test("overwritten with other bytes: 200 with the new bytes and their ETag, not 404", async () => {
    await race.writer.createModel({ name: "dl", version: 1, files: [file("w.bin", "old weights")] });
    race.between = () => race.writer.createModel({ name: "dl", version: 1, overwrite: true, files: [file("w.bin", "new weights")] });
    const res = await fetch(`${race.gw.origin}/files/default/dl/1/w.bin`);
    expect(race.between, "the overwrite ran between the record's read and the open").toBeNull();
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${sha256("new weights")}"`);
    expect(await res.text()).toBe("new weights");
  });

  test("a range of a file overwritten meanwhile is a range of the new bytes", async () => {
    await race.writer.createModel({ name: "dr", version: 1, files: [file("w.bin", "0123456789")] });
    race.between = () => race.writer.createModel({ name: "dr", version: 1, overwrite: true, files: [file("w.bin", "abcdefghij")] });
    const res = await fetch(`${race.gw.origin}/files/default/dr/1/w.bin`, { headers: { range: "bytes=2-4" } });
    expect(race.between).toBeNull();
    expect(res.status).toBe(206);
    expect(await res.text()).toBe("cde");
  });

  test("deleted meanwhile: 404", async () => {
    await race.writer.createModel({ name: "dd", version: 1, files: [file("w.bin", "doomed")] });
    race.between = () => race.writer.deleteModel({ name: "dd", version: 1 });
    const res = await fetch(`${race.gw.origin}/files/default/dd/1/w.bin`);
    expect(race.between).toBeNull();
    expect(res.status).toBe(404);
    expect((await res.json()).errors[0].extensions.code).toBe("NOT_FOUND");
  });
});
