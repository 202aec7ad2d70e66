import { Router } from "express";
import type { MetadataStore } from "../storage/metadata-store.js";

/**
 * `/healthz`: the process is alive. `/readyz`: it can serve — the database
 * answers and no shutdown has begun (load balancers stop routing on 503).
 */
export function healthRoutes(metadata: MetadataStore, isShuttingDown: () => boolean): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    if (isShuttingDown()) {
      res.status(503).json({ status: "shutting-down" });
      return;
    }
    try {
      await metadata.ping();
      res.json({ status: "ready", database: metadata.dialect });
    } catch {
      res.status(503).json({ status: "database-unavailable" });
    }
  });
  return router;
}
