import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RegistryError, type TransferProgress } from "@homer/sdk";
import { downloadModel, PartWriter, WRITE_BATCH_BYTES } from "../sdk/dist/node/download.js";
import { makeTempDir } from "./support/backends.js";
import { sha256 } from "./support/files.js";

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
    if (!wrote) await new Promise((resolve) => (res.once("drain", resolve), res.once("close", resolve)));
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

  test("a disk that refuses the bytes is a write failure, not a network error", async () => {
    const content = randomBytes(2 * WRITE_BATCH_BYTES);
    const server = await fileServer(serve(content));
    const out = path.join(root, "full");
    await fs.mkdir(out);
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    await fs.symlink("/dev/full", path.join(out, partName(content)));
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
});
