import pg from "pg";
import type { Logger } from "pino";
import type { WakeSource } from "../sql/sql-event-feed.js";

/** The channel every writing transaction NOTIFYs (with its event's seq) at commit. */
export const EVENTS_CHANNEL = "homer_events";

/** Reconnection backoff: 100 ms doubling up to this. */
const MAX_BACKOFF_MS = 5_000;

/**
 * While listening, a round trip this often, and the connection counts as lost when one
 * is not answered within as long: a peer gone without a reset (its host lost in a
 * failover, a NAT or load balancer that forgot the idle flow) would otherwise leave it
 * waiting for notifications that never come until TCP keepalive gives up, after hours.
 */
const HEARTBEAT_MS = 5_000;

/**
 * LISTENs on a dedicated connection (a pooled one would be handed to queries).
 * A lost connection (the server restarted, pg_terminate_backend, the network)
 * is replaced with backoff; after every (re)connection `wake` runs once, so the
 * reader replays from its last seq whatever was committed while nobody listened.
 * A connection that stops answering is lost too (`HEARTBEAT_MS`).
 */
export function listenForEvents(connectionString: string, logger?: Pick<Logger, "warn" | "info">): WakeSource {
  return (wake) => {
    let client: pg.Client | undefined;
    let stopped = false;
    let failures = 0;
    let timer: NodeJS.Timeout | undefined;
    let heartbeat: NodeJS.Timeout | undefined;

    const lost = (lostClient: pg.Client, error?: unknown) => {
      if (client !== lostClient || stopped) return;
      client = undefined;
      clearTimeout(heartbeat);
      // With the heartbeat's query unanswered, end() destroys the socket rather than wait on it.
      lostClient.end().catch(() => {});
      const delay = Math.min(100 * 2 ** failures, MAX_BACKOFF_MS);
      failures++;
      logger?.warn(
        { reason: error instanceof Error ? error.message : undefined, retryInMs: delay },
        "the PostgreSQL connection listening for events was lost; reconnecting",
      );
      timer = setTimeout(connect, delay);
    };

    /** The next round trip on `current`, HEARTBEAT_MS from now; unanswered after as long, it is lost. */
    const beat = (current: pg.Client) => {
      heartbeat = setTimeout(() => {
        heartbeat = setTimeout(() => lost(current, new Error(`no answer in ${HEARTBEAT_MS} ms`)), HEARTBEAT_MS);
        current.query("select 1").then(
          () => {
            if (client !== current) return;
            clearTimeout(heartbeat);
            beat(current);
          },
          (error: unknown) => lost(current, error),
        );
      }, HEARTBEAT_MS);
    };

    const connect = () => {
      if (stopped) return;
      // Named, so an operator sees it in pg_stat_activity (and knows not to count it as pool use).
      const current = new pg.Client({ connectionString, keepAlive: true, application_name: "homer-events" });
      client = current;
      current.on("error", (error) => lost(current, error));
      current.on("end", () => lost(current));
      current.on("notification", () => wake());
      current
        .connect()
        .then(() => current.query(`LISTEN ${EVENTS_CHANNEL}`))
        .then(() => {
          if (client !== current) return;
          if (failures > 0) logger?.info({ after: failures }, "listening for events again; replaying what was missed");
          failures = 0;
          beat(current);
          wake();
        })
        .catch((error: unknown) => lost(current, error));
    };

    connect();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(heartbeat);
      const last = client;
      client = undefined;
      await last?.end().catch(() => {});
    };
  };
}
