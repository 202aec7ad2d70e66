import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { ConfigError } from "../../config.js";
import { httpStatusOf, isAccessProblem, isUnavailable, s3CodeOf, s3Error } from "./errors.js";
import { MAX_KEY_BYTES, S3BlobStore, type S3BlobStoreOptions } from "./s3-blob-store.js";
import { createS3Client, parseS3Url } from "./s3-client.js";

export { S3BlobStore } from "./s3-blob-store.js";
export { copyParts } from "./copy-plan.js";

export interface OpenS3Options {
  /** Path-style addressing; undefined: on exactly when AWS_ENDPOINT_URL is set. */
  readonly forcePathStyle?: boolean;
  /** How long start-up waits, retrying, for an unreachable store (default 60 s). */
  readonly connectTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: { warn(details: object, message: string): void };
  /** Tuning for tests and benchmarks (part sizes, ages); see S3BlobStoreOptions. */
  readonly tuning?: Omit<S3BlobStoreOptions, "client" | "location">;
}

/**
 * Opens the blob store of `s3://bucket/prefix` and checks that the bucket answers.
 * A missing bucket or refused credentials stop start-up with a ConfigError; an
 * unreachable store is retried with backoff for `connectTimeoutMs`.
 */
export async function openS3BlobStore(url: string, options: OpenS3Options = {}): Promise<S3BlobStore> {
  const location = parseS3Url(url);
  // Refused at start, not by the store at the first upload, after the service went live.
  const longest = S3BlobStore.longestKeyBytes(location);
  if (longest > MAX_KEY_BYTES) {
    const room = Buffer.byteLength(location.prefix) - (longest - MAX_KEY_BYTES);
    throw new ConfigError(
      `blob store URL ${url}: the prefix is too long: keys under it would reach ${longest} bytes, over the ${MAX_KEY_BYTES} an object key may have (at most ${Math.max(0, room)} bytes of prefix on this host)`,
    );
  }
  const client = createS3Client({ forcePathStyle: options.forcePathStyle, env: options.env ?? process.env });
  const deadline = Date.now() + (options.connectTimeoutMs ?? 60_000);
  for (let attempt = 0; ; attempt++) {
    try {
      await client.send(new HeadBucketCommand({ Bucket: location.bucket }));
      // Downloads on their own connections: a download holds one for as long as its
      // client takes to read it (hours, for a slow one), and 64 of them held every
      // connection uploads, promotions and the readiness probe need. Each download is
      // one client connection, so HOMER_MAX_CONNECTIONS bounds these.
      const readClient = createS3Client({ forcePathStyle: options.forcePathStyle, env: options.env ?? process.env, maxSockets: Infinity });
      return new S3BlobStore({ ...options.tuning, client, readClient, location });
    } catch (error) {
      if (isUnavailable(error) && Date.now() < deadline) {
        if (attempt === 0) options.logger?.warn({ err: s3Error(error, "connect") }, "waiting for the S3 blob store");
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5_000)));
        continue;
      }
      client.destroy();
      const status = httpStatusOf(error);
      // 400 to HeadBucket (no body, so no code): S3's answer to an expired or malformed session token.
      if (status === 400 && !isAccessProblem(error)) {
        throw new ConfigError(
          `blob store ${url}: the store refused the request (400 ${s3CodeOf(error) ?? ""}); check that AWS_SESSION_TOKEN has not expired, and AWS_REGION and AWS_ENDPOINT_URL`,
        );
      }
      if (isAccessProblem(error) || status === 404) {
        const answer = status === 404 ? "404: no such bucket" : `${status ?? ""} ${s3CodeOf(error) ?? ""}`.trim();
        throw new ConfigError(
          `blob store ${url}: the bucket does not exist or these credentials may not use it (${answer}); check AWS_ACCESS_KEY_ID / AWS_PROFILE, AWS_REGION and AWS_ENDPOINT_URL`,
        );
      }
      if (error instanceof Error && /region|credential/i.test(error.message)) {
        throw new ConfigError(`blob store ${url}: ${error.message}`);
      }
      throw s3Error(error, "open");
    }
  }
}
