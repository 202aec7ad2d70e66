/**
 * A slow createModel upload (GraphQL multipart request spec) paced by the test:
 * through `node:http` (a real client) or, when the test must pipeline raw
 * requests behind the body, over a bare socket.
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { parseResponses, type RawResponse } from "./http1-responses.js";
import { CREATE_MODEL, streamedCreateModel } from "./multipart.mjs";
import { sleep } from "./wait.js";

export interface UploadBody {
  readonly boundary: string;
  readonly contentType: string;
  /** operations, map and the file part's headers. */
  readonly head: Buffer;
  /** Closes the file part and the body. */
  readonly tail: Buffer;
  readonly contentLength: number;
  /** The file's bytes, `chunk` repeated `chunks` times. */
  readonly chunk: Buffer;
  readonly chunks: number;
  readonly fileSize: number;
  readonly fileSha256: string;
}

/** A createModel body for `name` with one file `w.bin` of `chunks` × `chunkBytes` bytes. */
export function uploadBody(name: string, options: { chunks: number; chunkBytes?: number }): UploadBody {
  const chunk = randomBytes(options.chunkBytes ?? 64 * 1024);
  const { boundary, contentType, head, tail } = streamedCreateModel(CREATE_MODEL, { name }, "w.bin");
  const fileSize = chunk.length * options.chunks;
  const hash = createHash("sha256");
  for (let i = 0; i < options.chunks; i++) hash.update(chunk);
  return {
    boundary,
    contentType,
    head,
    tail,
    contentLength: head.length + fileSize + tail.length,
    chunk,
    chunks: options.chunks,
    fileSize,
    fileSha256: hash.digest("hex"),
  };
}

export interface UploadResponse {
  readonly status: number;
  readonly body: any;
}

export interface SlowUpload {
  readonly body: UploadBody;
  /** The server's answer; rejects when the connection fails first. */
  readonly response: Promise<UploadResponse>;
  /** File bytes written so far. */
  sent(): number;
  /** Stops writing file bytes; the request stays open. */
  hold(): void;
  /** Goes back to writing a chunk every `delayMs`. */
  resume(): void;
  /** Writes the rest of the file without delay and ends the request. */
  finish(): void;
  /** Resolves once every byte (tail included) was handed to the socket. */
  readonly done: Promise<void>;
}

/**
 * Streams a createModel upload over one connection: the head at once, then the
 * file in chunks every `delayMs` until held, finished or done. `write` gets the
 * bytes; `end` is called after the tail.
 */
function pump(
  body: UploadBody,
  delayMs: number,
  write: (bytes: Buffer) => Promise<void>,
  end: () => void,
): Pick<SlowUpload, "sent" | "hold" | "resume" | "finish" | "done"> {
  let sentChunks = 0;
  // An object, so TypeScript does not narrow what the controls below change.
  const state: { mode: "slow" | "held" | "fast"; wake?: () => void } = { mode: "slow" };
  const done = (async () => {
    await write(body.head);
    while (sentChunks < body.chunks) {
      if (state.mode === "held") {
        await new Promise<void>((resolve) => (state.wake = resolve));
        continue;
      }
      await write(body.chunk);
      sentChunks++;
      if (state.mode === "slow") await sleep(delayMs);
    }
    await write(body.tail);
    end();
  })();
  return {
    sent: () => sentChunks * body.chunk.length,
    hold() {
      state.mode = "held";
    },
    resume() {
      state.mode = "slow";
      state.wake?.();
    },
    finish() {
      state.mode = "fast";
      state.wake?.();
    },
    done,
  };
}

/** A slow upload through `node:http` (a real client, Content-Length framed). */
export function startSlowUpload(origin: string, body: UploadBody, options: { delayMs?: number } = {}): SlowUpload {
  const req = http.request(`${origin}/graphql`, {
    method: "POST",
    agent: false,
    headers: {
      "apollo-require-preflight": "true",
      "content-type": body.contentType,
      "content-length": String(body.contentLength),
    },
  });
  const response = new Promise<UploadResponse>((resolve, reject) => {
    req.once("error", reject);
    req.once("response", (res) => {
      const parts: Buffer[] = [];
      res.on("data", (b: Buffer) => parts.push(b));
      res.once("error", reject);
      res.once("aborted", () => reject(new Error("response aborted")));
      res.once("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // keep the text
        }
        resolve({ status: res.statusCode!, body: parsed });
      });
    });
  });
  response.catch(() => {}); // observed by the test; never unhandled
  const write = (bytes: Buffer) =>
    new Promise<void>((resolve, reject) => {
      if (req.destroyed) return reject(new Error("request destroyed"));
      req.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  const pumped = pump(body, options.delayMs ?? 10, write, () => req.end());
  pumped.done.catch(() => {});
  return { body, response, ...pumped };
}

export interface RawUpload extends Omit<SlowUpload, "response"> {
  /** Every response the connection carried, once the server closed it. */
  readonly responses: Promise<RawResponse[]>;
}

/**
 * The same upload over a bare TCP socket, so a test can pipeline more requests
 * (`after`, raw HTTP/1.1 text) on the connection right behind the upload's body.
 */
export function startRawUpload(origin: string, body: UploadBody, options: { delayMs?: number; after?: string } = {}): RawUpload {
  const { hostname, port, host } = new URL(origin);
  const socket = net.connect({ host: hostname, port: Number(port) });
  const received: Buffer[] = [];
  socket.on("data", (b: Buffer) => received.push(b));
  const responses = new Promise<RawResponse[]>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("close", () => resolve(parseResponses(Buffer.concat(received))));
  });
  responses.catch(() => {});
  const head =
    `POST /graphql HTTP/1.1\r\nHost: ${host}\r\napollo-require-preflight: true\r\n` +
    `Content-Type: ${body.contentType}\r\nContent-Length: ${body.contentLength}\r\n\r\n`;
  socket.write(head);
  const write = (bytes: Buffer) =>
    new Promise<void>((resolve, reject) => {
      if (socket.destroyed) return reject(new Error("socket destroyed"));
      socket.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  const pumped = pump(body, options.delayMs ?? 10, write, () => {
    if (options.after) socket.write(options.after);
  });
  pumped.done.catch(() => {});
  return { body, responses, ...pumped };
}
