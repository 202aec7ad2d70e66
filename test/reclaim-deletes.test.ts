import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { file } from "./support/files.js";
import { registryOver, TEST_LIMITS } from "./support/registry.js";

/**
 * A reclaim holds its locks (SQLite's write lock, PostgreSQL's blob rows) until the bytes are
 * gone: it deletes them several at a time, not one round trip after the other.
 */
describe.each(BACKENDS)("a reclaim's deletes on %s", (backend) => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await openTestStorage(backend);
  });
  afterAll(() => storage?.cleanup());

  test("a version of 40 files deleted: its bytes go several at a time, and all of them", async () => {
    const registry = registryOver(storage, { ...TEST_LIMITS, maxFiles: 50 });
    await registry.createModel({ name: "many", files: Array.from({ length: 40 }, (_, i) => file(`f${i}.bin`, `bytes ${i}`)) });
    expect(await storage.listBlobs()).toHaveLength(40);
    const remove = storage.blobs.delete.bind(storage.blobs);
    let inFlight = 0;
    let most = 0;
    storage.blobs.delete = async (sha256) => {
      most = Math.max(most, ++inFlight);
      // A store's round trip.
      await new Promise((resolve) => setTimeout(resolve, 10));
      await remove(sha256);
      inFlight--;
    };
    try {
      await registry.deleteModel({ name: "many", version: 1 });
    } finally {
      storage.blobs.delete = remove;
    }
    expect(most).toBe(16);
    expect(await storage.listBlobs()).toEqual([]);
  });
});
