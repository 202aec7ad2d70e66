/**
 * `homer-gateway check-blobs`: after a restore, finds the versions whose files the blob
 * store lacks before anyone downloads them, on every pair of stores, read-only.
 */
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { CHECK_EXIT, checkBlobs, scanFiles } from "../gateway/src/check-blobs.js";
import { openFileAudit, type FileReference } from "../gateway/src/storage/file-audit.js";
import { makeTempDir, openTestStorage, STORAGE_COMBOS, type TestStorage } from "./support/backends.js";
import { file, sha256 } from "./support/files.js";
import { registryOver } from "./support/registry.js";
import { s3ClientOf, startS3Server, type S3Server } from "./support/s3-server.js";

const ROOT = path.resolve(import.meta.dirname, "..");

let s3: S3Server | undefined;
beforeAll(async () => {
  if (STORAGE_COMBOS.some((c) => c.blobs === "s3")) s3 = await startS3Server();
}, 60_000);
afterAll(() => s3?.stop());

/** Removes a blob behind the registry's back, as a restored copy that lacks it would. */
async function loseBlob(storage: TestStorage, sha: string): Promise<void> {
  if (storage.blobStore === "fs") return fs.rm(path.join(storage.blobDir, sha.slice(0, 2), sha));
  const key = `${storage.blobUrl.slice(`s3://${s3!.bucket}/`.length)}/blobs/${sha.slice(0, 2)}/${sha}`;
  await s3ClientOf(s3!).send(new DeleteObjectCommand({ Bucket: s3!.bucket, Key: key }));
}

/** Replaces a blob's bytes with `text` behind the registry's back, as a copy cut short would leave it. */
async function cutBlob(storage: TestStorage, sha: string, text: string): Promise<void> {
  if (storage.blobStore === "fs") return fs.writeFile(path.join(storage.blobDir, sha.slice(0, 2), sha), text);
  const key = `${storage.blobUrl.slice(`s3://${s3!.bucket}/`.length)}/blobs/${sha.slice(0, 2)}/${sha}`;
  await s3ClientOf(s3!).send(new PutObjectCommand({ Bucket: s3!.bucket, Key: key, Body: text }));
}

/** The settings a gateway of `storage` runs with. */
function envOf(storage: TestStorage): NodeJS.ProcessEnv {
  return { ...(storage.blobStore === "s3" ? s3!.env : {}), HOMER_DATABASE_URL: storage.databaseUrl, HOMER_BLOB_URL: storage.blobUrl };
}

async function run(argv: string[], env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await checkBlobs(argv, env, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

describe.each(STORAGE_COMBOS)("check-blobs (%s)", (combo) => {
  let storage: TestStorage | undefined;
  afterEach(async () => {
    await storage?.cleanup();
    storage = undefined;
  });

  async function registry() {
    storage = await openTestStorage(combo, { s3 });
    return registryOver(storage);
  }

  test("every file present: a summary, exit 0", async () => {
    const r = await registry();
    await r.createModel({ name: "a", files: [file("w.bin", "a1"), file("c.json", "{}")] });
    await r.createModel({ name: "a", files: [file("w.bin", "a2"), file("c.json", "{}")] });
    const { code, out, err } = await run([], envOf(storage!));
    expect({ code, err }).toEqual({ code: CHECK_EXIT.allPresent, err: [] });
    expect(out).toEqual([expect.stringMatching(/^checked 4 file\(s\) of 2 version\(s\) in .*: none missing$/)]);
  });

  test("missing files: one line each (project, model, version, path, sha256) and the summary, exit 1; --json too", async () => {
    const r = await registry();
    await r.createModel({ name: "m", files: [file("weights.bin", "lost bytes"), file("config.json", "{}")] });
    await r.createModel({ name: "m", files: [file("weights.bin", "kept bytes")] });
    // Shared by two versions of two families: both are reported.
    await r.createModel({ name: "other", files: [file("dir/the same.bin", "lost bytes")] });
    await loseBlob(storage!, sha256("lost bytes"));
    const lost = sha256("lost bytes");

    const text = await run([], envOf(storage!));
    expect(text.code).toBe(CHECK_EXIT.missing);
    expect(text.out).toEqual([
      `missing project="default" model="m" version=1 path="weights.bin" sha256=${lost}`,
      `missing project="default" model="other" version=1 path="dir/the same.bin" sha256=${lost}`,
      expect.stringMatching(/^checked 4 file\(s\) of 3 version\(s\) in .*: 2 missing$/),
    ]);

    const json = await run(["--json"], envOf(storage!));
    expect(json.code).toBe(CHECK_EXIT.missing);
    expect(json.out.map((line) => JSON.parse(line) as unknown)).toEqual([
      { missing: { project: "default", model: "m", version: 1, path: "weights.bin", sha256: lost } },
      { missing: { project: "default", model: "other", version: 1, path: "dir/the same.bin", sha256: lost } },
      { summary: { files: 4, versions: 3, missing: 2, wrongSize: 0, store: expect.any(String) } },
    ]);
    // Read-only: the version is still there, its other file too.
    expect((await r.getModel({ name: "m", version: 1 }))?.files?.map((f) => f.path)).toEqual(["config.json", "weights.bin"]);
  });

  test("a blob of another size than its version records (a truncated copy) is reported with both sizes, exit 1; --json too", async () => {
    const r = await registry();
    await r.createModel({ name: "t", files: [file("weights.bin", "all of the weights"), file("ok.txt", "fine")] });
    const sha = sha256("all of the weights");
    await cutBlob(storage!, sha, "all of");
    const text = await run([], envOf(storage!));
    expect(text.code).toBe(CHECK_EXIT.missing);
    expect(text.out).toEqual([
      `wrong-size project="default" model="t" version=1 path="weights.bin" sha256=${sha} size=6 expected=18`,
      expect.stringMatching(/^checked 2 file\(s\) of 1 version\(s\) in .*: 0 missing, 1 of the wrong size$/),
    ]);
    const json = await run(["--json"], envOf(storage!));
    expect(json.code).toBe(CHECK_EXIT.missing);
    expect(json.out.map((line) => JSON.parse(line) as unknown)).toEqual([
      { wrongSize: { project: "default", model: "t", version: 1, path: "weights.bin", sha256: sha, sizeBytes: 18, blobSizeBytes: 6 } },
      { summary: { files: 2, versions: 1, missing: 0, wrongSize: 1, store: expect.any(String) } },
    ]);
  });

  test("more files than a page: every page is read, missing files on several pages are found", async () => {
    const r = await registry();
    for (let v = 1; v <= 5; v++) {
      await r.createModel({ name: "paged", files: Array.from({ length: 5 }, (_, i) => file(`f${i}.bin`, `bytes ${v}.${i}`)) });
    }
    const lost = ["bytes 1.0", "bytes 3.4", "bytes 5.2"];
    for (const bytes of lost) await loseBlob(storage!, sha256(bytes));
    const audit = await openFileAudit({ databaseUrl: storage!.databaseUrl, blobUrl: storage!.blobUrl, env: envOf(storage!) });
    try {
      const pages: number[] = [];
      const counting = { ...audit, files: (size: number) => pagesOf(audit.files(size), pages) };
      const found: FileReference[] = [];
      const summary = await scanFiles(counting, (f) => found.push(f), 4);
      expect(summary).toEqual({ files: 25, versions: 5, missing: 3, wrongSize: 0 });
      expect(pages).toEqual([4, 4, 4, 4, 4, 4, 1]);
      expect(found.map((f) => `${f.version}/${f.path}`)).toEqual(["1/f0.bin", "3/f4.bin", "5/f2.bin"]);
      expect(found.map((f) => f.sha256)).toEqual(lost.map(sha256));
    } finally {
      await audit.close();
    }
  });

  test("a version deleted during the scan (its blob reclaimed after its page was read) is not reported", async () => {
    const r = await registry();
    await r.createModel({ name: "doomed", files: [file("w.bin", "doomed bytes")] });
    await r.createModel({ name: "lost", files: [file("w.bin", "lost bytes")] });
    await loseBlob(storage!, sha256("lost bytes"));
    const audit = await openFileAudit({ databaseUrl: storage!.databaseUrl, blobUrl: storage!.blobUrl, env: envOf(storage!) });
    try {
      let deleted = false;
      const racing = {
        ...audit,
        async blobSize(sha: string) {
          if (sha === sha256("doomed bytes") && !deleted) {
            deleted = true;
            await r.deleteModel({ name: "doomed", version: 1 });
          }
          return audit.blobSize(sha);
        },
      };
      const found: FileReference[] = [];
      const summary = await scanFiles(racing, (f) => found.push(f));
      expect(deleted).toBe(true);
      // The doomed version's blob is really gone by the time it is looked up.
      expect(await audit.blobSize(sha256("doomed bytes"))).toBeUndefined();
      expect(found.map((f) => f.name)).toEqual(["lost"]);
      expect(summary.missing).toBe(1);
    } finally {
      await audit.close();
    }
  });
});

async function* pagesOf<T>(source: AsyncIterable<T[]>, sizes: number[]): AsyncIterable<T[]> {
  for await (const page of source) {
    sizes.push(page.length);
    yield page;
  }
}

describe("check-blobs refuses a configuration it cannot check, with exit 2 and nothing created", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir("homer-check-");
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  test("a SQLite file that does not exist", async () => {
    const database = path.join(dir, "nowhere", "registry.sqlite");
    const { code, out, err } = await run([], { HOMER_DATABASE_URL: database, HOMER_BLOB_URL: path.join(dir, "blobs") });
    expect({ code, out }).toEqual({ code: CHECK_EXIT.failed, out: [] });
    expect(err).toEqual([expect.stringMatching(/^homer check-blobs: .*registry\.sqlite \(HOMER_DATABASE_URL\) does not exist/)]);
    await expect(fs.stat(path.join(dir, "nowhere"))).rejects.toThrow(/ENOENT/);
  });

  test("a database whose schema is not this release's is refused, never migrated", async () => {
    const database = path.join(dir, "empty.sqlite");
    const Database = (await import("better-sqlite3")).default;
    new Database(database).close();
    const { code, err } = await run([], { HOMER_DATABASE_URL: database, HOMER_BLOB_URL: dir });
    expect(code).toBe(CHECK_EXIT.failed);
    expect(err).toEqual([expect.stringMatching(/schema is not this release's \(\d+ migration\(s\) pending, 0001_\w+ first\)/)]);
    const tables = new Database(database, { readonly: true }).prepare("select name from sqlite_master").all();
    expect(tables).toEqual([]);
  });

  test("a blob directory that does not exist, an unknown flag, an unreachable PostgreSQL", async () => {
    const storage = await openTestStorage("sqlite");
    try {
      const missingDir = await run([], { HOMER_DATABASE_URL: storage.databaseUrl, HOMER_BLOB_URL: path.join(dir, "no-blobs") });
      expect(missingDir.code).toBe(CHECK_EXIT.failed);
      expect(missingDir.err).toEqual([expect.stringContaining("no-blobs (HOMER_BLOB_URL) does not exist or is not a directory")]);
      await expect(fs.stat(path.join(dir, "no-blobs"))).rejects.toThrow(/ENOENT/);

      const flag = await run(["--jsno"], { HOMER_DATABASE_URL: storage.databaseUrl, HOMER_BLOB_URL: storage.blobUrl });
      expect(flag).toEqual({ code: CHECK_EXIT.failed, out: [], err: ["homer check-blobs: unknown option --jsno (see --help)"] });
    } finally {
      await storage.cleanup();
    }
    const unreachable = await run([], {
      HOMER_DATABASE_URL: "postgres://postgres@127.0.0.1:1/none",
      HOMER_BLOB_URL: dir,
      HOMER_DB_CONNECT_TIMEOUT_MS: "0",
    });
    expect(unreachable.code).toBe(CHECK_EXIT.failed);
    expect(unreachable.err).toHaveLength(1);
  });
});

test("the gateway's binary runs it: `homer-gateway check-blobs --json` prints the missing files and exits 1", async () => {
  const storage = await openTestStorage("sqlite");
  try {
    const r = registryOver(storage);
    await r.createModel({ name: "bin", files: [file("a.bin", "binary lost")] });
    await fs.rm(path.join(storage.blobDir, sha256("binary lost").slice(0, 2), sha256("binary lost")));
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [path.join(ROOT, "gateway/dist/main.js"), "check-blobs", "--json"],
        { env: { ...process.env, HOMER_DATABASE_URL: storage.databaseUrl, HOMER_BLOB_URL: storage.blobUrl } },
        (_error, stdout) => resolve({ code: child.exitCode, stdout }),
      );
    });
    expect(result.code).toBe(CHECK_EXIT.missing);
    expect(
      result.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { missing: { project: "default", model: "bin", version: 1, path: "a.bin", sha256: sha256("binary lost") } },
      { summary: expect.objectContaining({ files: 1, versions: 1, missing: 1 }) },
    ]);
  } finally {
    await storage.cleanup();
  }
});
