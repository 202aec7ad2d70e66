import type { NextFunction, Request, Response } from "express";
import { clientError, clientErrorOf, httpErrorBody, INTERNAL_ERROR, toDomainError } from "./error-map.js";
import { reportInfrastructureFailure } from "./report-failure.js";

/**
 * The last express handler: answers any error a route passed on with the status
 * and body `clientError` gives it (unexpected ones masked and logged). After the
 * headers went out, only cutting the connection tells the client.
 */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const client = clientError(err);
  if (!client) req.log.error({ err }, "internal error");
  else reportInfrastructureFailure(req.log, toDomainError(err));
  const answer = client ?? INTERNAL_ERROR;
  if (answer.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(answer.retryAfterSeconds));
  res.status(answer.httpStatus).json(httpErrorBody(answer));
}

/** Answers a request no route took with 404 NOT_FOUND. */
export function noRoute(req: Request, res: Response): void {
  const answer = clientErrorOf("NOT_FOUND", `no route for ${req.method} ${req.path}`);
  res.status(answer.httpStatus).json(httpErrorBody(answer));
}
