import type { RateLimitStore, Taken } from "../rate-limit-store.js";

/** Buckets kept at most; the least recently used goes first. */
const MAX_BUCKETS = 100_000;

/**
 * Token buckets in this process's memory: the embedded store's limiter, and the
 * fallback of a shared one while its database cannot answer.
 */
export class MemoryRateLimits implements RateLimitStore {
  readonly scope = "local";
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  takeNow(bucket: string, wanted: number, perMinute: number): Taken {
    // The monotonic clock: on the wall clock, a step back (NTP, a resumed VM) emptied every
    // bucket in use by the step's worth of tokens, refusing its client for the step's length.
    const now = performance.now();
    const refillPerMs = perMinute / 60_000;
    const state = this.#buckets.get(bucket) ?? { tokens: perMinute, at: now };
    state.tokens = Math.min(perMinute, state.tokens + (now - state.at) * refillPerMs);
    state.at = now;
    this.#buckets.delete(bucket); // re-inserted last: Map order is the LRU order
    this.#buckets.set(bucket, state);
    if (this.#buckets.size > MAX_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value!);
    const granted = Math.max(0, Math.min(wanted, Math.floor(state.tokens)));
    state.tokens -= granted;
    return { granted, retryAfterMs: granted > 0 ? 0 : (1 - state.tokens) / refillPerMs };
  }

  async take(bucket: string, wanted: number, perMinute: number): Promise<Taken> {
    return this.takeNow(bucket, wanted, perMinute);
  }

  async close(): Promise<void> {}
}
