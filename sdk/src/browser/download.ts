import { aborted, fromGraphQLErrors, RegistryError, transportError, unreachable, type GraphQLErrorBody } from "../errors.js";
import type { ModelFileInfo, TransferProgress } from "../types.js";
import { Sha256 } from "./sha256.js";
import type { BrowserDownloadOptions } from "./options.js";

/** A GET of `url` that answered 200; any other outcome is a RegistryError saying what was being done. */
export async function fetchOk(
  url: string,
  doing: string,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal | undefined,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { headers, signal });
  } catch (error) {
    if (signal?.aborted) throw aborted(doing, signal);
    throw unreachable(doing, url, error);
  }
  if (res.status === 200) return res;
  // The gateway answers a download's failure as GraphQL does: `{ errors: [{ message, extensions: { code } }] }`.
  const body = await res.text().catch(() => "");
  let errors: GraphQLErrorBody[] | undefined;
  try {
    errors = (JSON.parse(body) as { errors?: GraphQLErrorBody[] }).errors;
  } catch {
    // not JSON (a proxy's page): the status says it
  }
  throw fromGraphQLErrors(errors, doing, { status: res.status }) ?? transportError(doing, `HTTP ${res.status}`, { status: res.status });
}

/**
 * `res`'s body with the transport's failures as RegistryErrors (ABORTED once the
 * signal fired, else NETWORK_ERROR); `check` sees every chunk and the end, and
 * what it throws errors the stream.
 */
export function guardedStream(
  res: Response,
  doing: string,
  signal: AbortSignal | undefined,
  check: { chunk?(chunk: Uint8Array): void; end?(): void } = {},
): ReadableStream<Uint8Array> {
  const reader = (res.body ?? new Blob([]).stream()).getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        if (signal?.aborted) throw aborted(doing, signal);
        throw new RegistryError("NETWORK_ERROR", `${doing} was interrupted: ${(error as Error).message}`, { cause: error });
      }
      if (result.done) {
        check.end?.();
        controller.close();
        return;
      }
      try {
        check.chunk?.(result.value);
      } catch (error) {
        // Wrong bytes: stop the download too, not only what the reader sees.
        void reader.cancel(error).catch(() => {});
        throw error;
      }
      controller.enqueue(result.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** Counts a file's bytes as they arrive, reporting progress; more than the registry said is INTEGRITY_ERROR. */
function counter(file: ModelFileInfo, doing: string, onProgress: BrowserDownloadOptions["onProgress"]) {
  const count = {
    bytes: 0,
    add(chunk: Uint8Array) {
      count.bytes += chunk.length;
      if (count.bytes > file.sizeBytes)
        throw new RegistryError("INTEGRITY_ERROR", `${doing}: the server sent more than ${file.sizeBytes} bytes`);
      onProgress?.(progressOf(file, count.bytes));
    },
  };
  return count;
}

/**
 * `res`'s body, counted against `file` and hashed as it passes: more bytes than
 * the registry said, or a digest that differs at the end, errors the stream with
 * INTEGRITY_ERROR, so a reader never sees it end cleanly on wrong bytes.
 */
export function verifiedStream(
  res: Response,
  file: ModelFileInfo,
  doing: string,
  options: BrowserDownloadOptions,
): ReadableStream<Uint8Array> {
  const hash = new Sha256();
  const count = counter(file, doing, options.onProgress);
  return guardedStream(res, doing, options.signal, {
    chunk(chunk) {
      count.add(chunk);
      hash.update(chunk);
    },
    end() {
      checkDigest(file, doing, hash.hex(), count.bytes);
      if (count.bytes === 0) options.onProgress?.(progressOf(file, 0));
    },
  });
}

/**
 * `res`'s body as a Blob, its sha256 checked before it is returned: by WebCrypto
 * over the bytes read into one buffer of the file's size, or, where a page has no
 * WebCrypto (not a secure context), by the SDK's own SHA-256 as the bytes stream in.
 */
export async function verifiedBlob(res: Response, file: ModelFileInfo, doing: string, options: BrowserDownloadOptions): Promise<Blob> {
  const type = "application/octet-stream";
  const subtle = (globalThis.crypto as Crypto | undefined)?.subtle;
  if (!subtle) {
    const chunks: Uint8Array[] = [];
    const reader = verifiedStream(res, file, doing, options).getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
    return new Blob(chunks as BlobPart[], { type });
  }
  const bytes = new Uint8Array(file.sizeBytes);
  const count = counter(file, doing, options.onProgress);
  const reader = guardedStream(res, doing, options.signal, {
    chunk(chunk) {
      const at = count.bytes;
      count.add(chunk); // throws before a chunk past the file's size is copied
      bytes.set(chunk, at);
    },
  }).getReader();
  while (!(await reader.read()).done);
  const digest = Array.from(new Uint8Array(await subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
  checkDigest(file, doing, digest, count.bytes);
  if (count.bytes === 0) options.onProgress?.(progressOf(file, 0));
  return new Blob([bytes], { type });
}

function progressOf(file: ModelFileInfo, bytes: number): TransferProgress {
  return { path: file.path, fileBytes: bytes, fileTotal: file.sizeBytes, bytes, total: file.sizeBytes };
}

/** Throws INTEGRITY_ERROR unless `digest` and `bytes` are the file's. */
export function checkDigest(
  file: Pick<ModelFileInfo, "path" | "sha256" | "sizeBytes">,
  doing: string,
  digest: string,
  bytes: number,
): void {
  if (bytes !== file.sizeBytes || digest !== file.sha256) {
    throw new RegistryError(
      "INTEGRITY_ERROR",
      `${doing}: expected sha256 ${file.sha256} (${file.sizeBytes} bytes), got ${digest} (${bytes} bytes)`,
    );
  }
}
