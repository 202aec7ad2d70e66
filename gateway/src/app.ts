import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import express from "express";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import type { Context } from "./graphql/context.js";
import { AnswerBudget } from "./graphql/answer-budget.js";
import { requestReporting } from "./graphql/request-reporting.js";
import { stringifyResult } from "./graphql/stringify-result.js";
import { createFormatError } from "./graphql/format-error.js";
import { buildRegistrySchema } from "./schema.js";
import { fixedSchemaGateway, jitExecutor } from "./graphql/jit-executor.js";
import { graphqlMultipart } from "./graphql/multipart.js";
import { downloadRoutes } from "./http/downloads.js";
import { ticketAuthentication } from "./http/ticket-auth.js";
import { errorHandler, noRoute, unrouted } from "./http/error-handler.js";
import { healthRoutes } from "./http/health.js";
import { ideRoutes } from "./http/ide.js";
import { webAppRoutes } from "./http/web-app.js";
import { logUnrouted, requestLog } from "./http/request-log.js";
import { createHttpServer, type DrainReport } from "./http/server.js";
import { apolloLogger, redactingLogger } from "./http/safe-log.js";
import { settleUnreadBody } from "./http/unread-body.js";
import { requestOrigin, type TrustFunction } from "./http/urls.js";
import { refuseDeclaredOversize } from "./http/body-limit.js";
import { AccessService } from "./access/access.service.js";
import { guardStartup } from "./access/startup.js";
import { RequestLimiter } from "./access/request-limiter.js";
import { isLoopback } from "./domain/loopback.js";
import { createMetrics, type Metrics } from "./metrics/index.js";
import { metricsRoute } from "./http/metrics-route.js";
import { operationLimits } from "./graphql/limits.js";
import { answerOptions, authenticate, browserSafety, rateLimit, recheckCaller, securityHeaders } from "./http/guards.js";
import { graphqlLane } from "./graphql/http-lane.js";
import { RegistryService } from "./registry/registry.service.js";
import { ModelEventHub } from "./registry/model-events.js";
import { serveSubscriptions } from "./graphql/subscriptions.js";
import { recoverBeforeServing, scanForOrphans } from "./registry/recovery.js";
import { closeStorage, openStorage, type Storage } from "./storage/factory.js";

/** The web app's production build (`npm run build` in web/), beside the gateway in the repository. */
const WEB_APP_DIRECTORY = fileURLToPath(new URL("../../web/dist/", import.meta.url));

export interface Gateway {
  /** e.g. `http://127.0.0.1:4000` */
  readonly origin: string;
  readonly registry: RegistryService;
  /** Event subscriptions open on this process right now. */
  openSubscriptions(): number;
  /** This gateway's Prometheus metrics. */
  readonly metrics: Metrics;
  /** Settles when the background scan for orphaned blob files is done (how many it reclaimed). */
  readonly orphanScan: Promise<number>;
  /**
   * Stops taking requests, lets in-flight ones finish (up to the grace period),
   * closes storage; reports the requests the end of the grace period cut off.
   */
  close(): Promise<DrainReport>;
}

/** Opens storage, recovers from any earlier crash, and serves until `close()`. */
export async function startGateway(config: Config, options: { log: Logger; storage?: Storage }): Promise<Gateway> {
  // Every line the gateway writes passes through the redaction of secrets.
  const log = redactingLogger(options.log);
  // SQLite's reader threads take a listing only while another request is in progress:
  // a lone request reads faster on the event loop (storage/sqlite/index.ts).
  const traffic = { concurrent: () => false };
  const storage = options.storage ?? (await openStorage({ ...config, logger: log, offloadReads: () => traffic.concurrent() }));
  let gateway: Gateway | undefined;
  try {
    gateway = await serve(config, storage, log, traffic);
    return gateway;
  } finally {
    // A refused start-up, a failed recovery or a port already taken: nothing is left open.
    if (!gateway) await closeStorage(storage);
  }
}

/** Everything after the stores are open: guard, recover, assemble, listen. */
async function serve(config: Config, storage: Storage, log: Logger, traffic: { concurrent: () => boolean }): Promise<Gateway> {
  const access = new AccessService(
    storage.access,
    { openWhenNoKeys: isLoopback(config.host) || config.insecure, openModeRecheckMs: config.openModeRecheckMs },
    log,
  );
  const events = new ModelEventHub(storage.events, config, (caller) => access.recheck(caller), log);
  const registry = new RegistryService(storage.metadata, storage.blobs, config, log, events, (caller) => access.recheck(caller));
  await guardStartup(config, access, log);
  await recoverBeforeServing(registry, log);
  if (config.blobRedirect && !storage.blobs.presignRead) {
    log.warn({ blobStore: storage.blobStore }, "HOMER_BLOB_REDIRECT has no effect on this blob store: downloads are streamed");
  }

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", typeof config.trustProxy === "object" ? [...config.trustProxy] : config.trustProxy);
  const https = config.publicUrl !== undefined && new URL(config.publicUrl).protocol === "https:";
  // The same headers on every answer: express's routes, the lane's and the requests express never routes.
  const headers = securityHeaders({ https });
  const metrics = createMetrics({ poolStats: storage.poolStats, subscribers: () => events.size, operations: config.metricsOperations });
  // Common GraphQL calls take a lane without express (see graphqlLane); it is set once the route is built.
  let lane: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const {
    server: httpServer,
    drain,
    concurrent,
  } = createHttpServer(
    // With a last callback of ours (express makes `req` and `res` its own either way).
    (req, res) =>
      void (
        lane?.(req, res) ||
        app(
          req as express.Request,
          res as express.Response,
          unrouted(res, log, headers, () => logUnrouted(log, req as express.Request, res, config.metrics ? metrics : undefined)),
        )
      ),
    config,
    log,
    // The peer itself (hop 0): a hop count trusts every peer, an address list those it names.
    (address) => (app.get("trust proxy fn") as TrustFunction)(address, 0),
  );
  traffic.concurrent = concurrent;
  let shuttingDown = false;

  const schema = await buildRegistrySchema();
  const apollo = new ApolloServer<Context>({
    ...(config.graphqlJit ? { gateway: fixedSchemaGateway(schema, jitExecutor(schema)) } : { schema }),
    csrfPrevention: true,
    // Clients here send whole documents; automatic persisted queries only add error paths.
    persistedQueries: false,
    // main.ts owns the signals; Apollo's own handler would re-raise SIGTERM mid-drain.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    introspection: config.introspection,
    validationRules: operationLimits(config),
    parseOptions: { maxTokens: config.maxTokens },
    formatError: createFormatError({ development: config.development }),
    stringifyResult,
    logger: apolloLogger(log),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // No HTTP caching hints are given: the plugin would only wrap every field's resolver.
      ApolloServerPluginCacheControlDisabled(),
      // A self-hosted registry reports to no one, whatever APOLLO_KEY the environment holds.
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      requestReporting(config.metrics ? metrics : undefined),
    ],
  });
  await apollo.start();

  const contextOf = (request: Pick<Context, "caller" | "log" | "baseUrl">): Context => ({
    registry,
    access,
    answer: new AnswerBudget(config.maxAnswerChars),
    ...request,
  });
  // inputExample and flavors travel inside the JSON body or the multipart `operations`
  // field: the body limit always leaves room for the largest ones allowed.
  const maxBodyBytes = Math.max(config.maxBodyBytes, (config.maxInputExampleBytes + config.maxFlavorsBytes) * 2 + 2 ** 16);
  const multipart = {
    maxFileSize: config.maxFileSize,
    maxFiles: config.maxFiles,
    maxFieldSize: maxBodyBytes,
    maxTokens: config.maxTokens,
    ...(config.metrics ? { metrics } : {}),
  };
  app.use(requestLog(log, config.metrics ? metrics : undefined));
  app.use(settleUnreadBody());
  app.use(browserSafety(config.corsOrigins, headers));
  app.use(answerOptions);
  app.use(healthRoutes(storage, () => shuttingDown));
  app.use(webAppRoutes({ directory: WEB_APP_DIRECTORY }));
  app.use(ideRoutes({ enabled: config.ide, publicUrl: config.publicUrl }));
  const publicHost = config.publicUrl ? new URL(config.publicUrl).hostname : undefined;
  const failures = new RequestLimiter(
    storage.rateLimits,
    config.authFailureLimit,
    "auth",
    "too many failed authentications from this address",
  );
  const requests = new RequestLimiter(
    storage.rateLimits,
    config.rateLimit,
    "req",
    `rate limit of ${config.rateLimit} requests a minute exceeded`,
  );
  const identify = { publicHost, insecure: config.insecure, failures };
  const authenticated = authenticate(access, identify);
  const limited = rateLimit(requests);
  if (config.metrics) app.use(metricsRoute(metrics, { token: config.metricsToken, authenticate: authenticated, rateLimit: limited }));
  app.use(ticketAuthentication(access, failures), authenticated, limited);
  app.use(
    downloadRoutes(registry, {
      redirectExpirySeconds: config.blobRedirect ? config.blobRedirectExpirySeconds : undefined,
      ...(config.metrics ? { bytesSent: (route: "files" | "archives", bytes: number) => metrics.downloadBytes(route, bytes) } : {}),
    }),
  );
  app.use(
    "/graphql",
    refuseDeclaredOversize(maxBodyBytes),
    express.json({ limit: maxBodyBytes }),
    graphqlMultipart(schema, multipart),
    recheckCaller(access),
    expressMiddleware(apollo, {
      context: async ({ req }) => contextOf({ caller: req.caller, log: req.log, baseUrl: config.publicUrl ?? requestOrigin(req) }),
    }),
  );
  if (config.graphqlLane) {
    lane = graphqlLane({
      apollo,
      context: contextOf,
      access,
      identify,
      requests,
      log,
      ...(config.metrics ? { metrics } : {}),
      securityHeaders: headers,
      trustProxy: app.get("trust proxy fn") as TrustFunction,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      maxBodyBytes,
      schema,
      multipart,
    });
  }
  app.use(noRoute);
  app.use(errorHandler);
  const subscriptions = serveSubscriptions(httpServer, schema, {
    registry,
    access,
    config,
    log,
    trustProxy: app.get("trust proxy fn") as TrustFunction,
    failures,
    requests,
  });

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    await subscriptions.close();
    await apollo.stop();
    throw error;
  }
  events.start();
  const orphanScan = scanForOrphans(registry, log);
  const address = httpServer.address() as AddressInfo;
  // Bound to every interface: print an address a person can open.
  const unspecified = address.address === "0.0.0.0" || address.address === "::";
  const host = unspecified ? "localhost" : address.family === "IPv6" ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;

  let closing: Promise<DrainReport> | undefined;
  return {
    origin,
    registry,
    openSubscriptions: () => events.size,
    metrics,
    orphanScan: orphanScan.done,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        orphanScan.stop();
        // Subscriptions have no natural end: close them (1001, going away) before draining requests.
        await subscriptions.close();
        await events.close();
        const drained = await drain(config.shutdownGraceMs);
        await apollo.stop();
        await orphanScan.done;
        await registry.releaseHolds();
        await closeStorage(storage);
        return drained;
      })();
      return closing;
    },
  };
}
