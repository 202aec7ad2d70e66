import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { NextFunction, Request, Response } from "express";

/** The most of a refused body read to its end after the response, to keep the connection usable. */
export const MAX_DRAIN_BYTES = 8 * 2 ** 20;
/** How long a connection refused with `Connection: close` may still send before it is cut. */
const LINGER_MS = 2000;

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
    settleUnreadBodyOf(req, res, maxDrainBytes);
    next();
  };
}

/** `settleUnreadBody` for one request, without express: call it before the response's headers go out. */
export function settleUnreadBodyOf(req: IncomingMessage, res: ServerResponse, maxDrainBytes = MAX_DRAIN_BYTES): void {
  const readBefore = req.socket.bytesRead;
  const writeHead = res.writeHead.bind(res);
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse["writeHead"]>) {
    // What the socket took in since the headers bounds what is still to come.
    const unread = declaredBodyBytes(req) - (req.socket.bytesRead - readBefore);
    if (!req.complete && unread > maxDrainBytes) {
      this.setHeader("Connection", "close");
      lingerOnClose(req.socket);
    }
    return writeHead(...args);
  } as ServerResponse["writeHead"];
  res.once("finish", () => {
    if (req.readableEnded) return;
    req.unpipe();
    req.resume();
  });
}

/**
 * Node ends a `Connection: close` socket by destroying it right after the response
 * was handed to the kernel. With the client still sending, the kernel then answers
 * with a reset, which can discard the response before the client read it. So the
 * socket only half-closes (FIN), drops what still arrives, and is destroyed when the
 * client closes too or after `LINGER_MS` — what HTTP servers call a lingering close.
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function (this: Socket) {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    this.once("close", () => clearTimeout(timer));
    this.resume();
  };
}

/** A request with neither header has no body; a chunked one may never end. */
function declaredBodyBytes(req: IncomingMessage): number {
  if (req.headers["transfer-encoding"] !== undefined) return Infinity;
  const length = Number(req.headers["content-length"] ?? 0);
  return Number.isFinite(length) ? length : Infinity;
}
