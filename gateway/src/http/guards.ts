import type { IncomingHttpHeaders } from "node:http";
import { isIP, isIPv6 } from "node:net";
import type { NextFunction, Request, Response } from "express";
import cors from "cors";
import helmet from "helmet";
import type { AccessService } from "../access/access.service.js";
import type { Caller } from "../access/caller.js";
import type { RequestLimiter } from "../access/request-limiter.js";
import { ForbiddenError, UnauthenticatedError } from "../domain/errors.js";
import { isLoopback } from "../domain/loopback.js";
import { requestOrigin } from "./urls.js";

declare module "express-serve-static-core" {
  interface Request {
    /** Set by `authenticate` for every route but the health probes. */
    caller: Caller;
    /** Set by `authenticate` when it refused the request's credentials. */
    authRefused?: boolean;
  }
}

/**
 * The client's address: the socket's peer, or with `trust proxy` set
 * (HOMER_TRUST_PROXY) the address the trusted proxies forwarded. An untrusted
 * `X-Forwarded-For` never changes it.
 */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? "unknown";
}

/** `a.b.c.d:port`, `[v6]:port` or `[v6]`: an address as some proxies forward it, with the client's port. */
const WITH_PORT = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}|\[([^\]]+)\](?::\d{1,5})?)$/;

/**
 * The bucket a client address is limited by: an IPv4 address itself (also when
 * written IPv4-mapped, `::ffff:a.b.c.d`), an IPv6 address by its /64. One
 * subscriber, one host even, holds a whole /64 and may send from any address in
 * it: per address, each of 2^64 addresses would have a budget of its own. A port
 * that a trusted proxy forwarded with the address (Azure's Application Gateway
 * does) is dropped: each new connection of a client would have a budget of its own.
 */
export function addressBucket(forwarded: string): string {
  const withPort = WITH_PORT.exec(forwarded);
  const bare = withPort?.[1] ?? withPort?.[2];
  const address = bare !== undefined && isIP(bare) !== 0 ? bare : forwarded;
  if (!isIPv6(address)) return `ip:${address}`;
  let text = address.split("%")[0]!;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right].map((g) => parseInt(g, 16));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `ip:${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  }
  return `ip:${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/**
 * Resolves the caller from `Authorization`; errors (UNAUTHENTICATED, 401) go to
 * the error handler. A valid key always passes. Only a refused key (malformed,
 * unknown or revoked) is a failed login: it is charged to the client's address
 * (`failures`, shared by the replicas on PostgreSQL), and once that address has
 * used up its budget its refused attempts answer TOO_MANY_REQUESTS instead. Any
 * other failure (the database being down, say) is not the client's doing: it
 * propagates as itself and costs nothing.
 *
 * Without keys (open mode on loopback) a request must name the gateway by a
 * loopback host (or `publicHost`): a web page whose domain was rebound to
 * 127.0.0.1 then cannot drive the registry from a browser on this machine.
 */
export function authenticate(
  access: AccessService,
  options: { readonly publicHost?: string; readonly insecure: boolean; readonly failures: RequestLimiter },
) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    // A download ticket already authenticated it (`ticketAuthentication`, file and archive downloads only).
    if (req.ticketSha256 !== undefined) return next();
    req.caller = await identifyCaller(
      access,
      options,
      req.headers,
      () => clientAddress(req),
      () => (req.authRefused = true),
    );
    next();
  };
}

/**
 * `authenticate` without express: the caller a request's `Authorization` names
 * (and `Host` allows), or the error to answer with. `address` is asked only to
 * charge a refused key; `refused` is told of any refusal of the credentials.
 */
export async function identifyCaller(
  access: AccessService,
  options: { readonly publicHost?: string; readonly insecure: boolean; readonly failures: RequestLimiter },
  headers: IncomingHttpHeaders,
  address: () => string,
  refused: () => void,
): Promise<Caller> {
  const authorization = headers.authorization;
  let caller: Caller;
  try {
    caller = await access.authenticate(authorization);
  } catch (error) {
    if (error instanceof UnauthenticatedError) {
      refused();
      // A missing key is no guess at one; it costs no lookup and is not charged.
      // A refusal within the budget stays 401; past it, the take throws 429.
      if (authorization) await options.failures.take(addressBucket(address()));
    }
    throw error;
  }
  assertAddressedHost(caller, headers.host, options, address);
  return caller;
}

/**
 * Once a request's body is in (after the parsers), the caller again if its key was checked
 * long enough ago (`AccessService.current`): a key revoked while the body arrived is refused.
 */
export function recheckCaller(access: AccessService) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    req.caller = await access.current(req.caller);
    next();
  };
}

/**
 * Without keys (open mode) a request must name the gateway by a loopback host
 * (or `publicHost`), so a rebound domain cannot reach it from a browser, and
 * must come from this machine: a client a trusted proxy forwards from elsewhere
 * (a proxy on this host reaches the loopback address, and by default names it in
 * `Host`) is not "anyone on this machine".
 */
export function assertAddressedHost(
  caller: Caller,
  host: string | undefined,
  options: { readonly publicHost?: string; readonly insecure: boolean },
  address: () => string,
): void {
  if (caller.keyId !== null || options.insecure) return;
  const hostname = (host ?? "").replace(/:\d+$/, "");
  if (!isLoopback(hostname) && hostname !== options.publicHost) {
    throw new ForbiddenError(`without API keys this registry answers only requests addressed to localhost, not "${hostname}"`);
  }
  if (!isLoopback(address())) {
    throw new ForbiddenError("without API keys this registry answers only clients on this machine: create a key to serve others");
  }
}

/**
 * A token bucket per API key (per client address without one): the limiter's
 * `perMinute` requests a minute, bursting up to that many; shared by the
 * replicas on PostgreSQL, per process with SQLite.
 */
export function rateLimit(limiter: RequestLimiter) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    await limiter.take(req.caller.keyId ?? addressBucket(clientAddress(req)));
    next();
  };
}

/**
 * Browser-facing safety: CORS for the gateway's own origin plus `origins`, and
 * security headers that leave room for a self-hosted IDE (same-origin scripts).
 * Headers that only make sense over TLS (HSTS, CSP `upgrade-insecure-requests`)
 * are sent only when the public URL is https: on a plain-HTTP host they would
 * make browsers fetch the IDE's scripts over https, and the page stays blank.
 */
export function browserSafety(origins: readonly string[], headers: ReturnType<typeof securityHeaders>) {
  const allowed = new Set(origins);
  const corsMiddleware = cors((req, callback) => {
    const origin = req.headers.origin;
    const own = requestOrigin(req as Request);
    callback(null, {
      origin: origin !== undefined && (origin === own || allowed.has(origin)),
      allowedHeaders: [
        "authorization",
        "content-type",
        "apollo-require-preflight",
        "x-apollo-operation-name",
        "x-request-id",
        "range",
        "if-range",
        "if-none-match",
      ],
      methods: ["GET", "HEAD", "POST"],
      exposedHeaders: ["etag", "content-range", "content-length", "x-request-id", "retry-after"],
      maxAge: 600,
    });
  });
  const setHeaders = (_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
  return [setHeaders, corsMiddleware];
}

/** Every route answers GET and HEAD; only `/graphql` takes POST. */
const allowedMethods = (path: string) => (/^\/graphql\/?$/i.test(path) ? "GET, HEAD, POST, OPTIONS" : "GET, HEAD, OPTIONS");

/**
 * An OPTIONS request that no CORS preflight answered: 204 with the methods the gateway
 * serves at that path (express alone would answer 200 `GET, HEAD` for every path, the
 * methods of the web app's fallback route, and `/graphql` takes POST).
 */
export function answerOptions(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== "OPTIONS") return next();
  res.setHeader("Allow", allowedMethods(req.path));
  res.status(204).end();
}

/**
 * The security headers every answer carries (helmet's, configured once). None of
 * them depends on the request, so they are worked out at start-up and then only set.
 */
export function securityHeaders(options: { readonly https: boolean }): ReadonlyArray<readonly [string, string]> {
  const middleware = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        upgradeInsecureRequests: options.https ? [] : null,
      },
    },
    strictTransportSecurity: options.https,
    crossOriginResourcePolicy: { policy: "same-site" },
  });
  const headers: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: string) => void headers.push([name, String(value)]),
    removeHeader: () => {},
  };
  let failure: Error | undefined;
  middleware({} as never, recorder as never, (error?: unknown) => (failure = error instanceof Error ? error : undefined));
  if (failure) throw failure;
  return Object.freeze(headers.map((pair) => Object.freeze(pair)));
}
