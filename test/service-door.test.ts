import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Caller } from "../gateway/src/access/caller.js";
import type { RegistryService } from "../gateway/src/registry/registry.service.js";
import { openTestStorage, type TestStorage } from "./support/backends.js";
import { file } from "./support/files.js";
import { registryOver } from "./support/registry.js";

// The registry service is the only way from a caller to the stores: every read checks the caller.
describe("the service is the only door to stored bytes", () => {
  let storage: TestStorage;
  let service: RegistryService;
  const ref = { project: "default", name: "door", version: 1 };
  const stranger = Caller.forKey("k-stranger", [{ project: "elsewhere", role: "admin" }]);
  const reader = Caller.forKey("k-reader", [{ project: "default", role: "read" }]);

  beforeAll(async () => {
    storage = await openTestStorage("sqlite");
    const registry = registryOver(storage);
    service = registry.service;
    await registry.createModel({ name: "door", version: 1, files: [file("weights.bin", "secret bytes")] });
  });
  afterAll(() => storage?.cleanup());

  test("a reader opens a file's bytes, whole or a range, and a version's files", async () => {
    const opened = await service.openFile(reader, ref, "weights.bin");
    expect(opened.record).toMatchObject({ path: "weights.bin", sizeBytes: 12 });
    expect(await text(await opened.read())).toBe("secret bytes");
    expect(await text(await opened.read({ start: 7, end: 11 }))).toBe("bytes");
    const { files } = await service.filesOf(reader, ref);
    expect(await text(await files[0]!.read())).toBe("secret bytes");
  });

  test("a caller without read on the project reaches neither the record nor the bytes", async () => {
    await expect(service.openFile(stranger, ref, "weights.bin")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(service.filesOf(stranger, ref)).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  test("no store and no unchecked read is public", () => {
    // @ts-expect-error the metadata store is private to the service
    void service.metadata;
    // @ts-expect-error the blob store is private to the service
    void service.blobs;
    // @ts-expect-error reading a blob by digest, with no caller, is gone
    void service.readBlob;
  });
});
