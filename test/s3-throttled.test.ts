import { GetObjectCommand } from "@aws-sdk/client-s3";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UnavailableError } from "../gateway/src/domain/errors.js";
import { s3Error } from "../gateway/src/storage/s3/errors.js";
import { openS3BlobStore } from "../gateway/src/storage/s3/index.js";
import { createS3Client } from "../gateway/src/storage/s3/s3-client.js";

/**
 * An S3-compatible store that rate-limits with HTTP 429 (as some do, where S3 itself answers
 * 503 SlowDown): the AWS SDK retries it as throttling, and what is left once its attempts are
 * spent is the same "not now" as a 503, never a failure of the request's own.
 */
describe("a store that answers 429 Too Many Requests", () => {
  let server: http.Server;
  let throttled = 0;
  let refusals = 0;
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: "key",
    AWS_SECRET_ACCESS_KEY: "secret",
    AWS_REGION: "us-east-1",
  };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.once("end", () => {
        if (refusals < throttled) {
          refusals++;
          res.writeHead(429, { "content-type": "application/xml" });
          res.end(req.method === "HEAD" ? undefined : "<Error><Code>TooManyRequests</Code><Message>slow down</Message></Error>");
        } else res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("start-up waits for it, as for a store that answers 503", async () => {
    throttled = 4;
    refusals = 0;
    const store = await openS3BlobStore("s3://models/homer", { env, connectTimeoutMs: 20_000 });
    expect(refusals).toBe(4);
    await store.close();
  });

  test("a request it refuses is UNAVAILABLE with Retry-After, not an internal error", async () => {
    throttled = Infinity;
    const client = createS3Client({ forcePathStyle: true, env });
    const error = await client.send(new GetObjectCommand({ Bucket: "models", Key: "homer/blob" })).catch((e: unknown) => e);
    client.destroy();
    const mapped = s3Error(error, "read");
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect((mapped as UnavailableError).details).toEqual({ retryAfterSeconds: 5 });
  });
});
