import type { WakeSource } from "../sql/sql-event-feed.js";

/**
 * Other processes sharing the SQLite file have no way to signal this one: while
 * anyone watches, wake every `intervalMs` so the reader looks for new rows (one
 * indexed range read by seq). Changes made by this process wake it at once.
 */
export function pollForEvents(intervalMs: number): WakeSource {
  return (wake) => {
    const timer = setInterval(wake, intervalMs);
    timer.unref();
    return async () => clearInterval(timer);
  };
}
