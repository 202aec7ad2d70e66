import type http from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError, parse, specifiedRules, validate, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import type { AccessService } from "../access/access.service.js";
import type { Caller } from "../access/caller.js";
import type { Config } from "../config.js";
import { ForbiddenError } from "../domain/errors.js";
import { assertAddressedHost } from "../http/guards.js";
import { upgradeOrigin, type TrustFunction } from "../http/urls.js";
import type { RegistryService } from "../registry/registry.service.js";
import type { Context } from "./context.js";
import { createFormatError, isExpectedError } from "./format-error.js";
import { operationLimits } from "./limits.js";

export interface SubscriptionServer {
  /** Closes every WebSocket (1001, going away) and stops accepting new ones. */
  close(): Promise<void>;
}

type SubscriptionConfig = Pick<
  Config,
  "publicUrl" | "insecure" | "corsOrigins" | "maxBodyBytes" | "maxTokens" | "development" | "maxQueryDepth" | "maxAliases"
> &
  Pick<Config, "maxDirectives" | "maxQueryCost">;

/** Browsers open WebSockets to any origin (no CORS): only the gateway's own page and allowed origins may. */
function originAllowed(req: http.IncomingMessage, config: SubscriptionConfig, trusted: TrustFunction): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser
  // As the client addressed it (through a trusted proxy: as the proxy forwards it).
  const own = [`http://${req.headers.host}`, `https://${req.headers.host}`, upgradeOrigin(req, trusted)];
  if (config.publicUrl) own.push(new URL(config.publicUrl).origin);
  return own.includes(origin) || config.corsOrigins.includes(origin);
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { code } });
}

function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * GraphQL subscriptions over the graphql-ws protocol on the gateway's own port
 * at /graphql. The key comes from `connectionParams.authorization` or the
 * upgrade request's `Authorization` header; a refused key is not a refused
 * connection: each subscribe then answers with the typed error (UNAUTHENTICATED,
 * FORBIDDEN), as an HTTP request would.
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
  },
): SubscriptionServer {
  const { registry, access, config, log, trustProxy } = options;
  const format = createFormatError({ development: config.development });
  const rules = [...specifiedRules, ...operationLimits(config, "websocket")];
  const publicHost = config.publicUrl ? new URL(config.publicUrl).hostname : undefined;
  const callers = new WeakMap<object, Promise<Caller>>();

  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxBodyBytes });
  wss.on("error", (error) => log.warn({ err: error }, "WebSocket server error"));
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const path = new URL(req.url ?? "/", "http://gateway").pathname;
    if (path !== "/graphql") return refuseUpgrade(socket, "404 Not Found");
    if (!originAllowed(req, config, trustProxy)) return refuseUpgrade(socket, "403 Forbidden");
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
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

  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      onConnect(ctx) {
        const fromParams = ctx.connectionParams?.authorization;
        const authorization = typeof fromParams === "string" ? fromParams : ctx.extra.request.headers.authorization;
        const caller = access.authenticate(authorization).then((found) => {
          assertAddressedHost(found, ctx.extra.request.headers.host, { publicHost, insecure: config.insecure });
          return found;
        });
        caller.catch(() => {}); // answered at each subscribe
        callers.set(ctx.extra.socket, caller);
        return true;
      },
      async onSubscribe(ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> {
        let caller: Caller;
        try {
          caller = await (callers.get(ctx.extra.socket) ?? Promise.reject(new ForbiddenError("not connected")));
        } catch (error) {
          return [new GraphQLError((error as Error).message, { originalError: error as Error })];
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: config.maxTokens });
        } catch (error) {
          return [withCode(error instanceof GraphQLError ? error : new GraphQLError(String(error)), "GRAPHQL_PARSE_FAILED")];
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) return invalid.map((error) => withCode(error, "GRAPHQL_VALIDATION_FAILED"));
        const request = ctx.extra.request;
        const context: Context = {
          registry,
          access,
          caller,
          baseUrl: config.publicUrl ?? upgradeOrigin(request, trustProxy),
          log: log.child({ subscription: caller.who }),
        };
        return { schema, document, variableValues: payload.variables, operationName: payload.operationName, contextValue: context };
      },
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatAll(result.errors) } : result),
    },
    wss,
  );

  return {
    async close() {
      await disposable.dispose();
    },
  };
}
