#!/usr/bin/env node
import { constants } from "node:os";
import { pino } from "pino";
import { startGateway, type Gateway } from "./app.js";
import { checkBlobs } from "./check-blobs.js";
import { ConfigError, helpText, loadConfig, withoutCredentials } from "./config.js";
import { redactingLogger } from "./http/safe-log.js";
import { releaseStartupHeap } from "./http/young-buffers.js";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "check-blobs") {
    process.exitCode = await checkBlobs(argv.slice(1), process.env, {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
    return;
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(helpText());
    return;
  }
  let config;
  try {
    config = loadConfig(argv, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`homer: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const log = redactingLogger(pino({ level: config.logLevel, base: { service: "homer-gateway" } }));
  let gateway: Gateway | undefined;

  // Handled from the start: as PID 1 (a container's exec-form CMD) the process gets only the
  // signals it handles, so without a handler a stop during start-up (waiting for PostgreSQL or
  // the bucket, or for another replica's migration) was dropped until the orchestrator killed
  // it after its grace period. Before the gateway serves nothing is in flight: it exits (an
  // unfinished migration rolls back with its transaction), with the shell's code for the signal.
  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    if (gateway === undefined) {
      log.info({ signal }, "signal during start-up: exiting");
      process.exit(128 + constants.signals[signal]);
    }
    if (++signals > 1) {
      log.warn({ signal }, "second signal: exiting without draining");
      process.exit(1);
    }
    log.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down: draining in-flight requests");
    gateway.close().then(
      ({ cutRequests, cutUploads }) => {
        if (cutRequests === 0) log.info("shut down cleanly");
        else {
          log.warn(
            { cutRequests, cutUploads, graceMs: config.shutdownGraceMs },
            `shut down after the grace period cut off ${cutRequests} in-flight request(s), ${cutUploads} of them upload(s)`,
          );
        }
        process.exit(0);
      },
      (error) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);

  try {
    gateway = await startGateway(config, { log });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`homer: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  // A promise that rejected with nothing to handle it is a bug of the gateway's or of a library's
  // (graphql-js stops completing a list at an item that throws and never waits on the items
  // before it: BENCHMARKS.md §4), not a fault of one request: logged at error level, where Node's
  // default would end the process, and every other client's request and upload with it. An
  // uncaught exception still ends it: what threw may have left state half-changed.
  process.on("unhandledRejection", (reason) => {
    log.error({ err: reason }, "a promise rejected with nothing to handle it (a bug): logged, and the gateway goes on");
  });
  const released = releaseStartupHeap();
  if (released) log.debug(released, "startup heap released: young generation shrunk");
  const store = `${withoutCredentials(config.databaseUrl)} + ${config.blobUrl}`;
  log.info({ endpoint: `${gateway.origin}/graphql`, store }, "Homer gateway ready");
  process.stderr.write(`Homer is serving GraphQL at ${gateway.origin}/graphql (store: ${store})\n`);
  if (config.ide) process.stderr.write(`Open ${gateway.origin}/graphql in a browser for the GraphQL IDE.\n`);
}

main().catch((error) => {
  process.stderr.write(`homer: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
