import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  OWN_GROWTH,
  releaseStartupHeap,
  STREAMING_GROWTH,
  v8Collector,
  YOUNG_COLLECTION_BYTES,
  YoungBuffers,
  youngBuffers,
  youngGenerationBytes,
  type Collect,
} from "../gateway/src/http/young-buffers.js";
import { createPgDatabase, makeTempDir } from "./support/backends.js";
import { MAIN_JS } from "./support/child-gateway.js";
import { sha256 } from "./support/files.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { NODE_LINES, NODE_LINES_RUN_HERE, nodeBinary } from "./support/node-lines.js";

const MiB = 2 ** 20;

describe("YoungBuffers", () => {
  test("asks for one young-generation collection, as a task, each time the bytes received reach the step", () => {
    const asked: unknown[] = [];
    const buffers = new YoungBuffers({ collect: () => (options) => asked.push(options), everyBytes: 16 * MiB });
    buffers.add(10 * MiB);
    buffers.add(6 * MiB - 1);
    expect(asked).toEqual([]);
    buffers.add(1);
    expect(asked).toEqual([{ type: "minor", execution: "async" }]);
    // The count starts again from the collection: 16 MiB more before the next one.
    buffers.add(16 * MiB - 1);
    expect(asked).toHaveLength(1);
    buffers.add(64 * 1024);
    expect(asked).toHaveLength(2);
    expect(buffers.collections).toBe(2);
  });

  test("a chunk larger than the step asks once, not once per step it spans", () => {
    let asked = 0;
    const buffers = new YoungBuffers({ collect: () => () => asked++, everyBytes: 16 * MiB });
    buffers.add(100 * MiB);
    expect(asked).toBe(1);
    buffers.add(1);
    expect(asked).toBe(1);
  });

  test("where V8 gives no collector, bodies are counted and nothing is asked or thrown", () => {
    let looked = 0;
    const flags: string[] = [];
    const buffers = new YoungBuffers({
      collect: () => {
        looked++;
        return undefined;
      },
      setFlags: (set) => flags.push(set),
      everyBytes: MiB,
    });
    for (let i = 0; i < 5; i++) buffers.add(MiB);
    expect(looked).toBe(5);
    expect(buffers.collections).toBe(0);
    // Nor is the old generation's growth changed.
    expect(flags).toEqual([]);
    expect(buffers.growing).toBe(false);
  });

  test("the old generation grows 2× from the first collection asked until bodies have stopped for the settle time, set once", () => {
    vi.useFakeTimers();
    try {
      const flags: string[] = [];
      const buffers = new YoungBuffers({ collect: () => () => {}, setFlags: (set) => flags.push(set), everyBytes: MiB, settleMs: 2000 });
      buffers.add(MiB - 1);
      expect(flags).toEqual([]);
      buffers.add(1);
      expect(flags).toEqual([STREAMING_GROWTH]);
      expect(buffers.growing).toBe(true);
      // Bodies go on arriving: each collection asked for pushes the end back, without setting the flag again.
      for (let i = 0; i < 5; i++) {
        vi.advanceTimersByTime(1500);
        buffers.add(MiB);
      }
      expect(flags).toEqual([STREAMING_GROWTH]);
      vi.advanceTimersByTime(1999);
      expect(buffers.growing).toBe(true);
      vi.advanceTimersByTime(1);
      expect(flags).toEqual([STREAMING_GROWTH, OWN_GROWTH]);
      expect(buffers.growing).toBe(false);
      // A later upload raises it again.
      buffers.add(MiB);
      expect(flags).toEqual([STREAMING_GROWTH, OWN_GROWTH, STREAMING_GROWTH]);
      vi.advanceTimersByTime(2000);
      expect(flags.at(-1)).toBe(OWN_GROWTH);
    } finally {
      vi.useRealTimers();
    }
  });

  test("without setFlags (an operator's own --heap-growing-percent) collections are still asked for", () => {
    let asked = 0;
    const buffers = new YoungBuffers({ collect: () => () => asked++, everyBytes: MiB });
    buffers.add(3 * MiB);
    buffers.add(MiB);
    expect(asked).toBe(2);
    expect(buffers.growing).toBe(false);
  });

  test("the gateway's step is 16 MiB, and V8 knows the growth flag", () => {
    expect(YOUNG_COLLECTION_BYTES).toBe(16 * MiB);
    const flag = STREAMING_GROWTH.slice(2, STREAMING_GROWTH.indexOf("="));
    const options = spawnSync(process.execPath, ["--v8-options"], { encoding: "utf8" }).stdout;
    expect(options).toContain(`--${flag} `);
    expect(OWN_GROWTH).toBe(`--${flag}=0`);
  });
});

describe("the gateway's YoungBuffers and node's command line", () => {
  // The built module in a node of its own, as `node [flags] gateway/dist/main.js` loads it.
  const built = pathToFileURL(path.resolve("gateway/dist/http/young-buffers.js")).href;
  const run = (flags: string[]) =>
    spawnSync(
      process.execPath,
      [
        ...flags,
        "--input-type=module",
        "-e",
        `const { youngBuffers } = await import(${JSON.stringify(built)});
         youngBuffers.add(${16 * MiB});
         console.log(JSON.stringify({ collections: youngBuffers.collections, growing: youngBuffers.growing }));`,
      ],
      { encoding: "utf8" },
    );

  test("by default a collection is asked for and the old generation grows 2×", () => {
    const result = run([]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ collections: 1, growing: true });
  });

  test.each([["--heap-growing-percent=50"], ["--heap_growing_percent=50"]])(
    "an operator's own %s is left alone; collections are still asked for",
    (flag) => {
      const result = run([flag]);
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout)).toEqual({ collections: 1, growing: false });
    },
  );
});

describe("v8Collector", () => {
  test("is V8's gc function on this Node, obtained once, and leaves no gc in later contexts or here", async () => {
    const collect = v8Collector();
    expect(typeof collect).toBe("function");
    expect(v8Collector()).toBe(collect);
    expect(vm.runInNewContext("typeof gc")).toBe("undefined");
    if (!process.execArgv.includes("--expose-gc")) expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    // What it is asked for is a young-generation collection (as Node's gc performance
    // entries report it; a major one fails this) that leaves live buffers alone.
    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) kinds.push((entry as unknown as { detail: { kind: number } }).detail.kind);
    });
    observer.observe({ entryTypes: ["gc"] });
    try {
      const kept = randomBytes(1024);
      const digest = sha256(kept);
      (collect as Collect)({ type: "minor", execution: "async" });
      await vi.waitFor(() => expect(kinds).toContain(constants.NODE_PERFORMANCE_GC_MINOR), { timeout: 2000, interval: 10 });
      expect(sha256(kept)).toBe(digest);
    } finally {
      observer.disconnect();
    }
  });
});

describe("releaseStartupHeap", () => {
  test("asks for one last-resort full collection, run at once, and reports the young generation's size around it", () => {
    const asked: unknown[] = [];
    const released = releaseStartupHeap((options) => asked.push(options));
    expect(asked).toEqual([{ type: "major", execution: "sync", flavor: "last-resort" }]);
    expect(released!.youngBefore).toBe(youngGenerationBytes());
    expect(released!.youngAfter).toBe(youngGenerationBytes());
    expect(youngGenerationBytes()).toBeGreaterThan(0);
  });

  // The built module in a Node of each line: a young generation grown the way a
  // start grows it (many objects that survive their first collections), then released.
  const built = pathToFileURL(path.resolve("gateway/dist/http/young-buffers.js")).href;
  const script = `const { releaseStartupHeap, youngGenerationBytes } = await import(${JSON.stringify(built)});
    const kept = [];
    for (let i = 0; i < 3e6; i++) kept.push({ i });
    const grown = youngGenerationBytes();
    kept.length = 0;
    console.log(JSON.stringify({ v8: Number(process.versions.v8.split(".")[0]), grown, released: releaseStartupHeap() ?? null }));`;

  const lines: Array<[string, string | undefined]> = [
    ["this machine's Node", undefined],
    ...NODE_LINES.map((v): [string, string] => [`Node ${v}`, v]),
  ];
  test.skipIf(!NODE_LINES_RUN_HERE).each(lines)(
    "on %s: shrinks a grown young generation to about 1 MiB where V8 can (12 and later), asks nothing on V8 11",
    async (_line, version) => {
      const node = version === undefined ? process.execPath : await nodeBinary(version);
      const result = spawnSync(node, ["--input-type=module", "-e", script], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      const { v8, grown, released } = JSON.parse(result.stdout) as {
        v8: number;
        grown: number;
        released: { youngBefore: number; youngAfter: number } | null;
      };
      expect(grown).toBeGreaterThanOrEqual(16 * MiB);
      if (v8 < 12) {
        expect(released).toBeNull();
        return;
      }
      expect(released!.youngBefore).toBe(grown);
      expect(released!.youngAfter).toBeLessThanOrEqual(2 * MiB);
    },
    120_000,
  );

  // The gateway itself (`node gateway/dist/main.js`) on each line, on PostgreSQL: the SQLite
  // module is built for this machine's Node and is loaded only for a SQLite database.
  test.skipIf(!NODE_LINES_RUN_HERE).each(lines)(
    "on %s the gateway asks for it once, before it says it is ready (Node 22 and 24), or not at all (Node 20)",
    async (_line, version) => {
      const node = version === undefined ? process.execPath : await nodeBinary(version);
      const db = await createPgDatabase();
      const dataDir = await makeTempDir();
      const env: NodeJS.ProcessEnv = {};
      for (const [key, value] of Object.entries(process.env)) if (key !== "NODE_ENV" && !key.startsWith("HOMER_")) env[key] = value;
      const child = spawn(node, [MAIN_JS, "--port", "0", "--host", "127.0.0.1"], {
        env: { ...env, HOMER_LOG_LEVEL: "debug", HOMER_DATABASE_URL: db.url, HOMER_DATA_DIR: dataDir },
        stdio: ["ignore", "pipe", "pipe"],
      });
      try {
        const logLines: Array<{ msg: string; youngBefore?: number; youngAfter?: number }> = [];
        await new Promise<void>((resolve, reject) => {
          let rest = "";
          child.stdout.setEncoding("utf8").on("data", (text: string) => {
            rest += text;
            for (let end = rest.indexOf("\n"); end >= 0; end = rest.indexOf("\n")) {
              const line = rest.slice(0, end);
              rest = rest.slice(end + 1);
              if (!line.startsWith("{")) continue;
              logLines.push(JSON.parse(line));
              if (logLines.at(-1)!.msg === "Homer gateway ready") resolve();
            }
          });
          child.once("exit", (code) => reject(new Error(`the gateway exited (${code}) before it was ready`)));
        });
        const released = logLines.filter((line) => line.msg.startsWith("startup heap released"));
        const v8 = Number(spawnSync(node, ["-p", "process.versions.v8"], { encoding: "utf8" }).stdout.split(".")[0]);
        if (v8 < 12) {
          expect(released).toEqual([]);
          return;
        }
        expect(released).toHaveLength(1);
        expect(released[0]!.youngBefore).toBeGreaterThanOrEqual(16 * MiB);
        expect(released[0]!.youngAfter).toBeLessThanOrEqual(2 * MiB);
        expect(logLines.indexOf(released[0]!)).toBeLessThan(logLines.findIndex((line) => line.msg === "Homer gateway ready"));
      } finally {
        child.kill("SIGKILL");
        await db.drop();
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

describe("uploads and streamed downloads ask for young-generation collections as their bytes go by", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw?.close());

  test("a 40 MiB upload asks for at least two, and so does its archive's download; the file's own download none", async () => {
    const big = randomBytes(40 * MiB);
    const before = youngBuffers.collections;
    const up = await gw.upload({ name: "young" }, { "big.bin": big }, "archiveUrl files { sha256 sizeBytes downloadUrl }");
    expect(up.errors).toBeUndefined();
    const { archiveUrl, files } = up.data.createModel;
    expect(files[0]).toMatchObject({ sha256: sha256(big), sizeBytes: big.length });
    const afterUpload = youngBuffers.collections;
    expect(afterUpload - before).toBeGreaterThanOrEqual(2);
    // The old generation grows 2× until the bodies have stopped for a while.
    expect(youngBuffers.growing).toBe(true);

    // A file's download reuses its buffers (BlobFile.writeTo): nothing to collect.
    const file = Buffer.from(await (await fetch(files[0].downloadUrl)).arrayBuffer());
    expect(sha256(file)).toBe(sha256(big));
    expect(youngBuffers.collections).toBe(afterUpload);

    // An archive streams fresh buffers: counted like a body.
    const archive = Buffer.from(await (await fetch(archiveUrl)).arrayBuffer());
    expect(archive.length).toBeGreaterThan(big.length);
    expect(archive.includes(big.subarray(0, 4096))).toBe(true);
    expect(youngBuffers.collections - afterUpload).toBeGreaterThanOrEqual(2);
  });
});
