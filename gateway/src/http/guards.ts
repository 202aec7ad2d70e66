import type { NextFunction, Request, Response } from "express";
import cors from "cors";
import helmet from "helmet";
import type { AccessService } from "../access/access.service.js";
import type { Caller } from "../access/caller.js";
import { TooManyRequestsError } from "../errors.js";

declare module "express-serve-static-core" {
  interface Request {
    /** Set by `authenticate` for every route but the health probes. */
    caller: Caller;
  }
}

/** Resolves the caller from `Authorization`; errors (UNAUTHENTICATED, 401) go to the error handler. */
export function authenticate(access: AccessService) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    req.caller = await access.authenticate(req.headers.authorization);
    next();
  };
}

/**
 * A token bucket per API key (per client address without one): `perMinute`
 * requests a minute, bursting up to that many. Kept per replica, in memory.
 */
export function rateLimit(perMinute: number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;
  return (req: Request, res: Response, next: NextFunction) => {
    if (perMinute === 0) return next();
    const who = req.caller.keyId ?? `ip:${req.socket.remoteAddress}`;
    const now = Date.now();
    const bucket = buckets.get(who) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * refillPerMs);
    bucket.at = now;
    if (bucket.tokens < 1) {
      const retryAfter = Math.ceil((1 - bucket.tokens) / refillPerMs / 1000);
      res.setHeader("Retry-After", String(retryAfter));
      throw new TooManyRequestsError(`rate limit of ${perMinute} requests a minute exceeded; retry in ${retryAfter} s`, retryAfter);
    }
    bucket.tokens -= 1;
    buckets.set(who, bucket);
    if (buckets.size > 100_000) buckets.delete(buckets.keys().next().value!); // bounded memory
    next();
  };
}

/**
 * Browser-facing safety: CORS for the gateway's own origin plus `origins`, and
 * security headers that leave room for a self-hosted IDE (same-origin scripts).
 */
export function browserSafety(origins: readonly string[]) {
  const allowed = new Set(origins);
  const corsMiddleware = cors((req, callback) => {
    const origin = req.headers.origin;
    const own = `${(req as Request).protocol}://${req.headers.host}`;
    callback(null, {
      origin: origin !== undefined && (origin === own || allowed.has(origin)),
      credentials: true,
      allowedHeaders: ["authorization", "content-type", "apollo-require-preflight", "x-apollo-operation-name", "x-request-id", "range", "if-range", "if-none-match"],
      exposedHeaders: ["etag", "content-range", "content-length", "x-request-id", "retry-after"],
      maxAge: 600,
    });
  });
  const headers = helmet({
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", "data:"], connectSrc: ["'self'"] },
    },
    crossOriginResourcePolicy: { policy: "same-site" },
  });
  return [headers, corsMiddleware];
}
