import { TooManyRequestsError } from "../domain/errors.js";
import type { RateLimitStore } from "../storage/rate-limit-store.js";

/** How long tokens taken ahead from shared buckets stay usable in this process. */
const LEASE_MS = 1_000;
/** Leases (and refusals) kept at most; the oldest go first. */
const MAX_LEASES = 10_000;

/**
 * Tokens taken from shared buckets at a time: 1 below 200 a minute (exact), up
 * to 25 for large limits. A busy key then costs one database round trip per
 * `batch` requests; the price is that a replica may hold up to `batch - 1`
 * tokens another one could have used, for at most a second.
 */
export function batchFor(perMinute: number): number {
  return Math.max(1, Math.min(25, Math.floor(perMinute / 100)));
}

/**
 * One limit (`perMinute` per name, bursting to that many) over a rate-limit
 * store. With shared buckets it takes tokens ahead in small batches and spends
 * them locally (see `batchFor`); concurrent requests of one name in this process
 * wait for one take rather than each sending their own, and once a bucket is
 * found empty its name is refused here until its next token is due. Leases and
 * refusals are timed by the monotonic clock (`performance.now`): by the wall clock, a
 * step back (NTP, a resumed VM) refused every name refused just before it for the
 * step's length more, an hour for an hour.
 */
export class RequestLimiter {
  readonly #leases = new Map<string, { tokens: number; until: number }>();
  readonly #taking = new Map<string, Promise<unknown>>();
  /** Names refused until then: no bucket gains a token sooner, so asking again is no use. */
  readonly #emptyUntil = new Map<string, number>();
  readonly #batch: number;

  constructor(
    private readonly store: RateLimitStore,
    /** Tokens a minute; 0 turns the limit off. */
    readonly perMinute: number,
    /** Tells buckets of different limits apart in one store. */
    private readonly prefix: string,
    /** Words the refusal: "… ; retry in N s" is appended. */
    private readonly refusal: string,
  ) {
    this.#batch = store.scope === "shared" ? batchFor(perMinute) : 1;
  }

  /** Spends one token of `name`, or throws TOO_MANY_REQUESTS with a Retry-After. */
  async take(name: string): Promise<void> {
    if (this.perMinute === 0) return;
    for (;;) {
      const emptyUntil = this.#emptyUntil.get(name);
      if (emptyUntil !== undefined) {
        if (emptyUntil > performance.now()) this.#refuse(emptyUntil - performance.now());
        this.#emptyUntil.delete(name);
      }
      if (this.#spendLeased(name)) return;
      const pending = this.#taking.get(name);
      if (!pending) break;
      await pending.catch(() => {});
    }
    const taking = this.store.take(`${this.prefix}:${name}`, this.#batch, this.perMinute).then(({ granted, retryAfterMs }) => {
      // This request keeps one of the tokens; the rest wait for the next requests of `name`.
      if (granted > 1) this.#lease(name, granted - 1);
      return { granted, retryAfterMs };
    });
    this.#taking.set(name, taking);
    let taken;
    try {
      taken = await taking;
    } finally {
      this.#taking.delete(name);
    }
    if (taken.granted > 0) return;
    this.#emptyUntil.set(name, performance.now() + taken.retryAfterMs);
    if (this.#emptyUntil.size > MAX_LEASES) this.#emptyUntil.delete(this.#emptyUntil.keys().next().value!);
    this.#refuse(taken.retryAfterMs);
  }

  #refuse(retryAfterMs: number): never {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    throw new TooManyRequestsError(`${this.refusal}; retry in ${seconds} s`, seconds);
  }

  #lease(name: string, tokens: number): void {
    this.#leases.delete(name); // re-inserted last: Map order is the LRU order
    this.#leases.set(name, { tokens, until: performance.now() + LEASE_MS });
    if (this.#leases.size > MAX_LEASES) this.#leases.delete(this.#leases.keys().next().value!);
  }

  #spendLeased(name: string): boolean {
    const lease = this.#leases.get(name);
    if (!lease || lease.tokens < 1 || lease.until < performance.now()) return false;
    lease.tokens -= 1;
    return true;
  }
}
