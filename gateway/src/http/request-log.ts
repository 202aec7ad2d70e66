import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import type { Metrics } from "../metrics/index.js";
import { routeOf } from "./metrics-route.js";
import { containsKey, redactUrl } from "./redact.js";

declare module "express-serve-static-core" {
  interface Request {
    /** From `X-Request-Id` when the caller sent a sane one (never a key), else generated. */
    id: string;
    log: Logger;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The status nginx logs for a request whose client closed the connection before the answer's end. */
const CLIENT_CLOSED_REQUEST = 499;

/**
 * Tags each request with an id (echoed as `X-Request-Id`) and logs one line when
 * it ends: the client's address (as `trust proxy` resolves it) and the URL with
 * keys and credential parameters redacted; a refused authentication attempt
 * loses its whole query string. Headers are never logged. Given `metrics`, the
 * same end counts and times the request by route (a fixed set) and status.
 */
export function requestLog(log: Logger, metrics?: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    // Before routing: a mounted router rewrites req.path.
    const route = metrics && routeOf(req.path);
    const begun = beginRequestLog(log, req, res, {
      url: () => req.originalUrl,
      address: () => req.ip,
      path: req.path,
      authRefused: () => req.authRefused === true,
      ...(metrics ? { ended: (status: number, seconds: number) => metrics.httpRequest(route!, status, seconds) } : {}),
    });
    req.id = begun.id;
    req.log = begun.log;
    next();
  };
}

/**
 * The line (and the count) of a request express never routes: a target with no path
 * (`GET http://[`, which Node's parser takes) skips every middleware, this log's too. Begun
 * by the app's last callback as it answers such a request, so its `ms` is the answer's only.
 */
export function logUnrouted(log: Logger, req: Request, res: ServerResponse, metrics?: Metrics): void {
  beginRequestLog(log, req, res, {
    url: () => req.url,
    address: () => req.ip,
    path: req.url,
    authRefused: () => false,
    ...(metrics ? { ended: (status: number, seconds: number) => metrics.httpRequest("other", status, seconds) } : {}),
  });
}

/** What the request log needs of a request that express may not have routed. */
export interface LoggedRequest {
  url(): string;
  address(): string | undefined;
  /** The path as the client asked it, before any router mounted below the root rewrote it. */
  readonly path: string;
  authRefused(): boolean;
  /** Told the answer's status and the request's seconds when it ends, before the line is written (metrics). */
  ended?(status: number, seconds: number): void;
}

/** `requestLog` without express: the request's id and logger, and its line when it ends. */
export function beginRequestLog(
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  view: LoggedRequest,
): { readonly id: string; readonly log: Logger } {
  const incoming = req.headers["x-request-id"];
  // A key-shaped id would be bound, unredacted, to every line of the request.
  const id = typeof incoming === "string" && REQUEST_ID.test(incoming) && !containsKey(incoming) ? incoming : randomUUID();
  const child = log.child({ reqId: id });
  res.setHeader("X-Request-Id", id);
  const started = process.hrtime.bigint();
  // Probes come every few seconds: their lines are for debugging. Judged now, by the path the
  // client asked: once routed, a request to /graphql/healthz has the path "/healthz".
  const level = routeOf(view.path) === "health" ? "debug" : "info";
  res.on("close", () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // An answer the client left before its end is counted as nginx logs one, 499, not as the status it began with.
    view.ended?.(res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST, ms / 1e3);
    if (!child.isLevelEnabled(level)) return;
    const entry = {
      method: req.method,
      url: redactUrl(view.url(), { dropQuery: view.authRefused() || res.statusCode === 401 }),
      remoteAddress: view.address(),
      status: res.statusCode,
      ms,
      aborted: !res.writableFinished,
    };
    child[level](entry, "request");
  });
  return { id, log: child };
}
