import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { RegistryError } from "../errors.js";
import type { DownloadOptions, ModelData, TransferProgress } from "../types.js";

const PART_SUFFIX = ".homer-part";

async function sha256OfFile(file: string): Promise<{ hash: ReturnType<typeof createHash>; size: number } | null> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile()) return null;
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), async function* (source) {
    for await (const chunk of source) hash.update(chunk as Buffer);
  });
  return { hash, size: stat.size };
}

/** Resolves `relative` inside `dir`, refusing anything that would land outside it. */
function targetOf(dir: string, relative: string): string {
  const target = path.resolve(dir, ...relative.split("/"));
  if (!target.startsWith(path.resolve(dir) + path.sep)) {
    throw new RegistryError("INTEGRITY_ERROR", `refusing to write ${relative}: it would land outside ${dir}`);
  }
  return target;
}

/**
 * Downloads every file of a version into `dir`. A file already there with the
 * right digest is skipped; a `.homer-part` left by an interrupted download is
 * resumed with a Range request; every file's sha256 is verified before it is
 * renamed into place.
 */
export async function downloadModel(
  model: Pick<ModelData, "files">,
  dir: string,
  options: DownloadOptions & { readonly headers: Readonly<Record<string, string>> },
): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const total = model.files.reduce((sum, f) => sum + f.sizeBytes, 0);
  let done = 0;
  for (const file of model.files) {
    const target = targetOf(dir, file.path);
    const progress = (fileBytes: number) =>
      options.onProgress?.({ path: file.path, fileBytes, fileTotal: file.sizeBytes, bytes: done + fileBytes, total } satisfies TransferProgress);
    const existing = await sha256OfFile(target);
    if (existing && existing.size === file.sizeBytes && existing.hash.digest("hex") === file.sha256) {
      done += file.sizeBytes;
      progress(0);
      continue;
    }
    await fs.mkdir(path.dirname(target), { recursive: true });
    await downloadFile(file, target + PART_SUFFIX, options.headers, (bytes) => progress(bytes));
    await fs.rename(target + PART_SUFFIX, target);
    done += file.sizeBytes;
  }
  return dir;
}

async function downloadFile(
  file: ModelData["files"][number],
  part: string,
  headers: Readonly<Record<string, string>>,
  onBytes: (bytes: number) => void,
): Promise<void> {
  // Only a part shorter than the file can be resumed; hash it to continue the digest.
  const partSize = (await fs.stat(part).catch(() => null))?.size ?? 0;
  const partial = partSize > 0 && partSize < file.sizeBytes ? await sha256OfFile(part) : null;
  const resumeAt = partial?.size ?? 0;
  const requestHeaders: Record<string, string> = { ...headers };
  if (resumeAt > 0) {
    requestHeaders.range = `bytes=${resumeAt}-`;
    requestHeaders["if-range"] = `"${file.sha256}"`;
  }
  let res: Response;
  try {
    res = await fetch(file.downloadUrl, { headers: requestHeaders });
  } catch (error) {
    throw new RegistryError("NETWORK_ERROR", `downloading ${file.path} failed: ${(error as Error).message}`, { cause: error });
  }
  if (res.status === 404) throw new RegistryError("NOT_FOUND", `${file.path} is no longer in the registry (deleted?)`, { status: 404 });
  if (res.status === 401 || res.status === 403) {
    throw new RegistryError(res.status === 401 ? "UNAUTHENTICATED" : "FORBIDDEN", `downloading ${file.path}: HTTP ${res.status}`, { status: res.status });
  }
  if (res.status !== 200 && res.status !== 206) {
    throw new RegistryError("NETWORK_ERROR", `downloading ${file.path}: HTTP ${res.status}`, { status: res.status });
  }
  const resuming = res.status === 206 && resumeAt > 0;
  const hash = resuming ? partial!.hash : createHash("sha256");
  let bytes = resuming ? resumeAt : 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes(bytes);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), count, createWriteStream(part, { flags: resuming ? "a" : "w", flush: true }));
  } catch (error) {
    // Keep the part: the next download resumes from it.
    throw new RegistryError("NETWORK_ERROR", `downloading ${file.path} was interrupted at ${bytes} bytes: ${(error as Error).message}`, { cause: error });
  }
  const digest = hash.digest("hex");
  if (bytes !== file.sizeBytes || digest !== file.sha256) {
    await fs.rm(part, { force: true });
    throw new RegistryError("INTEGRITY_ERROR", `${file.path}: expected sha256 ${file.sha256} (${file.sizeBytes} bytes), got ${digest} (${bytes} bytes)`);
  }
}
