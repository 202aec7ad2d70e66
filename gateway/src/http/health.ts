import { Router } from "express";
import { GATEWAY_VERSION, SCHEMA_VERSION } from "../domain/version.js";

/** A store as a probe sees it: a cheap round trip. */
interface Pingable {
  ping(): Promise<void>;
}

/** A probe must answer quickly even when a store hangs rather than refuses. */
const PING_TIMEOUT_MS = 2_000;

/** Whether a store answered a cheap round trip within `timeoutMs`. */
async function answers(store: Pingable, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const answered = store.ping().then(
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
 * `answers`, shared: while one round trip to the store is in flight, every probe waits
 * for its answer rather than starting another. The probes are public and outside the
 * rate limits: one round trip each would let any client queue pings (PostgreSQL pool
 * connections, S3 requests) ahead of the requests that need them, and a hung store
 * would gather one stuck ping per probe. Now it gathers at most one per `timeoutMs`.
 */
function sharedAnswers(store: Pingable, timeoutMs: number): () => Promise<boolean> {
  let asking: Promise<boolean> | undefined;
  return () => (asking ??= answers(store, timeoutMs).finally(() => (asking = undefined)));
}

/** The stores a probe checks, and their kinds (reported). */
interface ProbedStorage {
  readonly metadata: Pingable;
  readonly database: string;
  readonly blobs: Pingable;
  readonly blobStore: string;
}

/**
 * `/healthz`: the process is alive. `/readyz`: it can serve — the database answers
 * a cheap query and the blob store a cheap request (HeadBucket, or the directory
 * is there) within 2 s, and no shutdown has begun (load balancers stop routing on 503).
 * Concurrent probes share one round trip to each store.
 */
export function healthRoutes(storage: ProbedStorage, isShuttingDown: () => boolean): Router {
  const router = Router();
  const database = sharedAnswers(storage.metadata, PING_TIMEOUT_MS);
  const blobs = sharedAnswers(storage.blobs, PING_TIMEOUT_MS);
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok", version: GATEWAY_VERSION, schemaVersion: SCHEMA_VERSION });
  });
  router.get("/readyz", async (_req, res) => {
    if (isShuttingDown()) {
      res.status(503).json({ status: "shutting-down" });
      return;
    }
    const [databaseUp, blobsUp] = await Promise.all([database(), blobs()]);
    if (databaseUp && blobsUp) {
      res.json({ status: "ready", database: storage.database, blobStore: storage.blobStore });
      return;
    }
    res.setHeader("Retry-After", "5");
    res.status(503).json({ status: databaseUp ? "blob-store-unavailable" : "database-unavailable" });
  });
  return router;
}
