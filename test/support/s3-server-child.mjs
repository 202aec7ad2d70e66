// The S3-compatible server of the tests, in its own process so a test can kill it
// mid-upload: `node s3-server-child.mjs '{"port":0,"directory":"…","bucket":"…","slowMs":0}'`.
// Prints `{"port":N}` on stdout once it listens.
import S3rver from "s3rver";

const { port, directory, bucket, slowMs } = JSON.parse(process.argv[2]);
const server = new S3rver({
  address: "127.0.0.1",
  port,
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
});
if (slowMs > 0) {
  // A slow server: every request waits before s3rver sees it (first in Koa's chain).
  server.middleware.unshift(async (_ctx, next) => {
    await new Promise((resolve) => setTimeout(resolve, slowMs));
    await next();
  });
}
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
