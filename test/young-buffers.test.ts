import { randomBytes } from "node:crypto";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  minorCollector,
  YOUNG_COLLECTION_BYTES,
  YoungBuffers,
  youngBuffers,
  type MinorCollect,
} from "../gateway/src/http/young-buffers.js";
import { sha256 } from "./support/files.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const MiB = 2 ** 20;

describe("YoungBuffers", () => {
  test("asks for one young-generation collection, as a task, each time the bytes received reach the step", () => {
    const asked: unknown[] = [];
    const buffers = new YoungBuffers(() => (options) => asked.push(options), 16 * MiB);
    buffers.received(10 * MiB);
    buffers.received(6 * MiB - 1);
    expect(asked).toEqual([]);
    buffers.received(1);
    expect(asked).toEqual([{ type: "minor", execution: "async" }]);
    // The count starts again from the collection: 16 MiB more before the next one.
    buffers.received(16 * MiB - 1);
    expect(asked).toHaveLength(1);
    buffers.received(64 * 1024);
    expect(asked).toHaveLength(2);
    expect(buffers.collections).toBe(2);
  });

  test("a chunk larger than the step asks once, not once per step it spans", () => {
    let asked = 0;
    const buffers = new YoungBuffers(() => () => asked++, 16 * MiB);
    buffers.received(100 * MiB);
    expect(asked).toBe(1);
    buffers.received(1);
    expect(asked).toBe(1);
  });

  test("where V8 gives no collector, bodies are counted and nothing is asked or thrown", () => {
    let looked = 0;
    const buffers = new YoungBuffers(() => {
      looked++;
      return undefined;
    }, MiB);
    for (let i = 0; i < 5; i++) buffers.received(MiB);
    expect(looked).toBe(5);
    expect(buffers.collections).toBe(0);
  });

  test("the gateway's step is 16 MiB", () => {
    expect(YOUNG_COLLECTION_BYTES).toBe(16 * MiB);
  });
});

describe("minorCollector", () => {
  test("is V8's gc function on this Node, obtained once, and leaves no gc in later contexts or here", async () => {
    const collect = minorCollector();
    expect(typeof collect).toBe("function");
    expect(minorCollector()).toBe(collect);
    expect(vm.runInNewContext("typeof gc")).toBe("undefined");
    if (!process.execArgv.includes("--expose-gc")) expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    // A young collection asked for as a task runs later, and leaves live buffers alone.
    const kept = randomBytes(1024);
    const digest = sha256(kept);
    (collect as MinorCollect)({ type: "minor", execution: "async" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sha256(kept)).toBe(digest);
  });
});

describe("uploads ask for young-generation collections as their bodies arrive", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw?.close());

  test("a 40 MiB upload asks for at least two, and its file is stored whole", async () => {
    const big = randomBytes(40 * MiB);
    const before = youngBuffers.collections;
    const up = await gw.upload({ name: "young" }, { "big.bin": big }, "files { sha256 sizeBytes }");
    expect(up.errors).toBeUndefined();
    expect(up.data.createModel.files[0]).toEqual({ sha256: sha256(big), sizeBytes: big.length });
    expect(youngBuffers.collections - before).toBeGreaterThanOrEqual(2);
  });
});
