import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { freePort } from "./ports.js";
import { waitFor } from "./wait.js";

/**
 * moto's S3 server (Python; on this machine's image, `moto_server` on the PATH): a real
 * S3-compatible server process that, unlike s3rver, has UploadPartCopy and
 * ListMultipartUploads, so the multipart copy of a blob past the single-copy limit and
 * the abort of one a dead process left run against a server. It keeps everything in
 * its memory; any credentials pass.
 */
export interface MotoServer {
  readonly endpoint: string;
  readonly bucket: string;
  /** `s3://bucket/prefix`, a fresh prefix per server. */
  readonly blobUrl: string;
  readonly env: Readonly<Record<string, string>>;
  /** A plain SDK client, for looking at the bucket behind the store's back. */
  readonly client: S3Client;
  stop(): Promise<void>;
}

export async function startMotoServer(): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(new Error(`moto_server could not start (is moto installed?): ${error.message}`)));
    child.once("exit", (code) => reject(new Error(`moto_server exited (${code}) before listening: ${stderr}`)));
  });
  failed.catch(() => {});
  const env = { AWS_ENDPOINT_URL: endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "moto", AWS_SECRET_ACCESS_KEY: "moto" };
  const client = new S3Client({
    endpoint,
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  const bucket = "homer-moto";
  const stop = async () => {
    client.destroy();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await gone;
  };
  try {
    await Promise.race([
      failed,
      // Flask takes a second or two to listen; until then the bucket's creation fails.
      waitFor(
        "moto_server to listen",
        () =>
          client.send(new CreateBucketCommand({ Bucket: bucket })).then(
            () => true,
            () => false,
          ),
        30_000,
        100,
      ),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, bucket, blobUrl: `s3://${bucket}/t${randomBytes(4).toString("hex")}`, env, client, stop };
}
