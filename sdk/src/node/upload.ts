import { createReadStream } from "node:fs";
import http from "node:http";
import https from "node:https";
import { MAX_ANSWER_BYTES } from "../client.js";
import { RegistryError } from "../errors.js";
import type { UploadRequest } from "../local-files.js";
import { createModelFrame, parseCreateResponse, randomBoundary } from "../multipart.js";
import type { ModelData, TransferProgress } from "../types.js";
import type { LocalFile } from "./directory.js";
import { cutWhenIdle } from "./idle.js";

/** A file's bytes; a file that cannot be read (removed or made unreadable since it was listed) is BAD_USER_INPUT, not a network error. */
async function* readFile(file: LocalFile): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of createReadStream(file.absolutePath, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    throw new RegistryError("BAD_USER_INPUT", `${file.path} could not be read: ${(error as Error).message}`, {
      cause: error,
      field: "modelPath",
    });
  }
}

/**
 * One createModel request per the GraphQL multipart request spec, streamed file
 * by file from disk over node:http with a known Content-Length. Node 20's fetch
 * would buffer the whole body; this keeps memory flat for any model size.
 */
export async function uploadDirectory(request: UploadRequest, files: readonly LocalFile[]): Promise<ModelData> {
  const frame = createModelFrame(
    randomBoundary(),
    request.input,
    files.map((f) => f.path),
  );
  const fileHead = (i: number) => Buffer.from(frame.fileHead(i));
  const head = Buffer.from(frame.head);
  const tail = Buffer.from(frame.tail);
  const total = files.reduce((sum, f) => sum + f.sizeBytes, 0);
  const length = head.length + tail.length + files.reduce((sum, f, i) => sum + fileHead(i).length + f.sizeBytes + frame.fileEnd.length, 0);

  const failed = (error: unknown) =>
    new RegistryError("NETWORK_ERROR", `uploading to ${request.url} failed: ${(error as Error).message}`, { cause: error });
  const url = new URL(request.url);
  const transport = url.protocol === "https:" ? https : http;
  // A connection of its own, destroyed once this request is done: when the server
  // answers early (an error) the body stops short of Content-Length, and a reused
  // socket would feed the next request into this one's body. It still asks for
  // keep-alive: with `Connection: close` the server closes as soon as it has
  // answered, and our pending writes could fail before its answer is read.
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 1 });
  const req = transport.request(url, {
    method: "POST",
    agent,
    headers: {
      ...request.headers,
      "content-type": frame.contentType,
      "content-length": String(length),
    },
  });

  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once("close", () => agent.destroy());
    req.once("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        // Past this no string holds the answer: `body += chunk` would throw inside the event, uncaught.
        if (body.length + chunk.length > MAX_ANSWER_BYTES) {
          res.destroy(new Error(`the registry's answer went on past ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        body += chunk;
      });
      res.once("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.once("error", reject);
    });
    req.once("error", reject);
  });
  // A server that stops reading the body, or that took all of it and never answers (or stops
  // half-way through its answer), fails the upload instead of holding it.
  const idle = cutWhenIdle(req, request.idleMs);
  // The server may answer (an error) before the body is sent: stop sending then.
  let answered = false;
  response.then(
    () => (answered = true),
    () => (answered = true),
  );

  const write = (chunk: Buffer) =>
    new Promise<void>((resolve, reject) => {
      if (answered || req.destroyed) return resolve();
      req.write(chunk, (error) => (error ? reject(error) : resolve()));
    });

  // A throw from the caller's onProgress is the caller's own: it stops the upload and rejects as thrown.
  let thrown: { error: unknown } | undefined;
  const report = (progress: TransferProgress) => {
    try {
      request.onProgress?.(progress);
    } catch (error) {
      thrown = { error };
      throw error;
    }
  };

  try {
    await write(head);
    let bytes = 0;
    for (const [i, file] of files.entries()) {
      await write(fileHead(i));
      let fileBytes = 0;
      for await (const chunk of readFile(file)) {
        if (answered) break;
        fileBytes += chunk.length;
        bytes += chunk.length;
        if (fileBytes > file.sizeBytes) throw new RegistryError("BAD_USER_INPUT", `${file.path} grew while it was being uploaded`);
        await write(chunk);
        report({ path: file.path, fileBytes, fileTotal: file.sizeBytes, bytes, total });
      }
      if (!answered && fileBytes !== file.sizeBytes) {
        throw new RegistryError("BAD_USER_INPUT", `${file.path} changed size while it was being uploaded`);
      }
      if (file.sizeBytes === 0) report({ path: file.path, fileBytes: 0, fileTotal: 0, bytes, total });
      await write(Buffer.from(frame.fileEnd));
    }
    await write(tail);
    if (answered) req.destroy();
    else req.end();
  } catch (error) {
    if (thrown) {
      req.destroy();
      await response.catch(() => {});
      throw thrown.error;
    }
    // A server that refused early may close the connection under our writes; its answer says why.
    const answer = answered ? await response.catch(() => null) : null;
    req.destroy();
    if (answer) return parseCreateResponse(answer);
    await response.catch(() => {});
    if (error instanceof RegistryError) throw error;
    throw failed(idle.error ?? error);
  }

  let result: { status: number; body: string };
  try {
    result = await response;
  } catch (error) {
    throw failed(idle.error ?? error);
  }
  return parseCreateResponse(result);
}
