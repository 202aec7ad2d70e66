import { createHash, timingSafeEqual } from "node:crypto";
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { ForbiddenError } from "../domain/errors.js";
import type { Metrics, RouteLabel } from "../metrics/index.js";

/**
 * Which part of the gateway a request's path belongs to (the HTTP metrics' route label).
 * Express routes paths whatever their case and with a trailing slash: so does the label.
 */
export function routeOf(requestPath: string): RouteLabel {
  const path = requestPath.length > 1 && requestPath.endsWith("/") ? requestPath.slice(0, -1).toLowerCase() : requestPath.toLowerCase();
  if (path === "/graphql" || path.startsWith("/graphql/")) return "graphql";
  if (path.startsWith("/files/")) return "files";
  if (path.startsWith("/archives/")) return "archives";
  if (path === "/healthz" || path === "/readyz") return "health";
  if (path === "/metrics") return "metrics";
  return "other";
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * `GET /metrics` in Prometheus' text format. Who may scrape: a request bearing
 * `token` (HOMER_METRICS_TOKEN), compared in constant time; otherwise whoever
 * `authenticate` lets in as a global admin, or anyone when the registry runs
 * without keys (open mode on loopback, like every other route). A request that is
 * not the token's is one of its key's (or address's) requests for `rateLimit`, as
 * on every other route: else any key, an admin's or not, sent them uncounted.
 */
export function metricsRoute(
  metrics: Metrics,
  options: { readonly token?: string; readonly authenticate: RequestHandler; readonly rateLimit: RequestHandler },
): Router {
  const router = Router();
  const expected = options.token === undefined ? undefined : digest(options.token);
  // Read as a key is (access.service.ts): the scheme in any case, any spacing after it. Compared
  // exactly, `bearer …` or two spaces went on to be refused as a malformed key, a failed login.
  const bearsToken = (req: Request) =>
    expected !== undefined && timingSafeEqual(digest(/^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? ""), expected);
  const serve = async (_req: Request, res: Response) => {
    const { contentType, body } = await metrics.render();
    res.setHeader("Content-Type", contentType);
    res.setHeader("Cache-Control", "no-store");
    res.send(body);
  };
  router.get(
    "/metrics",
    (req: Request, res: Response, next: NextFunction) => (bearsToken(req) ? serve(req, res) : next()),
    options.authenticate,
    options.rateLimit,
    (req: Request, res: Response) => {
      if (req.caller.keyId !== null && !req.caller.isGlobalAdmin) {
        throw new ForbiddenError("metrics are for admin keys or the metrics token (HOMER_METRICS_TOKEN)");
      }
      return serve(req, res);
    },
  );
  return router;
}
