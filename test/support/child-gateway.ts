import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The compiled gateway (`npm run build`), run as a real process. */
export const MAIN_JS = fileURLToPath(new URL("../../gateway/dist/main.js", import.meta.url));

const READY_LINE = /Homer is serving GraphQL at (http:\/\/[^\s]+?)\/graphql \(store: /;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ChildGateway {
  readonly child: ChildProcess;
  readonly pid: number;
  /** e.g. `http://127.0.0.1:39123` */
  readonly origin: string;
  readonly port: number;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  /** Everything printed so far, stdout and stderr interleaved (for failure messages). */
  output(): string;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<{ status: number; data?: T; errors?: any[] }>;
  /** Sends `signal` unless the process already exited. */
  kill(signal: NodeJS.Signals): void;
}

export interface RunResult extends Exit {
  readonly stdout: string;
  readonly stderr: string;
}

const live = new Set<ChildProcess>();

/**
 * An environment without the caller's PORT/HOST/HOMER_* settings, so only what
 * a test passes reaches the gateway, and without vitest's NODE_ENV=test (which
 * changes library behaviour, e.g. Apollo's signal handling): the process runs
 * as `node gateway/dist/main.js` from a shell would.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "PORT" || key === "HOST" || key === "NODE_ENV" || key.startsWith("HOMER_")) continue;
    clean[key] = value;
  }
  return { ...clean, HOMER_LOG_LEVEL: "info", ...env };
}

function spawnGateway(args: readonly string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [MAIN_JS, ...args], { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** Runs the gateway to completion (for `--help` and bad options). */
export async function runGateway(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 10_000): Promise<RunResult> {
  const child = spawnGateway(args, env);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exit = await exitOf(child);
  clearTimeout(timer);
  // stdio may still hold buffered output after "exit"
  await new Promise<void>((resolve) => (child.stdout!.readableEnded ? resolve() : child.stdout!.once("end", resolve)));
  await new Promise<void>((resolve) => (child.stderr!.readableEnded ? resolve() : child.stderr!.once("end", resolve)));
  return { ...exit, stdout, stderr };
}

/**
 * Starts `node gateway/dist/main.js --port 0` and resolves once it prints its
 * ready line; rejects (with its output) if it exits or stalls first.
 */
export async function startChildGateway(
  options: { env?: Record<string, string>; args?: readonly string[]; timeoutMs?: number; onOutput?: (text: string) => void } = {},
): Promise<ChildGateway> {
  const child = spawnGateway(["--port", "0", ...(options.args ?? [])], options.env ?? {});
  const exited = exitOf(child);
  let output = "";
  let stderrText = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => {
    output += s;
    options.onOutput?.(output);
  });
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gateway did not become ready in ${options.timeoutMs ?? 15_000} ms:\n${output}`));
    }, options.timeoutMs ?? 15_000);
    child.stderr!.setEncoding("utf8").on("data", (s: string) => {
      output += s;
      stderrText += s;
      options.onOutput?.(output);
      const match = READY_LINE.exec(stderrText);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before it was ready (${JSON.stringify(exit)}):\n${output}`));
    });
  });
  const port = Number(new URL(origin).port);
  return {
    child,
    pid: child.pid!,
    origin,
    port,
    exited,
    output: () => output,
    async gql(query, variables) {
      const res = await fetch(`${origin}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", connection: "close" },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as object) };
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** SIGKILLs every gateway still running and waits for each to exit. */
export async function killAllChildren(): Promise<void> {
  await Promise.all(
    [...live].map((child) => {
      const exit = exitOf(child);
      child.kill("SIGKILL");
      return exit;
    }),
  );
}

/** Resolves with the staging files (name and size) of a blob directory. */
export async function stagingFiles(blobDir: string): Promise<{ name: string; size: number }[]> {
  const dir = path.join(blobDir, ".staging");
  const found: { name: string; size: number }[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const stats = await fs.stat(path.join(dir, name)).catch(() => null);
    if (stats) found.push({ name, size: stats.size });
  }
  return found;
}

/** Polls until `check` returns a truthy value, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// A slow multipart upload (GraphQL multipart request spec), paced by the test.

export const CREATE_MUTATION = "mutation($input: CreateModelInput!){ createModel(input:$input){ version } }";

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
  const boundary = `----homer-test-${randomBytes(8).toString("hex")}`;
  const operations = JSON.stringify({
    query: CREATE_MUTATION,
    variables: { input: { name, files: [{ path: "w.bin", file: null }] } },
  });
  const map = JSON.stringify({ 0: ["variables.input.files.0.file"] });
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n${map}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="w.bin"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const fileSize = chunk.length * options.chunks;
  const hash = createHash("sha256");
  for (let i = 0; i < options.chunks; i++) hash.update(chunk);
  return {
    boundary,
    contentType: `multipart/form-data; boundary=${boundary}`,
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

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Parses HTTP/1.1 responses (Content-Length or chunked) from one connection's bytes. */
export function parseResponses(data: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const headEnd = data.indexOf("\r\n\r\n", at);
    if (headEnd < 0) break;
    const [statusLine, ...lines] = data.subarray(at, headEnd).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let pos = headEnd + 4;
    let body: Buffer;
    if (headers["transfer-encoding"]?.includes("chunked")) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = data.indexOf("\r\n", pos);
        const size = parseInt(data.subarray(pos, lineEnd).toString("latin1"), 16);
        pos = lineEnd + 2;
        if (!size) {
          pos += 2;
          break;
        }
        parts.push(data.subarray(pos, pos + size));
        pos += size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers["content-length"] ?? data.length - pos);
      body = data.subarray(pos, pos + length);
      pos += length;
    }
    responses.push({ status, headers, body: body.toString("utf8") });
    at = pos;
  }
  return responses;
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

/** Whether a fresh TCP connection to `origin` is refused right now. */
export function connectionRefused(origin: string): Promise<boolean> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}
