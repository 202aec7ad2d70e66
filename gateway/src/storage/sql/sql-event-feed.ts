import type { Kysely } from "kysely";
import type { ModelEventRecord, ModelEventType } from "../../domain/records.js";
import type { EventFeed, Unwatch } from "../event-feed.js";
import type { Database } from "./schema.js";

/** Rows one statement of `prune` deletes at most: a few milliseconds of SQLite's write lock. */
export const PRUNE_BATCH_ROWS = 2_000;

/** How a backend learns of changes other processes committed: calls `wake` for each, until unwatched. */
export type WakeSource = (wake: () => void) => Unwatch;

/** The event log in the registry's own database; `committed()` wakes this process's watchers at once. */
export class SqlEventFeed implements EventFeed {
  readonly #local = new Set<() => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly remote: WakeSource,
  ) {}

  /** Called by the metadata store after a transaction that wrote an event committed. */
  committed(): void {
    for (const wake of this.#local) wake();
  }

  async latestSeq(): Promise<number> {
    const row = await this.db
      .selectFrom("events")
      .select((eb) => eb.fn.max("seq").as("seq"))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  async readAfter(seq: number, limit: number): Promise<ModelEventRecord[]> {
    const rows = await this.db.selectFrom("events").selectAll().where("seq", ">", seq).orderBy("seq").limit(limit).execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      type: r.type as ModelEventType,
      project: r.project,
      name: r.name,
      version: Number(r.version),
      at: new Date(Number(r.at)),
      alias: r.alias ?? null,
    }));
  }

  watch(wake: () => void): Unwatch {
    this.#local.add(wake);
    const stopRemote = this.remote(wake);
    return async () => {
      this.#local.delete(wake);
      await stopRemote();
    };
  }

  /**
   * Deletes the events older than `before`, oldest first, `PRUNE_BATCH_ROWS` a statement:
   * one delete of a long-idle log held SQLite's only write lock for as long as it took
   * (386 ms for 500,000 rows) while every registration waited; between batches the
   * event loop turns, so a queued write takes the lock in between.
   */
  async prune(before: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const oldest = this.db.selectFrom("events").select("seq").where("at", "<", before.getTime()).orderBy("seq").limit(PRUNE_BATCH_ROWS);
      const result = await this.db.deleteFrom("events").where("seq", "in", oldest).executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < PRUNE_BATCH_ROWS) return total;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
