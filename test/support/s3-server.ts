import { S3Client } from "@aws-sdk/client-s3";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./s3-server-child.mjs", import.meta.url));

/** s3rver's built-in account: any other key is refused with InvalidAccessKeyId. */
const ACCESS_KEY = "S3RVER";

export interface S3Server {
  readonly endpoint: string;
  readonly port: number;
  readonly bucket: string;
  /** `s3://bucket/prefix`, a fresh prefix per server; add a segment per storage. */
  readonly blobUrl: string;
  /** AWS_* variables that point a child gateway (or the SDK) at this server. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Sets an object's Last-Modified (s3rver reports its file's mtime), as `fs.utimes`
   * ages a staging file: how a test makes an upload look abandoned long ago.
   */
  ageObject(key: string, lastModified: Date): Promise<void>;
  /** Graceful stop; the directory is removed. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or a lost host; the data stays for `restart`. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and directory (after `kill` or while running). */
  restart(): Promise<void>;
}

async function launch(options: { port: number; directory: string; bucket: string; slowMs: number }): Promise<{
  child: ChildProcess;
  port: number;
}> {
  // s3rver signs ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps
  // in its legacy provider: without it every truncated listing is a 500.
  const child = spawn(process.execPath, ["--openssl-legacy-provider", CHILD, JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = "";
    const onData = (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n").find((l) => l.startsWith("{"));
      if (line) {
        child.stdout.off("data", onData);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    };
    child.stdout.on("data", onData);
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`s3rver exited (${code}) before listening: ${stderr}`)));
  });
  child.stdout.resume();
  return { child, port };
}

async function exited(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  await gone;
}

/**
 * A real S3-compatible server (s3rver) in a child process on a free loopback port,
 * in a temp directory, with one bucket. `slowMs` delays every request.
 */
export async function startS3Server(options: { slowMs?: number } = {}): Promise<S3Server> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), "homer-s3-"));
  const bucket = "homer-test";
  const slowMs = options.slowMs ?? 0;
  const launched = await launch({ port: 0, directory, bucket, slowMs });
  let { child } = launched;
  const { port } = launched;
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: ACCESS_KEY,
  };
  return {
    endpoint,
    port,
    bucket,
    blobUrl: `s3://${bucket}/t${randomBytes(4).toString("hex")}`,
    env,
    async ageObject(key, lastModified) {
      // s3rver's layout: <dir>/<bucket>/<key's folders>/<key's last segment>._S3rver_object
      const parts = key.split("/");
      const file = path.join(directory, bucket, ...parts.slice(0, -1), `${parts.at(-1)}._S3rver_object`);
      await fs.utimes(file, lastModified, lastModified);
    },
    async stop() {
      await exited(child, "SIGTERM");
      await fs.rm(directory, { recursive: true, force: true });
    },
    async kill() {
      await exited(child, "SIGKILL");
    },
    async restart() {
      await exited(child, "SIGKILL");
      ({ child } = await launch({ port, directory, bucket, slowMs }));
    },
  };
}

/** A plain SDK client of `server` (for tests that look at the bucket behind the gateway's back). */
export function s3ClientOf(server: S3Server): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: server.env.AWS_ACCESS_KEY_ID!, secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY! },
    // s3rver understands neither flexible checksums nor aws-chunked bodies.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
