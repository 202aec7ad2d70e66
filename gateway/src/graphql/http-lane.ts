import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer } from "@apollo/server";
import type { Logger } from "pino";
import type { Caller } from "../access/caller.js";
import type { RequestLimiter } from "../access/request-limiter.js";
import type { AccessService } from "../access/access.service.js";
import { BadInputError } from "../domain/errors.js";
import type { Metrics } from "../metrics/index.js";
import type { GraphQLSchema } from "graphql";
import type { Context } from "./context.js";
import { readMultipart, type MultipartOptions } from "./multipart.js";
import { sendHttpError } from "../http/error-handler.js";
import { addressBucket, identifyCaller } from "../http/guards.js";
import { beginRequestLog } from "../http/request-log.js";
import { settleUnreadBodyOf } from "../http/unread-body.js";
import { upgradeAddress, upgradeOrigin, type TrustFunction } from "../http/urls.js";

export interface GraphqlLaneOptions {
  readonly apollo: ApolloServer<Context>;
  readonly context: (request: { readonly caller: Caller; readonly log: Logger; readonly baseUrl: string }) => Context;
  readonly access: AccessService;
  readonly identify: Parameters<typeof identifyCaller>[1];
  readonly requests: RequestLimiter;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly securityHeaders: ReadonlyArray<readonly [string, string]>;
  readonly trustProxy: TrustFunction;
  readonly publicUrl?: string;
  readonly maxBodyBytes: number;
  readonly schema: GraphQLSchema;
  readonly multipart: MultipartOptions;
}

/** `application/json`, alone or with `charset=utf-8`: what JSON.parse reads as is. */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;

/** A multipart body as clients send it (the spec's uploads); odder spellings take express. */
const MULTIPART = /^multipart\/form-data;\s*boundary=/i;

/**
 * Which common GraphQL call a request is, if any: a POST to `/graphql` sent by a
 * script rather than a web page (no `Origin`: CORS has nothing to say), either a
 * JSON body of known, allowed length (neither compressed nor chunked) or a multipart
 * upload. Anything else (browsers, GET, refusals of the body's size, unusual
 * content types) takes the express route, which answers it exactly as before.
 */
function laneOf(req: IncomingMessage, maxBodyBytes: number): "json" | "multipart" | undefined {
  if (req.method !== "POST") return undefined;
  const url = req.url ?? "";
  if (url !== "/graphql" && !url.startsWith("/graphql?")) return undefined;
  const { headers } = req;
  if (headers.origin !== undefined) return undefined;
  if (headers["content-encoding"] !== undefined && headers["content-encoding"] !== "identity") return undefined;
  const type = headers["content-type"];
  if (type === undefined) return undefined;
  if (MULTIPART.test(type)) return "multipart";
  if (!PLAIN_JSON.test(type) || headers["transfer-encoding"] !== undefined) return undefined;
  const length = Number(headers["content-length"]);
  return Number.isInteger(length) && length > 0 && length <= maxBodyBytes ? "json" : undefined;
}

/** The whole body of a request whose length is known and allowed. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    // The client's doing (it went away, or the idle limit cut its stalled body), as express's parser sees it.
    const endedEarly = () => reject(new BadInputError("the request body ended early"));
    req.once("error", endedEarly);
    req.once("close", () => {
      if (!req.complete) endedEarly();
    });
  });
}

/** The body as express's JSON parser reads it in its strict mode: an object or an array (a leading BOM skipped). */
function parseJson(body: Buffer): unknown {
  let value: unknown;
  try {
    const text = body.toString("utf8");
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new BadInputError(`malformed JSON body: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null) throw new BadInputError("the JSON body must be an object (or an array)");
  return value;
}

/**
 * The GraphQL route for the common calls, on Node's HTTP server without express:
 * the same guards in the same order (request id and log line, HTTP metrics,
 * security headers, authentication, rate limit, body limit or the multipart
 * parser), the same Apollo server and context, the same error answers
 * (`sendHttpError`). Returns false, having touched nothing, for a request it does
 * not take (see `laneOf`); express serves those.
 */
export function graphqlLane(options: GraphqlLaneOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { apollo, access, identify, requests, metrics, securityHeaders, trustProxy, maxBodyBytes } = options;
  return (req, res) => {
    const lane = laneOf(req, maxBodyBytes);
    if (!lane) return false;
    const address = () => upgradeAddress(req, trustProxy);
    let refused = false;
    const { log } = beginRequestLog(options.log, req, res, {
      url: () => req.url ?? "",
      address,
      path: "/graphql",
      authRefused: () => refused,
      ...(metrics ? { ended: (status: number, seconds: number) => metrics.httpRequest("graphql", status, seconds) } : {}),
    });
    for (const [name, value] of securityHeaders) res.setHeader(name, value);
    void (async () => {
      let read = false;
      try {
        const authenticated = await identifyCaller(access, identify, req.headers, address, () => (refused = true));
        if (requests.perMinute > 0) await requests.take(authenticated.keyId ?? addressBucket(address()));
        read = true;
        let body: unknown;
        if (lane === "json") body = parseJson(await readBody(req));
        else {
          // Files arrive while the resolvers run: the answer may go out before the body's end.
          settleUnreadBodyOf(req, res);
          body = await readMultipart(req, res, options.schema, options.multipart);
        }
        // The body may have taken long: a key revoked meanwhile is refused now.
        const caller = await access.current(authenticated);
        const headers = new HeaderMap();
        for (const [key, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
        }
        const queryAt = req.url!.indexOf("?");
        const response = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: "POST", headers, search: queryAt < 0 ? "" : req.url!.slice(queryAt), body },
          context: async () => options.context({ caller, log, baseUrl: options.publicUrl ?? upgradeOrigin(req, trustProxy) }),
        });
        for (const [key, value] of response.headers) res.setHeader(key, value);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === "complete") {
          res.end(response.body.string);
          return;
        }
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      } catch (error) {
        // Refused before its body was read: keep the connection usable, or close it.
        if (!read) settleUnreadBodyOf(req, res);
        sendHttpError(res, log, error);
      }
    })();
    return true;
  };
}
