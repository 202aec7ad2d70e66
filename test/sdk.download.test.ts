import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { getEventListeners } from "node:events";
import { constants } from "node:fs";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RegistryError, type TransferProgress } from "@homer/sdk";
import { DEFAULT_CONCURRENCY, downloadModel, MAX_CONCURRENCY, PartWriter, WRITE_BATCH_BYTES } from "../sdk/dist/node/download.js";
import { MAX_REDIRECTS } from "../sdk/dist/node/http-get.js";
import { makeTempDir } from "./support/backends.js";
import { sha256 } from "./support/files.js";
import { drainedOrClosed } from "./support/drain.js";

/** How a test's server answers one GET of the file: `bytes` from `start`, then either the end or a cut. */
type Answer = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

/** A file server whose answers each test writes: the SDK's download against what a server may really do. */
async function fileServer(answer: Answer) {
  const ranges: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    ranges.push(req.headers.range);
    void answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    ranges,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Sends `bytes` in writes of `step`, each after the last was flushed. */
async function sendInSteps(res: http.ServerResponse, bytes: Buffer, step: number): Promise<void> {
  for (let at = 0; at < bytes.length; at += step) {
    if (res.destroyed) return;
    const wrote = res.write(bytes.subarray(at, at + step));
    if (!wrote) {
      await drainedOrClosed(res);
    }
  }
}

/** Whole or from a `Range: bytes=N-`: the answer a real file server gives. */
const serve =
  (content: Buffer, step = 65_536): Answer =>
  async (req, res) => {
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
    const body = content.subarray(start);
    res.writeHead(start > 0 ? 206 : 200, {
      "content-length": body.length,
      ...(start > 0 ? { "content-range": `bytes ${start}-${content.length - 1}/${content.length}` } : {}),
    });
    await sendInSteps(res, body, step);
    res.end();
  };

const fileOf = (content: Buffer, origin: string, name = "weights.bin") => ({
  path: name,
  sizeBytes: content.length,
  sha256: sha256(content),
  downloadUrl: `${origin}/files/${name}`,
});

const partName = (content: Buffer, name = "weights.bin") => `${name}.${sha256(content).slice(0, 16)}.homer-part`;

describe("SDK download into files", () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir("homer-sdk-download-");
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const download = (files: ReturnType<typeof fileOf>[], dir: string, onProgress?: (p: TransferProgress) => void) =>
    downloadModel({ files }, dir, { headers: {}, origin: "http://127.0.0.1:1", ...(onProgress ? { onProgress } : {}) });

  test("a file of several batches arrives whole, with progress up to its size", async () => {
    const content = randomBytes(5 * WRITE_BATCH_BYTES + 12_345);
    const server = await fileServer(serve(content));
    const out = path.join(root, "whole");
    const seen: TransferProgress[] = [];
    await download([fileOf(content, server.origin)], out, (p) => seen.push(p));
    await server.close();
    expect(sha256(await fs.readFile(path.join(out, "weights.bin")))).toBe(sha256(content));
    expect(seen.at(-1)).toMatchObject({ fileBytes: content.length, bytes: content.length, total: content.length });
    expect(seen.every((p, i) => i === 0 || p.bytes >= seen[i - 1]!.bytes)).toBe(true);
    await expect(fs.stat(path.join(out, partName(content)))).rejects.toThrow();
  });

  test("a transfer cut short keeps every byte that arrived, and the next download resumes after them", async () => {
    const content = randomBytes(3 * WRITE_BATCH_BYTES + 777);
    // Less than a batch past the last full one: those bytes are only gathered when the connection drops.
    const sent = 2 * WRITE_BATCH_BYTES + 300_001;
    const cut = await fileServer(async (_req, res) => {
      res.writeHead(200, { "content-length": content.length });
      await sendInSteps(res, content.subarray(0, sent), 50_000);
      res.socket!.end();
    });
    const out = path.join(root, "cut");
    const error = await download([fileOf(content, cut.origin)], out).catch((e: unknown) => e);
    await cut.close();
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("NETWORK_ERROR");
    expect((error as RegistryError).message).toMatch(`interrupted at ${sent} bytes`);
    const part = path.join(out, partName(content));
    expect((await fs.stat(part)).size).toBe(sent);

    const whole = await fileServer(serve(content));
    await download([fileOf(content, whole.origin)], out);
    await whole.close();
    expect(whole.ranges).toEqual([`bytes=${sent}-`]);
    expect(sha256(await fs.readFile(path.join(out, "weights.bin")))).toBe(sha256(content));
    await expect(fs.stat(part)).rejects.toThrow();
  });

  test("a server that sends more than the file holds is refused, and nothing is kept", async () => {
    const content = randomBytes(WRITE_BATCH_BYTES + 5);
    const longer = Buffer.concat([content, randomBytes(3 * WRITE_BATCH_BYTES)]);
    const server = await fileServer(async (_req, res) => {
      res.writeHead(200, { "content-length": longer.length });
      await sendInSteps(res, longer, 65_536);
      res.end();
    });
    const out = path.join(root, "longer");
    const error = await download([fileOf(content, server.origin)], out).catch((e: unknown) => e);
    await server.close();
    expect((error as RegistryError).code).toBe("INTEGRITY_ERROR");
    expect((error as RegistryError).message).toMatch(`the server sent more than ${content.length} bytes`);
    expect(await fs.readdir(out)).toEqual([]);
  });

  test("a disk that refuses the bytes is a write failure, not a network error", async (ctx) => {
    const content = randomBytes(2 * WRITE_BATCH_BYTES);
    const out = path.join(root, "full");
    await fs.mkdir(out);
    // Every write to /dev/full (character device 1, 7) fails with ENOSPC, as on a full disk. Its
    // own node in the part's place, not a symlink to it: a symlink there is never written through.
    if (spawnSync("mknod", [path.join(out, partName(content)), "c", "1", "7"]).status !== 0) ctx.skip("making a device node needs root");
    const server = await fileServer(serve(content));
    const error = await download([fileOf(content, server.origin)], out).catch((e: unknown) => e);
    await server.close();
    expect((error as RegistryError).code).toBe("INTEGRITY_ERROR");
    expect((error as RegistryError).message).toMatch(/writing .*homer-part failed after 0 bytes: ENOSPC/);
    await expect(fs.stat(path.join(out, "weights.bin"))).rejects.toThrow();

    // A part that cannot be opened at all (a folder in its place) says so too.
    await fs.rm(path.join(out, partName(content)));
    await fs.mkdir(path.join(out, partName(content)));
    const again = await fileServer(serve(content));
    const refused = await download([fileOf(content, again.origin)], out).catch((e: unknown) => e);
    await again.close();
    expect((refused as RegistryError).code).toBe("INTEGRITY_ERROR");
    expect((refused as RegistryError).message).toMatch(/cannot write .*homer-part: EISDIR/);
  });

  test("a folder that is a file is a write failure, and nothing is asked", async () => {
    const server = await fileServer(serve(Buffer.from("weights")));
    const out = path.join(root, "a-file");
    await fs.writeFile(out, "mine");
    const error = await download([fileOf(Buffer.from("weights"), server.origin)], out).catch((e: unknown) => e);
    await server.close();
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("INTEGRITY_ERROR");
    expect((error as RegistryError).message).toMatch(/cannot create the folder .*a-file: EEXIST/);
    expect(server.ranges).toEqual([]);
    expect(await fs.readFile(out, "utf8")).toBe("mine");
  });

  test("a folder where a file goes is a write failure naming the file, and the folder is left as it was", async () => {
    const content = Buffer.from("weights");
    const server = await fileServer(serve(content));
    const out = path.join(root, "folder-in-place");
    await fs.mkdir(path.join(out, "weights.bin", "mine"), { recursive: true });
    const error = await download([fileOf(content, server.origin)], out).catch((e: unknown) => e);
    await server.close();
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("INTEGRITY_ERROR");
    expect((error as RegistryError).message).toMatch(/cannot put weights\.bin in place: (EISDIR|ENOTEMPTY|EEXIST)/);
    expect(await fs.readdir(path.join(out, "weights.bin"))).toEqual(["mine"]);
  });

  test("names as long as the registry takes (255 bytes) download, two alike but for their end each whole", async () => {
    const content = randomBytes(3 * WRITE_BATCH_BYTES);
    const server = await fileServer(serve(content));
    // 255 bytes each: "é" is two.
    const names = ["a", "b"].map((end) => `${"é".repeat(125)}${end}.bin`);
    expect(names.map((n) => Buffer.byteLength(n))).toEqual([255, 255]);
    const out = path.join(root, "long-names");
    await download(
      names.map((name) => fileOf(content, server.origin, name)),
      out,
    );
    await server.close();
    expect((await fs.readdir(out)).sort()).toEqual(names);
    for (const name of names) expect(sha256(await fs.readFile(path.join(out, name)))).toBe(sha256(content));
  });

  test("a FIFO where the part goes is a write failure at once, never waited on nor put in the file's place", async () => {
    const content = Buffer.from("weights");
    const server = await fileServer(serve(content));
    const out = path.join(root, "fifo-part");
    await fs.mkdir(out);
    const part = path.join(out, partName(content));
    spawnSync("mkfifo", [part]);
    const downloaded = download([fileOf(content, server.origin)], out).catch((e: unknown) => e);
    const settled = await Promise.race([downloaded, new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000))]);
    // A download still waiting to open it for writing is let go by a reader.
    if (settled === null) await (await fs.open(part, constants.O_RDONLY | constants.O_NONBLOCK)).close();
    await server.close();
    expect(settled).not.toBeNull();
    expect((settled as RegistryError).code).toBe("INTEGRITY_ERROR");
    expect((settled as RegistryError).message).toMatch(/cannot write .*homer-part: ENXIO/);
    expect((await fs.lstat(part)).isFIFO()).toBe(true);
    await expect(fs.lstat(path.join(out, "weights.bin"))).rejects.toThrow();
  });

  test("PartWriter: nothing is written until a batch is full, then the batch goes out in one piece", async () => {
    const file = path.join(root, "batches");
    const writer = await PartWriter.open(file, false);
    const chunk = randomBytes(64 * 1024);
    const perBatch = WRITE_BATCH_BYTES / chunk.length;
    for (let i = 0; i < perBatch - 1; i++) await writer.write(chunk);
    expect(writer.written).toBe(0);
    // The chunk that fills the batch starts its write; the one that fills the next waits for it.
    for (let i = 0; i < perBatch + 1; i++) await writer.write(chunk);
    expect(writer.written).toBe(WRITE_BATCH_BYTES);
    await writer.close(true);
    expect(writer.written).toBe(2 * WRITE_BATCH_BYTES);
    expect((await fs.stat(file)).size).toBe(2 * WRITE_BATCH_BYTES);
  });

  test("PartWriter: small chunks (gathered by copying) and large ones (kept as they are), interleaved, are written whole and in order", async () => {
    const file = path.join(root, "small-chunks");
    // Mostly a few hundred bytes, a read of 20–70 KB now and then, as a server may send them.
    const chunks = Array.from({ length: 5000 }, (_, i) => randomBytes(i % 997 === 0 ? 20_000 + 10 * i : 1 + (i % 333)));
    const total = chunks.reduce((sum, c) => sum + c.length, 0);
    const writer = await PartWriter.open(file, false);
    for (const chunk of chunks) await writer.write(chunk);
    await writer.write(new Uint8Array(0));
    await writer.close(true);
    expect(writer.written).toBe(total);
    expect(sha256(await fs.readFile(file))).toBe(sha256(Buffer.concat(chunks)));

    // Appending (a resumed part) keeps what is there; closing without keeping drops what was only gathered.
    const more = await PartWriter.open(file, true);
    await more.write(Buffer.from("tail"));
    await more.close(false);
    expect(more.written).toBe(0);
    expect((await fs.stat(file)).size).toBe(total);
    const kept = await PartWriter.open(file, true);
    await kept.write(Buffer.from("tail"));
    await kept.close(true);
    expect((await fs.readFile(file)).subarray(-4).toString()).toBe("tail");
  });

  test("a partial answer that does not start where the part ends, or that no one asked for, is refused and the part kept", async () => {
    const content = randomBytes(WRITE_BATCH_BYTES + 999);
    const out = path.join(root, "wrong-range");
    await fs.mkdir(out);
    const part = path.join(out, partName(content));
    await fs.writeFile(part, content.subarray(0, 1000));
    // Sends its bytes from 0 whatever was asked, and says so.
    const fromStart = await fileServer(async (_req, res) => {
      res.writeHead(206, { "content-length": content.length, "content-range": `bytes 0-${content.length - 1}/${content.length}` });
      await sendInSteps(res, content, 65_536);
      res.end();
    });
    const wrong = await download([fileOf(content, fromStart.origin)], out).catch((e: unknown) => e);
    expect((wrong as RegistryError).code).toBe("INTEGRITY_ERROR");
    expect((wrong as RegistryError).message).toMatch(
      `answered "bytes 0-${content.length - 1}/${content.length}" to a request for bytes 1000-; the part on disk is kept`,
    );
    expect(await fs.readFile(part)).toEqual(content.subarray(0, 1000));
    // A partial answer to a request for the whole file: with a Content-Range, then without one.
    const unasked = await download([fileOf(content, fromStart.origin)], path.join(root, "unasked")).catch((e: unknown) => e);
    await fromStart.close();
    expect((unasked as RegistryError).code).toBe("INTEGRITY_ERROR");
    expect((unasked as RegistryError).message).toMatch(/to a request for the whole file; nothing was written/);
    expect(await fs.readdir(path.join(root, "unasked"))).toEqual([]);
    const bare = await fileServer((_req, res) => void res.writeHead(206, { "content-length": 3 }).end("abc"));
    const noRange = await download([fileOf(content, bare.origin)], path.join(root, "no-range")).catch((e: unknown) => e);
    await bare.close();
    expect((noRange as RegistryError).message).toMatch(/answered part of the file without saying which to a request for the whole file/);
    expect(await fs.readdir(path.join(root, "no-range"))).toEqual([]);
  });

  test("a file list that names one file twice, or a file as a folder, leaves the folder or holds a NUL is INTEGRITY_ERROR before anything is asked or made", async () => {
    const content = randomBytes(1000);
    const server = await fileServer(serve(content));
    const cases: [string, string[], RegExp][] = [
      ["twice", ["a/w.bin", "a/w.bin"], /listed "a\/w\.bin" twice/],
      ["two paths, one file", ["a/w.bin", "a//w.bin"], /listed "a\/\/w\.bin" twice, or two paths for one file/],
      ["outside", ["w.bin", "../../escaped.bin"], /refusing to write "\.\.\/\.\.\/escaped\.bin": it would land outside/],
      ["the folder itself", ["w.bin", "."], /refusing to write "\.": it would land outside/],
      ["empty", [""], /refusing to write "": it would land outside/],
      ["NUL", ["w.bin", "x\0.bin"], /refusing to write "x\\u0000\.bin": a path cannot hold NUL/],
      ["a file and a folder", ["a/b/c.bin", "a/b"], /listed "a\/b" as a file and as the folder of "a\/b\/c\.bin"/],
    ];
    for (const [name, paths, message] of cases) {
      const out = path.join(root, "listed", "deep", "out");
      const error = await download(
        paths.map((p) => fileOf(content, server.origin, p)),
        out,
      ).catch((e: unknown) => e);
      expect((error as RegistryError).code, name).toBe("INTEGRITY_ERROR");
      expect((error as RegistryError).message, name).toMatch(message);
      await expect(fs.stat(path.join(root, "listed")), name).rejects.toThrow();
    }
    await server.close();
    expect(server.ranges).toEqual([]);
  });

  const KEY = { authorization: "Bearer hmr_secret" };

  test("a redirect within the connection's origin keeps the API key; one to another origin drops it for good, and the Range goes along", async () => {
    const content = randomBytes(WRITE_BATCH_BYTES + 4321);
    const keys: Record<string, (string | undefined)[]> = { origin: [], foreign: [] };
    const foreign = await fileServer(async (req, res) => {
      keys.foreign!.push(req.headers.authorization);
      if (req.url === "/back") {
        res.writeHead(302, { location: `${home.origin}/final` }).end();
        return;
      }
      await serve(content)(req, res);
    });
    const home = await fileServer(async (req, res) => {
      keys.origin!.push(req.headers.authorization);
      if (req.url === "/files/weights.bin") res.writeHead(307, { location: "/moved" }).end();
      else if (req.url === "/moved") res.writeHead(307, { location: `${foreign.origin}/back` }).end();
      else await serve(content)(req, res);
    });
    const out = path.join(root, "redirected");
    await fs.mkdir(out);
    const resumeAt = 300_000;
    await fs.writeFile(path.join(out, partName(content)), content.subarray(0, resumeAt));
    await downloadModel({ files: [fileOf(content, home.origin)] }, out, { headers: KEY, origin: home.origin });
    await foreign.close();
    await home.close();
    expect(sha256(await fs.readFile(path.join(out, "weights.bin")))).toBe(sha256(content));
    // Home, home again (a relative Location), the foreign host, then home: keyless once it left.
    expect(keys.origin).toEqual([KEY.authorization, KEY.authorization, undefined]);
    expect(keys.foreign).toEqual([undefined]);
    expect(home.ranges).toEqual([`bytes=${resumeAt}-`, `bytes=${resumeAt}-`, `bytes=${resumeAt}-`]);
  });

  test("redirects that never end, lead to a URL no HTTP client can fetch, or name no valid URL fail as NETWORK_ERROR, having written nothing", async () => {
    const content = randomBytes(1000);
    const cases: [string, string, RegExp][] = [
      ["loop", "/files/weights.bin", new RegExp(`more than ${MAX_REDIRECTS} redirects`)],
      ["file", "file:///etc/passwd", /cannot follow file: URLs/],
      ["data", "data:text/plain,hello", /cannot follow data: URLs/],
      ["invalid", "http://[::1", /redirected to an invalid URL/],
    ];
    for (const [name, location, message] of cases) {
      let asked = 0;
      const server = await fileServer((_req, res) => {
        asked++;
        res.writeHead(301, { location }).end();
      });
      const out = path.join(root, `redirect-${name}`);
      const error = await download([fileOf(content, server.origin)], out).catch((e: unknown) => e);
      await server.close();
      expect(error, name).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code, name).toBe("NETWORK_ERROR");
      expect((error as RegistryError).message, name).toMatch(message);
      expect(asked, name).toBe(name === "loop" ? MAX_REDIRECTS + 1 : 1);
      expect(await fs.readdir(out), name).toEqual([]);
    }
  });

  test("a server that stops sending is given up after the idle limit, before its answer or in its body; what arrived is kept", async () => {
    const content = randomBytes(3 * WRITE_BATCH_BYTES);
    const sent = WRITE_BATCH_BYTES + 10_000;
    const silent = await fileServer(() => {});
    const stalls = await fileServer(async (_req, res) => {
      res.writeHead(200, { "content-length": content.length });
      await sendInSteps(res, content.subarray(0, sent), 10_000);
    });
    const options = { headers: {}, origin: "http://127.0.0.1:1", idleMs: 300 };
    const before = await downloadModel({ files: [fileOf(content, silent.origin)] }, path.join(root, "silent"), options).catch(
      (e: unknown) => e,
    );
    const out = path.join(root, "stalled");
    const started = Date.now();
    const during = await downloadModel({ files: [fileOf(content, stalls.origin)] }, out, options).catch((e: unknown) => e);
    const waited = Date.now() - started;
    await silent.close();
    await stalls.close();
    for (const error of [before, during]) {
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code).toBe("NETWORK_ERROR");
      expect((error as RegistryError).message).toMatch(/no bytes for 0\.3 s/);
    }
    expect((during as RegistryError).message).toMatch(`interrupted at ${sent} bytes`);
    expect(waited).toBeLessThan(10_000);
    expect((await fs.stat(path.join(out, partName(content)))).size).toBe(sent);
  });

  test("an abort stops the download as ABORTED, keeps what arrived, and the next download resumes from it", async () => {
    const content = randomBytes(4 * WRITE_BATCH_BYTES);
    const controller = new AbortController();
    const server = await fileServer(serve(content, 65_536));
    const out = path.join(root, "aborted");
    const error = await downloadModel({ files: [fileOf(content, server.origin)] }, out, {
      headers: {},
      origin: server.origin,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.fileBytes >= 2 * WRITE_BATCH_BYTES) controller.abort(new Error("enough"));
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("ABORTED");
    expect(((error as RegistryError).cause as Error).message).toBe("enough");
    const kept = (await fs.stat(path.join(out, partName(content)))).size;
    expect(kept).toBeGreaterThanOrEqual(2 * WRITE_BATCH_BYTES);
    expect(kept).toBeLessThan(content.length);
    await expect(fs.stat(path.join(out, "weights.bin"))).rejects.toThrow();

    // A caller's long-lived signal, given to a download that completes, keeps no listener of it.
    const longLived = new AbortController();
    await downloadModel({ files: [fileOf(content, server.origin)] }, out, { headers: {}, origin: server.origin, signal: longLived.signal });
    expect(getEventListeners(longLived.signal, "abort")).toEqual([]);
    expect(server.ranges).toEqual([undefined, `bytes=${kept}-`]);
    expect(sha256(await fs.readFile(path.join(out, "weights.bin")))).toBe(sha256(content));

    // Aborted before it starts: nothing is asked, nothing is made.
    const asked = server.ranges.length;
    const early = await downloadModel({ files: [fileOf(content, server.origin)] }, path.join(root, "never"), {
      headers: {},
      origin: server.origin,
      signal: AbortSignal.abort(),
    }).catch((e: unknown) => e);
    await server.close();
    expect((early as RegistryError).code).toBe("ABORTED");
    expect(server.ranges.length).toBe(asked);
    await expect(fs.stat(path.join(root, "never"))).rejects.toThrow();
  });

  test("files download a few at a time, as many as asked, and progress counts them all", async () => {
    const contents = Array.from({ length: 11 }, (_, i) => randomBytes(100_000 + i * 7_000));
    let open = 0;
    let most = 0;
    const server = await fileServer(async (req, res) => {
      open++;
      most = Math.max(most, open);
      // Held a little, so that the files asked at once overlap.
      await new Promise((resolve) => setTimeout(resolve, 30));
      const i = Number(/file-(\d+)/.exec(req.url ?? "")![1]);
      await serve(contents[i]!)(req, res);
      open--;
    });
    const files = contents.map((c, i) => fileOf(c, server.origin, `dir/file-${i}.bin`));
    const total = contents.reduce((sum, c) => sum + c.length, 0);
    for (const concurrency of [undefined, 1, MAX_CONCURRENCY]) {
      most = 0;
      const out = path.join(root, `many-${concurrency ?? "default"}`);
      const seen: TransferProgress[] = [];
      await downloadModel({ files }, out, {
        headers: {},
        origin: server.origin,
        ...(concurrency ? { concurrency } : {}),
        onProgress: (p) => seen.push(p),
      });
      expect(most, String(concurrency)).toBe(Math.min(concurrency ?? DEFAULT_CONCURRENCY, files.length));
      for (const [i, c] of contents.entries()) expect(sha256(await fs.readFile(path.join(out, "dir", `file-${i}.bin`)))).toBe(sha256(c));
      expect(seen.every((p, i) => i === 0 || p.bytes >= seen[i - 1]!.bytes)).toBe(true);
      expect(seen.at(-1)).toMatchObject({ bytes: total, total });
      expect(new Set(seen.map((p) => p.path)).size).toBe(files.length);
    }
    await server.close();
  });

  test("a folder, a signal or an onProgress of the wrong type is BAD_USER_INPUT naming it, and nothing is asked or made", async () => {
    const server = await fileServer(serve(randomBytes(10)));
    const files = [fileOf(randomBytes(10), server.origin)];
    const out = path.join(root, "bad-options");
    const cases: [string, unknown, Record<string, unknown>, RegExp][] = [
      ["dir", 42, {}, /dir must be a folder path, not 42/],
      ["dir", "", {}, /dir must be a folder path, not ""/],
      ["dir", `${out}\0x`, {}, /dir must be a folder path, not ".*\\u0000x"/],
      ["signal", out, { signal: "stop" }, /signal must be an AbortSignal, not "stop"/],
      ["signal", out, { signal: { aborted: false } }, /signal must be an AbortSignal, not \{"aborted":false\}/],
      ["onProgress", out, { onProgress: "log" }, /onProgress must be a function, not "log"/],
      ["concurrency", out, { concurrency: 10n }, /concurrency must be a whole number from 1 to 16, not 10/],
      ["concurrency", out, { concurrency: "x".repeat(100_000) }, /concurrency must be a whole number from 1 to 16, not "x{99}$/],
    ];
    for (const [field, dir, options, message] of cases) {
      const error = await downloadModel({ files }, dir as string, { headers: {}, origin: server.origin, ...options }).catch(
        (e: unknown) => e,
      );
      expect(error, field).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code, field).toBe("BAD_USER_INPUT");
      expect((error as RegistryError).field, field).toBe(field);
      expect((error as RegistryError).message, field).toMatch(message);
      await expect(fs.stat(out)).rejects.toThrow();
    }
    await server.close();
    expect(server.ranges).toEqual([]);
  });

  test("a concurrency that is not a whole number from 1 to 16 is BAD_USER_INPUT, and nothing is asked or made", async () => {
    const server = await fileServer(serve(randomBytes(10)));
    const files = [fileOf(randomBytes(10), server.origin)];
    for (const concurrency of [0, -1, 17, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "4", null]) {
      const out = path.join(root, "bad-concurrency");
      const error = await downloadModel({ files }, out, { headers: {}, origin: server.origin, concurrency: concurrency as number }).catch(
        (e: unknown) => e,
      );
      expect((error as RegistryError).code, String(concurrency)).toBe("BAD_USER_INPUT");
      expect((error as RegistryError).message).toMatch(/concurrency must be a whole number from 1 to 16/);
      await expect(fs.stat(out)).rejects.toThrow();
    }
    await server.close();
    expect(server.ranges).toEqual([]);
  });

  test("one file that fails stops the others: its error is the one thrown, and what the others received is kept for the next download", async () => {
    const good = Array.from({ length: 6 }, () => randomBytes(3 * WRITE_BATCH_BYTES));
    const half = Math.floor(1.5 * WRITE_BATCH_BYTES);
    let stall = true;
    const server = await fileServer(async (req, res) => {
      const name = req.url!.slice("/files/".length);
      if (name === "gone.bin") {
        // Once the files beside it have sent their first half.
        await new Promise((resolve) => setTimeout(resolve, 150));
        res.writeHead(404).end();
        return;
      }
      const content = good[Number(/(\d+)/.exec(name)![1])]!;
      if (!stall) return serve(content)(req, res);
      res.writeHead(200, { "content-length": content.length });
      await sendInSteps(res, content.subarray(0, half), 65_536);
    });
    const files = [...good.map((c, i) => fileOf(c, server.origin, `good-${i}.bin`)), fileOf(randomBytes(10), server.origin, "gone.bin")];
    files.splice(1, 0, files.pop()!);
    const out = path.join(root, "one-fails");
    const error = await downloadModel({ files }, out, { headers: {}, origin: server.origin }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("NOT_FOUND");
    expect((error as RegistryError).message).toMatch(/gone\.bin is no longer in the registry/);
    // good-0, gone, good-1 and good-2 were asked at once; the files after them never were.
    expect(server.ranges).toEqual([undefined, undefined, undefined, undefined]);
    const parts = (await fs.readdir(out)).sort();
    expect(parts).toEqual([0, 1, 2].map((i) => partName(good[i]!, `good-${i}.bin`)));
    for (const part of parts) expect((await fs.stat(path.join(out, part))).size).toBe(half);

    // Served whole now (and gone.bin taken out of the version): the three parts resume.
    stall = false;
    await downloadModel({ files: files.filter((f) => f.path !== "gone.bin") }, out, { headers: {}, origin: server.origin });
    await server.close();
    expect(server.ranges.slice(4).filter((r) => r !== undefined)).toEqual([`bytes=${half}-`, `bytes=${half}-`, `bytes=${half}-`]);
    for (const [i, content] of good.entries()) expect(sha256(await fs.readFile(path.join(out, `good-${i}.bin`)))).toBe(sha256(content));
  });
});
