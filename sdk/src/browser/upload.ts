import { aborted, stalled, transportError, unreachable } from "../errors.js";
import type { UploadRequest } from "../local-files.js";
import { createModelFrame, parseCreateResponse, randomBoundary } from "../multipart.js";
import type { ModelData, TransferProgress } from "../types.js";
import type { UploadEntry } from "./files.js";

/**
 * Reports progress from the request body's offset: which file the bytes sent so
 * far reach into, and how much of it and of all files has gone.
 */
function progressReporter(entries: readonly UploadEntry[], starts: readonly number[], onProgress: (progress: TransferProgress) => void) {
  const total = entries.reduce((sum, e) => sum + e.blob.size, 0);
  let last = -1;
  return (bodyBytes: number) => {
    let bytes = 0;
    let current = 0;
    entries.forEach((entry, i) => {
      const sent = Math.min(Math.max(bodyBytes - starts[i]!, 0), entry.blob.size);
      bytes += sent;
      if (bodyBytes >= starts[i]!) current = i;
    });
    if (bytes <= last) return;
    last = bytes;
    const entry = entries[current]!;
    const fileBytes = Math.min(Math.max(bodyBytes - starts[current]!, 0), entry.blob.size);
    onProgress({ path: entry.path, fileBytes, fileTotal: entry.blob.size, bytes, total });
  };
}

/**
 * One createModel request per the GraphQL multipart request spec, the same bytes
 * the Node SDK frames, sent by XMLHttpRequest: fetch reports no upload progress.
 * The body is a Blob of the files' own Blobs, so the browser reads them as it
 * sends and nothing is copied into memory here.
 */
export async function uploadFiles(request: UploadRequest, entries: readonly UploadEntry[]): Promise<ModelData> {
  const frame = createModelFrame(
    randomBoundary(),
    request.input,
    entries.map((e) => e.path),
  );
  const parts: BlobPart[] = [frame.head];
  const starts: number[] = [];
  let offset = new Blob([frame.head]).size;
  entries.forEach((entry, i) => {
    const head = frame.fileHead(i);
    offset += new Blob([head]).size;
    starts.push(offset);
    offset += entry.blob.size + frame.fileEnd.length;
    parts.push(head, entry.blob, frame.fileEnd);
  });
  parts.push(frame.tail);
  const body = new Blob(parts);
  const report = request.onProgress && progressReporter(entries, starts, request.onProgress);
  const { signal } = request;

  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    if (signal?.aborted) return reject(aborted("createModel", signal));
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    // No progress either way for idleMs (a server that stopped reading, or took the body and
    // never answers) aborts the request: XMLHttpRequest's own timeout counts the whole transfer.
    let stall: Error | undefined;
    // A throw from the caller's onProgress is the caller's own: it stops the upload and rejects
    // as thrown (thrown from an XMLHttpRequest event, it went to the page's error handler and
    // the upload went on). Once the whole body is sent the registration can no longer be
    // stopped: a throw from that last report is the page's again, and the answer stands.
    let thrown: { error: unknown } | undefined;
    const progress = (bodyBytes: number) => {
      if (thrown) return;
      try {
        report?.(bodyBytes);
      } catch (error) {
        if (bodyBytes >= body.size) throw error;
        thrown = { error };
        xhr.abort();
      }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stall = stalled(request.idleMs);
        xhr.abort();
      }, request.idleMs);
    };
    xhr.onloadend = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    xhr.open("POST", request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader("content-type", frame.contentType);
    xhr.upload.onprogress = (event) => {
      rearm();
      progress(event.loaded);
    };
    xhr.upload.onload = () => {
      rearm();
      progress(body.size);
    };
    xhr.onprogress = rearm;
    // An early answer (an error) can come before the whole body was sent.
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
    // No answer at all: the network, or a gateway that refused this page's origin (CORS).
    xhr.onerror = () => reject(unreachable("createModel", request.url, new TypeError("the upload failed")));
    xhr.onabort = () => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's own throw, passed on as thrown
      if (thrown) reject(thrown.error);
      else reject(stall ? transportError("createModel", stall.message, { cause: stall }) : aborted("createModel", signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    rearm();
    xhr.send(body);
  });
  return parseCreateResponse(answer);
}
