import type http from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type ExecutionArgs } from "graphql";
import type { GraphQLFormattedError, GraphQLSchema } from "graphql";
import { CloseCode, type Context as Connection, type SubscribePayload } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import type { AccessService } from "../access/access.service.js";
import type { Caller } from "../access/caller.js";
import type { RequestLimiter } from "../access/request-limiter.js";
import type { Config } from "../config.js";
import { UnauthenticatedError } from "../domain/errors.js";
import { addressBucket, assertAddressedHost } from "../http/guards.js";
import { asksForWebSocket, ignoreUpgrade } from "../http/server.js";
import { upgradeAddress, upgradeOrigin, type TrustFunction } from "../http/urls.js";
import type { RegistryService } from "../registry/registry.service.js";
import type { Context } from "./context.js";
import { createFormatError, isExpectedError } from "./format-error.js";
import { operationLimits } from "./limits.js";
import { MAX_CACHED_QUERY_CHARS, RecentMap } from "./recent-map.js";
import { AnswerBudget } from "./answer-budget.js";
import { guardConnection } from "./connection-guards.js";
import { DeliveryTurns } from "./delivery-turns.js";

export interface SubscriptionServer {
  /** Closes every WebSocket (1001, going away) and stops accepting new ones. */
  close(): Promise<void>;
}

type SubscriptionConfig = Pick<
  Config,
  "publicUrl" | "insecure" | "corsOrigins" | "maxBodyBytes" | "maxTokens" | "development" | "maxQueryDepth" | "maxAliases"
> &
  Pick<Config, "maxDirectives" | "maxQueryCost" | "maxAnswerChars" | "idleTimeoutMs">;

/** Browsers open WebSockets to any origin (no CORS): only the gateway's own page and allowed origins may. */
function originAllowed(req: http.IncomingMessage, config: SubscriptionConfig, trusted: TrustFunction): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser
  // As the client addressed it (through a trusted proxy: as the proxy forwards it).
  const own = [`http://${req.headers.host}`, `https://${req.headers.host}`, upgradeOrigin(req, trusted)];
  if (config.publicUrl) own.push(new URL(config.publicUrl).origin);
  return own.includes(origin) || config.corsOrigins.includes(origin);
}

/**
 * The longest message a client may send (a subscribe: its document and variables; larger
 * ones close the connection, 1009, as their header arrives). Any client, keyless too, may
 * send messages before its key is checked at subscribe, and each is held whole before it
 * is read: at the HTTP body limit (2 MiB), the connection cap's thousand clients held 2 GiB.
 */
const MAX_MESSAGE_BYTES = 64 * 1024;

/** How long a closing WebSocket may take to answer the close frame before it is cut. */
const CLOSE_HANDSHAKE_MS = 1000;

/** Validated subscription documents kept for reuse (each of at most MAX_CACHED_QUERY_CHARS), oldest dropped first. */
const VALIDATED_DOCUMENTS = 32;

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { code } });
}

/**
 * Answers an upgrade with `status` and closes the connection. The HTTP server's sockets
 * allow half-open connections and no HTTP timeout watches one that asked for an upgrade:
 * ended alone, it stayed open, in its slot under the connection cap, until the client
 * closed its side. It is cut once the client had time to read the answer.
 */
function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  const timer = setTimeout(() => socket.destroy(), CLOSE_HANDSHAKE_MS).unref();
  socket.once("close", () => clearTimeout(timer));
}

/**
 * GraphQL subscriptions over the graphql-ws protocol on the gateway's own port
 * at /graphql. The key comes from `connectionParams.authorization` or the
 * upgrade request's `Authorization` header, checked at every subscribe; a
 * refused key is not a refused connection: each subscribe answers with the
 * typed error (UNAUTHENTICATED, FORBIDDEN), as an HTTP request would.
 */
export function serveSubscriptions(
  server: http.Server,
  schema: GraphQLSchema,
  options: {
    registry: RegistryService;
    access: AccessService;
    config: SubscriptionConfig;
    log: Logger;
    /** Which proxies' X-Forwarded-* to believe (express's compiled `trust proxy`). */
    trustProxy: TrustFunction;
    /** The HTTP routes' limits, charged alike: refused keys per address, and each subscribe as a request. */
    failures: RequestLimiter;
    requests: RequestLimiter;
  },
): SubscriptionServer {
  const { registry, access, config, log, trustProxy, failures, requests } = options;
  const refuse = (error: unknown) => [new GraphQLError((error as Error).message, { originalError: error as Error })];
  const format = createFormatError({ development: config.development });
  const rules = [...specifiedRules, ...operationLimits(config, "websocket")];
  const publicHost = config.publicUrl ? new URL(config.publicUrl).hostname : undefined;

  // Many clients send the same subscription: one parsed, validated document serves them all (and their memory).
  const documents = new RecentMap<string, DocumentNode>(VALIDATED_DOCUMENTS);

  /** Each WebSocket's TCP socket, whose drain says its answers left. */
  const tcpSockets = new WeakMap<WebSocket, Duplex>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.min(config.maxBodyBytes, MAX_MESSAGE_BYTES) });
  wss.on("error", (error) => log.warn({ err: error }, "WebSocket server error"));
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // Another protocol (h2c) is no upgrade of ours: the request is answered as a plain one.
    if (!asksForWebSocket(req)) return ignoreUpgrade(server, req, socket, head);
    socket.on("error", () => socket.destroy());
    // Node's parser takes targets no URL parser does (`//`): thrown here, they would end the process.
    const target = req.url ?? "/";
    if (!URL.canParse(target, "http://gateway")) return refuseUpgrade(socket, "400 Bad Request");
    const path = new URL(target, "http://gateway").pathname;
    if (path !== "/graphql") return refuseUpgrade(socket, "404 Not Found");
    if (!originAllowed(req, config, trustProxy)) return refuseUpgrade(socket, "403 Forbidden");
    wss.handleUpgrade(req, socket, head, (ws) => {
      tcpSockets.set(ws, socket);
      wss.emit("connection", ws, req);
    });
  });

  const formatAll = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((raw) => {
      // A refusal before execution (the key, at subscribe) carries its domain error with no field path.
      const cause = raw.path ? raw : (raw.originalError ?? raw);
      if (isExpectedError(cause, raw.extensions?.code)) return format(raw.toJSON(), cause);
      // graphql-js's own refusals (variables that do not coerce) come with no code and no field path.
      if (!raw.path) return format(withCode(raw, "BAD_USER_INPUT").toJSON(), raw);
      log.error({ err: raw.originalError ?? raw, path: raw.path }, "internal error");
      return format(raw.toJSON(), raw);
    });

  /** What a subscribe runs, once its key, rate and document pass; else the errors to answer. */
  async function subscribeArgs(
    ctx: Connection<Record<string, unknown> | undefined, { request: http.IncomingMessage }>,
    payload: SubscribePayload,
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    // Checked at every subscribe, as HTTP checks every request: a key revoked after connecting is refused here.
    const fromParams = ctx.connectionParams?.authorization;
    const authorization = typeof fromParams === "string" ? fromParams : ctx.extra.request.headers.authorization;
    const address = upgradeAddress(ctx.extra.request, trustProxy);
    let caller: Caller;
    try {
      try {
        caller = await access.authenticate(authorization);
      } catch (error) {
        // As over HTTP: a refused key is a failed login charged to the address; past the budget, 429.
        if (error instanceof UnauthenticatedError && authorization) await failures.take(addressBucket(address));
        throw error;
      }
      assertAddressedHost(caller, ctx.extra.request.headers.host, { publicHost, insecure: config.insecure }, () => address);
      await requests.take(caller.keyId ?? addressBucket(address));
    } catch (error) {
      return refuse(error);
    }
    let document = documents.get(payload.query);
    if (!document) {
      try {
        document = parse(payload.query, { maxTokens: config.maxTokens });
      } catch (error) {
        return [withCode(error instanceof GraphQLError ? error : new GraphQLError(String(error)), "GRAPHQL_PARSE_FAILED")];
      }
      const invalid = validate(schema, document, rules);
      if (invalid.length > 0) return invalid.map((error) => withCode(error, "GRAPHQL_VALIDATION_FAILED"));
      if (payload.query.length <= MAX_CACHED_QUERY_CHARS) documents.set(payload.query, document);
    }
    const request = ctx.extra.request;
    const context: Context = {
      registry,
      access,
      caller,
      baseUrl: config.publicUrl ?? upgradeOrigin(request, trustProxy),
      log: log.child({ subscription: caller.who }),
      answer: new AnswerBudget(config.maxAnswerChars),
      deliveries: DeliveryTurns.of(ctx),
    };
    return { schema, document, variableValues: payload.variables, operationName: payload.operationName, contextValue: context };
  }

  /**
   * Per connection, the subscribes being set up (from `onSubscribe` until their operation
   * runs), by id. graphql-ws frees an id when the client completes it, even mid-set-up; a
   * subscribe reusing it then left two live subscriptions under one id, the first never
   * ended, not even by the connection's close (it kept its place in the caps, and read
   * every event, for good). Such a subscribe closes the connection, 4409, as for an id in use.
   */
  const settingUp = new WeakMap<object, Map<string, SubscribePayload>>();
  const setUp = (connection: object, id: string, payload: SubscribePayload) => {
    const pending = settingUp.get(connection);
    if (pending?.get(id) === payload) pending.delete(id);
  };

  /**
   * A connection that holds no subscription for the idle timeout is closed, as an idle
   * HTTP connection is: the socket is no longer the HTTP server's to time out, and any
   * client, with no key at all, could otherwise hold every connection slot for good.
   */
  const closeWhenIdle = (ctx: Connection<Record<string, unknown> | undefined, { socket: WebSocket }>) => {
    const { socket } = ctx.extra;
    let idleSince = Date.now();
    const timer = setInterval(
      () => {
        if (Object.keys(ctx.subscriptions).length > 0 || (settingUp.get(ctx)?.size ?? 0) > 0) idleSince = Date.now();
        else if (Date.now() - idleSince >= config.idleTimeoutMs) {
          clearInterval(timer);
          socket.close(1000, "idle: no subscription");
          // A client that never answers the close frame would hold its slot for ws's 30 s more.
          setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
        }
      },
      Math.max(25, Math.floor(config.idleTimeoutMs / 4)),
    ).unref();
    socket.once("close", () => clearInterval(timer));
  };

  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      onConnect(ctx) {
        closeWhenIdle(ctx);
        return true;
      },
      async onSubscribe(ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> {
        let pending = settingUp.get(ctx);
        if (!pending) settingUp.set(ctx, (pending = new Map<string, SubscribePayload>()));
        if (pending.has(id)) {
          // A close reason has at most 123 bytes: the id (the client's, of any length) is not in it.
          ctx.extra.socket.close(CloseCode.SubscriberAlreadyExists, "Subscriber for this id already exists");
          return [new GraphQLError("a subscribe with this id is still being set up")];
        }
        pending.set(id, payload);
        const args = await subscribeArgs(ctx, payload);
        if (Array.isArray(args)) setUp(ctx, id, payload);
        return args;
      },
      onOperation: (ctx, id, payload) => setUp(ctx, id, payload),
      onComplete: (ctx, id, payload) => setUp(ctx, id, payload),
      onError: (ctx, id, payload, errors) => {
        setUp(ctx, id, payload);
        return formatAll(errors);
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatAll(result.errors) } : result),
    },
    wss,
  );

  // graphql-ws is given each connection's messages, and sends on it, through its guards (connection-guards.ts).
  wss.on("connection", (socket: WebSocket) => guardConnection(socket, tcpSockets.get(socket)!, log));

  return {
    async close() {
      const disposed = disposable.dispose();
      // A client that never answers the close frame would hold the shutdown for ws's 30 s, past any grace.
      const cut = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, CLOSE_HANDSHAKE_MS);
      try {
        await disposed;
      } finally {
        clearTimeout(cut);
      }
    },
  };
}
