import { sql, type Kysely } from "kysely";
import type { RateLimitStore, Taken } from "../rate-limit-store.js";

/** How often each process deletes buckets that have filled up again. */
const EXPIRY_EVERY_MS = 60_000;
const WINDOW_MS = 60_000;

/**
 * Token buckets shared by every gateway on one PostgreSQL, in the UNLOGGED table
 * `rate_limits` (migration 0006_rate_limits: no WAL, so a take costs no fsync; a crash
 * empties the table, which only refills every bucket).
 *
 * Each bucket is one row holding its "theoretical arrival time" (GCRA): the
 * moment it would be full again. A bucket is full at `tat <= now` and empty at
 * `tat >= now + 60 s`; taking n tokens moves `tat` n·(60 s / perMinute) later.
 * One `insert … on conflict do update … returning` takes as many of the wanted
 * tokens as fit, under the row's lock, so concurrent takes from any replica
 * never grant more than the bucket holds. A row whose `tat` has passed is a full
 * bucket, the same as no row: the periodic expiry deletes those.
 */
export class PgRateLimits implements RateLimitStore {
  readonly scope = "shared";
  readonly #timer: NodeJS.Timeout;

  constructor(
    // A frozen view of one table: the registry's schema types do not include it.
    private readonly db: Kysely<Record<string, Record<string, unknown>>>,
    onExpiryFailure: (error: unknown) => void,
  ) {
    this.#timer = setInterval(() => void this.expire().catch(onExpiryFailure), EXPIRY_EVERY_MS);
    this.#timer.unref();
  }

  async take(bucket: string, wanted: number, perMinute: number): Promise<Taken> {
    const interval = WINDOW_MS / perMinute;
    // The database's clock, not each replica's: every replica then agrees on when a bucket refills.
    const now = sql`(select now_ms from clock)`;
    // Never emptier than empty: a tat more than a window ahead is the database's clock stepped back since.
    const base = sql`least(greatest(r.tat, ${now}), ${now} + ${WINDOW_MS}::float8)`;
    const fits = sql`least(${wanted}::int, floor((${now} + ${WINDOW_MS}::float8 - ${base}) / ${interval}::float8 + 1e-9)::int)`;
    const { rows } = await sql<{ tat: number; granted: number; now_ms: number }>`
      with clock as (select (extract(epoch from clock_timestamp()) * 1000)::float8 as now_ms)
      insert into rate_limits as r (bucket, tat, granted)
      select ${bucket}, now_ms + ${wanted * interval}::float8, ${wanted}::int from clock
      on conflict (bucket) do update set tat = ${base} + ${fits} * ${interval}::float8, granted = ${fits}
      returning tat, granted, ${now} as now_ms`.execute(this.db);
    const row = rows[0]!;
    const granted = Number(row.granted);
    // Empty until tat - 60 s + one interval has passed.
    return { granted, retryAfterMs: granted > 0 ? 0 : Math.max(1, Number(row.tat) - WINDOW_MS + interval - Number(row.now_ms)) };
  }

  /** Deletes the rows of buckets that are full again (a full bucket needs no row). */
  async expire(): Promise<void> {
    await sql`delete from rate_limits where tat < extract(epoch from clock_timestamp()) * 1000`.execute(this.db);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
  }
}
