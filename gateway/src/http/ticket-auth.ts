import { Router, type Request, type RequestHandler } from "express";
import type { AccessService } from "../access/access.service.js";
import type { TicketTarget } from "../access/download-ticket.js";
import type { RequestLimiter } from "../access/request-limiter.js";
import { UnauthenticatedError } from "../domain/errors.js";
import { addressBucket, clientAddress } from "./guards.js";
import { versionSegment } from "./urls.js";

declare module "express-serve-static-core" {
  interface Request {
    /**
     * Set when a download ticket authenticated the request: the sha256 of the file it was
     * minted for, or for an archive the version's `filesDigest` then.
     */
    ticketSha256?: string;
  }
}

/**
 * A file or archive download that presents `?ticket=` (minted by the `downloadTicket`
 * mutation) is authenticated by it instead of by `Authorization`, as the key that minted
 * it, for that one download only. Mounted before `authenticate`, which then lets the
 * request through; every other route ignores the parameter (a ticket is no credential
 * there). The download routes check that the file, or the version's files, are still
 * those the ticket was minted for. A refused ticket (unknown, spent, expired, tampered, for
 * another download, or its key revoked) is a failed login as a refused key is: charged to
 * the client's address (`failures`), TOO_MANY_REQUESTS past its budget. Without that, and
 * before the rate limit (which follows authentication), guesses cost nothing but a lookup.
 */
export function ticketAuthentication(access: AccessService, failures: RequestLimiter): Router {
  const router = Router();
  const redeem =
    (targetOf: (req: Request) => TicketTarget): RequestHandler =>
    async (req, _res, next) => {
      const ticket = req.query.ticket;
      if (ticket === undefined) return next();
      let redeemed: Awaited<ReturnType<AccessService["redeemDownloadTicket"]>>;
      try {
        redeemed = await access.redeemDownloadTicket(typeof ticket === "string" ? ticket : "", targetOf(req));
      } catch (error) {
        if (error instanceof UnauthenticatedError) {
          req.authRefused = true;
          await failures.take(addressBucket(clientAddress(req)));
        }
        throw error;
      }
      const { caller, contentSha256 } = redeemed;
      req.caller = caller;
      req.ticketSha256 = contentSha256;
      next();
    };
  router.get(
    "/files/:project/:name/:version/*path",
    redeem((req) => {
      const { project, name, version, path } = req.params as unknown as { project: string; name: string; version: string; path: string[] };
      return { project, name, version: versionSegment(version), path: path.join("/") };
    }),
  );
  router.get(
    "/archives/:project/:name/:version",
    redeem((req) => {
      const { project, name, version } = req.params as { project: string; name: string; version: string };
      return { project, name, version: versionSegment(version), path: null };
    }),
  );
  return router;
}
