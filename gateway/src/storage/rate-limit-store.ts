/**
 * The rate-limit port: token buckets by name. A bucket holds up to `perMinute`
 * tokens and refills at `perMinute` a minute; every backend keeps exactly that
 * rule, so the only difference between them is who shares the counts.
 */

export interface Taken {
  /** Tokens granted, from 0 to the number asked for. */
  readonly granted: number;
  /** When none was granted: milliseconds until the next token is due. */
  readonly retryAfterMs: number;
}

export interface RateLimitStore {
  /**
   * `shared`: every process on the same database draws from the same buckets
   * (PostgreSQL). `local`: the counts live in this process only.
   */
  readonly scope: "shared" | "local";
  /** Takes up to `wanted` (≤ `perMinute`) tokens from `bucket` in one step. */
  take(bucket: string, wanted: number, perMinute: number): Promise<Taken>;
  /** Stops background expiry. */
  close(): Promise<void>;
}

/** Connections of a database pool right now (PostgreSQL; SQLite has no pool). */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}
