import { Router } from "express";

/** The database as a probe sees it: a cheap round trip. */
interface Pingable {
  ping(): Promise<void>;
}

/** A probe must answer quickly even when the database hangs rather than refuses. */
const PING_TIMEOUT_MS = 2_000;

/** Whether the database answered a cheap round trip within `timeoutMs`. */
async function databaseAnswers(metadata: Pingable, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const answered = metadata.ping().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process is alive. `/readyz`: it can serve — the database
 * answers a cheap query within 2 s and no shutdown has begun (load balancers
 * stop routing on 503).
 */
export function healthRoutes(storage: { readonly metadata: Pingable; readonly database: string }, isShuttingDown: () => boolean): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    if (isShuttingDown()) {
      res.status(503).json({ status: "shutting-down" });
      return;
    }
    if (await databaseAnswers(storage.metadata, PING_TIMEOUT_MS)) {
      res.json({ status: "ready", database: storage.database });
    } else {
      res.setHeader("Retry-After", "5");
      res.status(503).json({ status: "database-unavailable" });
    }
  });
  return router;
}
