import type { NextFunction, Request, Response } from "express";

/** Refused bodies up to this size are read to their end so the connection stays usable. */
export const MAX_DRAIN_BYTES = 8 * 2 ** 20;

/**
 * Keeps a keep-alive connection usable after a request that was answered before its
 * body was read to the end (refused as too large, unauthenticated, a bad path, a full
 * disk, …). Whoever stopped reading (body-parser, the multipart parser, a destroyed
 * upload stream) leaves the socket paused: the next request on it would wait until
 * the idle timeout resets it. So once the response is sent the rest is read and
 * dropped — when it is no more than `maxDrainBytes`; a larger or unbounded (chunked)
 * body is refused with `Connection: close` instead, and Node ends the socket after
 * the response rather than receive gigabytes nobody wants.
 */
export function settleUnreadBody(maxDrainBytes = MAX_DRAIN_BYTES) {
  return (req: Request, res: Response, next: NextFunction) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: Parameters<Response["writeHead"]>) {
      if (!req.complete && declaredBodyBytes(req) > maxDrainBytes) this.setHeader("Connection", "close");
      return writeHead.apply(this, args);
    } as Response["writeHead"];
    res.once("finish", () => {
      if (req.readableEnded) return;
      req.unpipe();
      req.resume();
    });
    next();
  };
}

/** A request with neither header has no body; a chunked one may never end. */
function declaredBodyBytes(req: Request): number {
  if (req.headers["transfer-encoding"] !== undefined) return Infinity;
  const length = Number(req.headers["content-length"] ?? 0);
  return Number.isFinite(length) ? length : Infinity;
}
