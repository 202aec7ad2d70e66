import { Router } from "express";
import type { AccessService } from "../access/access.service.js";

declare module "express-serve-static-core" {
  interface Request {
    /** Set when a download ticket authenticated the request: the file's sha256 it was minted for. */
    ticketFileSha256?: string;
  }
}

/**
 * A file download that presents `?ticket=` (minted by the `downloadTicket` mutation) is
 * authenticated by it instead of by `Authorization`, as the key that minted it, for that
 * one file only. Mounted before `authenticate`, which then lets the request through; every
 * other route ignores the parameter (a ticket is no credential there). The download route
 * checks that the file still has the bytes the ticket was minted for.
 */
export function ticketAuthentication(access: AccessService): Router {
  const router = Router();
  router.get("/files/:project/:name/:version/*path", async (req, _res, next) => {
    const ticket = req.query.ticket;
    if (ticket === undefined) return next();
    const { project, name, version, path } = req.params;
    const target = { project, name, version: /^\d{1,10}$/.test(version) ? Number(version) : NaN, path: path.join("/") };
    const { caller, fileSha256 } = await access.redeemDownloadTicket(typeof ticket === "string" ? ticket : "", target);
    req.caller = caller;
    req.ticketFileSha256 = fileSha256;
    next();
  });
  return router;
}
