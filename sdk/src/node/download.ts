import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { codeForStatus, RegistryError } from "../errors.js";
import type { DownloadOptions, ModelData, TransferProgress } from "../types.js";

/** A part names the digest it belongs to: a part of older bytes is never resumed. */
const partOf = (target: string, sha256: string) => `${target}.${sha256.slice(0, 16)}.homer-part`;
const MAX_RATE_LIMIT_WAITS = 20;

async function sha256OfFile(file: string): Promise<{ hash: ReturnType<typeof createHash>; size: number } | null> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile()) return null;
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) hash.update(chunk);
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

/** The API key only travels to the connection's own origin. */
function credentialsFor(url: string, options: { readonly headers: Readonly<Record<string, string>>; readonly origin: string }) {
  if (new URL(url).origin === options.origin) return { headers: options.headers, foreign: false };
  const { authorization: _, ...rest } = options.headers;
  return { headers: rest, foreign: true };
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
  options: DownloadOptions & { readonly headers: Readonly<Record<string, string>>; readonly origin: string },
): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const total = model.files.reduce((sum, f) => sum + f.sizeBytes, 0);
  let done = 0;
  for (const file of model.files) {
    const target = targetOf(dir, file.path);
    const progress = (fileBytes: number) =>
      options.onProgress?.({
        path: file.path,
        fileBytes,
        fileTotal: file.sizeBytes,
        bytes: done + fileBytes,
        total,
      } satisfies TransferProgress);
    const size = (await fs.stat(target).catch(() => null))?.size;
    const existing = size === file.sizeBytes ? await sha256OfFile(target) : null;
    if (existing && existing.hash.digest("hex") === file.sha256) {
      done += file.sizeBytes;
      progress(0);
      continue;
    }
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
    } catch (error) {
      throw new RegistryError("INTEGRITY_ERROR", `cannot create the folder for ${file.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const part = partOf(target, file.sha256);
    await downloadFile(file, part, credentialsFor(file.downloadUrl, options), (bytes) => progress(bytes));
    await fs.rename(part, target);
    done += file.sizeBytes;
  }
  return dir;
}

async function downloadFile(
  file: ModelData["files"][number],
  part: string,
  { headers, foreign }: { headers: Readonly<Record<string, string>>; foreign: boolean },
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
  for (let waits = 0; ; waits++) {
    try {
      res = await fetch(file.downloadUrl, { headers: requestHeaders });
    } catch (error) {
      throw new RegistryError("NETWORK_ERROR", `downloading ${file.path} failed: ${(error as Error).message}`, { cause: error });
    }
    // Rate limited: wait as told and go on (a version may have more files than a minute's budget).
    if (res.status !== 429 || waits >= MAX_RATE_LIMIT_WAITS) break;
    await res.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number(res.headers.get("retry-after")) || 1, 60) * 1000));
  }
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel();
    const code = codeForStatus(res.status);
    const why =
      code === "NOT_FOUND"
        ? "is no longer in the registry (deleted?)"
        : foreign && (code === "UNAUTHENTICATED" || code === "FORBIDDEN")
          ? `is served from ${new URL(file.downloadUrl).origin}, not the connection's origin, ` +
            "so no API key was sent (set HOMER_PUBLIC_URL on the gateway)"
          : `could not be downloaded: HTTP ${res.status}`;
    throw new RegistryError(code, `${file.path} ${why}`, { status: res.status });
  }
  const resuming = res.status === 206 && resumeAt > 0;
  const hash = resuming ? partial!.hash : createHash("sha256");
  let bytes = resuming ? resumeAt : 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      // Never write more than the registry said the file holds.
      if (bytes > file.sizeBytes)
        return callback(new RegistryError("INTEGRITY_ERROR", `${file.path}: the server sent more than ${file.sizeBytes} bytes`));
      hash.update(chunk);
      onBytes(bytes);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
      count,
      createWriteStream(part, { flags: resuming ? "a" : "w", flush: true }),
    );
  } catch (error) {
    if (error instanceof RegistryError) {
      await fs.rm(part, { force: true });
      throw error;
    }
    // Keep the part: the next download resumes from it.
    throw new RegistryError("NETWORK_ERROR", `downloading ${file.path} was interrupted at ${bytes} bytes: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const digest = hash.digest("hex");
  if (bytes !== file.sizeBytes || digest !== file.sha256) {
    await fs.rm(part, { force: true });
    throw new RegistryError(
      "INTEGRITY_ERROR",
      `${file.path}: expected sha256 ${file.sha256} (${file.sizeBytes} bytes), got ${digest} (${bytes} bytes)`,
    );
  }
}
