import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import { containsKey, redactUrl } from "./redact.js";

declare module "express-serve-static-core" {
  interface Request {
    /** From `X-Request-Id` when the caller sent a sane one (never a key), else generated. */
    id: string;
    log: Logger;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Tags each request with an id (echoed as `X-Request-Id`) and logs one line when
 * it ends: the client's address (as `trust proxy` resolves it) and the URL with
 * keys and credential parameters redacted; a refused authentication attempt
 * loses its whole query string. Headers are never logged.
 */
export function requestLog(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers["x-request-id"];
    // A key-shaped id would be bound, unredacted, to every line of the request.
    req.id = typeof incoming === "string" && REQUEST_ID.test(incoming) && !containsKey(incoming) ? incoming : randomUUID();
    req.log = log.child({ reqId: req.id });
    res.setHeader("X-Request-Id", req.id);
    const started = process.hrtime.bigint();
    res.on("close", () => {
      const entry = {
        method: req.method,
        url: redactUrl(req.originalUrl, { dropQuery: req.authRefused === true || res.statusCode === 401 }),
        remoteAddress: req.ip,
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        aborted: !res.writableFinished,
      };
      if (req.path === "/healthz" || req.path === "/readyz") req.log.debug(entry, "request");
      else req.log.info(entry, "request");
    });
    next();
  };
}
