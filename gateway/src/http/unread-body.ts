import type { NextFunction, Request, Response } from "express";

/** The most of a refused body read to its end after the response, to keep the connection usable. */
export const MAX_DRAIN_BYTES = 8 * 2 ** 20;

/**
 * Keeps a keep-alive connection usable after a request that was answered before its
 * body was read to the end (refused as too large, unauthenticated, a bad path, a full
 * disk, …). Whoever stopped reading (body-parser, the multipart parser, a destroyed
 * upload stream) leaves the socket paused: the next request on it would wait until
 * the keep-alive timeout closes it. So once the response is sent the rest is read
 * and dropped, when no more than `maxDrainBytes` of it are still to come. Else (or
 * for a chunked body, of unknown length) the response says `Connection: close` and
 * Node ends the socket after it rather than receive gigabytes nobody wants.
 */
export function settleUnreadBody(maxDrainBytes = MAX_DRAIN_BYTES) {
  return (req: Request, res: Response, next: NextFunction) => {
    const readBefore = req.socket.bytesRead;
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: Parameters<Response["writeHead"]>) {
      // What the socket took in since the headers bounds what is still to come.
      const unread = declaredBodyBytes(req) - (req.socket.bytesRead - readBefore);
      if (!req.complete && unread > maxDrainBytes) this.setHeader("Connection", "close");
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
