import type { NextFunction, Request, Response } from "express";
import { PayloadTooLargeError } from "../domain/errors.js";

/**
 * Refuses a JSON request whose declared length is over `maxBytes` before a byte of
 * its body is read: body-parser reads such a body to its end before answering 413,
 * so a client announcing gigabytes would be received in full. The connection is
 * then closed rather than drained (see `settleUnreadBody`).
 */
export function refuseDeclaredOversize(maxBytes: number) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > maxBytes && req.is("application/json")) {
      next(new PayloadTooLargeError(`the request body (${declared} bytes) exceeds the ${maxBytes}-byte limit`));
      return;
    }
    next();
  };
}
