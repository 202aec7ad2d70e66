import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Caller } from "../gateway/src/access/caller.js";
import { CARD_READS_AT_ONCE, MAX_CARD_BYTES } from "../gateway/src/registry/model-card.js";
import { RegistryService } from "../gateway/src/registry/registry.service.js";
import type { BlobStore } from "../gateway/src/storage/blob-store.js";
import { openTestStorage, type TestStorage } from "./support/backends.js";
import { file } from "./support/files.js";
import { registryOver, silentLog, TEST_LIMITS } from "./support/registry.js";

describe("model cards: one bounded read per card", () => {
  let storage: TestStorage;
  const caller = Caller.open();
  beforeAll(async () => {
    storage = await openTestStorage("sqlite");
  });
  afterAll(() => storage?.cleanup());

  test(`a page of cards read at once keeps at most ${CARD_READS_AT_ONCE} blob reads in flight, and every card arrives`, async () => {
    const registry = registryOver(storage);
    for (let i = 1; i <= 30; i++) await registry.createModel({ name: "many-cards", files: [file("README.md", `# card ${i}`)] });
    let inFlight = 0;
    let most = 0;
    // The real store, its reads held a little so that they overlap.
    const blobs: BlobStore = Object.create(storage.blobs, {
      read: {
        value: async (sha256: string) => {
          inFlight++;
          most = Math.max(most, inFlight);
          try {
            await new Promise((resolve) => setTimeout(resolve, 20));
            return await storage.blobs.read(sha256);
          } finally {
            inFlight--;
          }
        },
      },
    });
    const service = new RegistryService(storage.metadata, blobs, TEST_LIMITS, silentLog);
    const page = await service.listModels(caller, { name: "many-cards", first: 30, parts: { metrics: false, files: false, card: true } });
    const cards = await Promise.all(page.nodes.map((m) => service.readCard(caller, m)));
    expect(cards).toEqual(page.nodes.map((m) => `# card ${m.version}`));
    expect(most).toBe(CARD_READS_AT_ONCE);
    expect(inFlight).toBe(0);
  });

  test("an empty README.md is an empty card; a BOM is dropped; exactly the limit is read, one byte more is not", async () => {
    const registry = registryOver(storage);
    const cardOf = async (name: string, content: string | Buffer) => {
      const created = await registry.createModel({ name, files: [file("README.md", content)] });
      return registry.service.readCard(caller, created);
    };
    expect(await cardOf("card-empty", "")).toBe("");
    expect(await cardOf("card-bom", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("# BOM")]))).toBe("# BOM");
    const limit = "é".repeat(MAX_CARD_BYTES / 2);
    expect(await cardOf("card-limit", limit)).toBe(limit);
    expect(await cardOf("card-over", `${limit}x`)).toBeNull();
    // A UTF-8 sequence cut short at the end, and an overlong encoding: not UTF-8.
    expect(await cardOf("card-cut", Buffer.from([0x23, 0xe2, 0x82]))).toBeNull();
    expect(await cardOf("card-overlong", Buffer.from([0xc0, 0xaf]))).toBeNull();
  });
});
