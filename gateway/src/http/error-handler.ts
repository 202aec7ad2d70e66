import type { ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import { clientError, clientErrorOf, httpErrorBody, INTERNAL_ERROR, toDomainError, type ClientError } from "./error-map.js";
import { reportInfrastructureFailure } from "./report-failure.js";

/**
 * The last express handler: answers any error a route passed on with the status
 * and body `clientError` gives it (unexpected ones masked and logged). After the
 * headers went out, only cutting the connection tells the client.
 */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  sendHttpError(res, req.log, err);
}

/** `errorHandler` without express. */
export function sendHttpError(res: ServerResponse, log: Logger, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const client = clientError(err);
  if (!client) log.error({ err }, "internal error");
  else reportInfrastructureFailure(log, toDomainError(err));
  sendClientError(res, client ?? INTERNAL_ERROR);
}

/** Answers a request no route took with 404 NOT_FOUND. */
export function noRoute(req: Request, res: Response): void {
  sendClientError(res, clientErrorOf("NOT_FOUND", `no route for ${req.method} ${req.path}`));
}

/**
 * Express's last word, which it would otherwise answer itself in HTML: a request its
 * router never routes (a request target with no path, `GET http://[`, which Node's
 * parser takes, skips every handler, `noRoute` included), or an error past `errorHandler`.
 * Such a request passed no middleware either: it gets the `securityHeaders` here, and
 * `logUnrouted` gives it the request log's line.
 */
export function unrouted(
  res: ServerResponse,
  log: Logger,
  securityHeaders: ReadonlyArray<readonly [string, string]>,
  logUnrouted: () => void,
): (err?: unknown) => void {
  return (err) => {
    if (!res.headersSent) for (const [name, value] of securityHeaders) res.setHeader(name, value);
    if (err) return sendHttpError(res, log, err);
    // No middleware ran, the request log's neither: its line and count begin here.
    logUnrouted();
    sendClientError(res, clientErrorOf("BAD_USER_INPUT", "the request target is not a path"));
  };
}

function sendClientError(res: ServerResponse, answer: ClientError): void {
  if (answer.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(answer.retryAfterSeconds));
  const body = JSON.stringify(httpErrorBody(answer));
  res.statusCode = answer.httpStatus;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}
