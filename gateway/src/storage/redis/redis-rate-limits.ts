import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { RateLimitStore, Taken } from "../rate-limit-store.js";

const WINDOW_MS = 60_000;
/** At most one warning this often about a lost connection. */
const WARN_EVERY_MS = 30_000;
/**
 * A connection that owes an answer and has sent nothing for this long is given up and
 * opened again. A peer gone without a reset (a failover, a NAT or load balancer forgetting
 * the flow) otherwise held the connection for as long as TCP kept retrying, or for ever
 * behind a proxy that still acknowledges: its take never settled, and the fallback (see
 * rate-limit-fallback.ts) kept every take local while one is unanswered.
 */
const SILENT_MS = 3_000;

/**
 * The same GCRA bucket as storage/postgres/pg-rate-limits.ts, as one Lua script:
 * Redis runs it atomically, on its own clock. A bucket's key expires when the
 * bucket is full again, so Redis itself drops idle buckets. A bucket is never
 * emptier than empty: a stamp more than a window ahead is Redis's clock stepped
 * back since it was written (its key's expiry moved back with it), and is taken
 * as an empty bucket, as PostgreSQL's statement does, not as an hour's refusal
 * for an hour's step.
 * KEYS[1] bucket; ARGV wanted, interval (ms a token), window (ms). Returns
 * {granted, retry-after ms}.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local wanted = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local stored = tonumber(redis.call('GET', KEYS[1]) or '0')
local base = math.min(math.max(stored, now), now + window)
local granted = math.min(wanted, math.floor((now + window - base) / interval + 1e-9))
local tat = base + granted * interval
if tat ~= stored then
  redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1)
end
if granted > 0 then
  return {granted, 0}
end
return {0, math.ceil(base - window + interval - now)}
`;

type WithTake = Redis & { homerTake(key: string, wanted: number, interval: number, window: number): Promise<[number, number]> };

/**
 * Token buckets shared through Redis (HOMER_REDIS_URL): one round trip a take,
 * no load on the database. Commands fail at once while Redis is unreachable
 * (no offline queue), so the local fallback decides instead of requests waiting.
 */
export class RedisRateLimits implements RateLimitStore {
  readonly scope = "shared";
  readonly #redis: WithTake;

  constructor(url: string, logger?: Pick<Logger, "warn">) {
    this.#redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
      socketTimeout: SILENT_MS,
    }) as WithTake;
    this.#redis.defineCommand("homerTake", { numberOfKeys: 1, lua: TAKE });
    let warnedAt = -Infinity;
    // Without a listener a lost connection would end the process.
    this.#redis.on("error", (error: Error) => {
      // The monotonic clock: a wall clock stepped back would silence the warning for the step's length.
      if (performance.now() - warnedAt < WARN_EVERY_MS) return;
      warnedAt = performance.now();
      logger?.warn({ reason: error.message }, "Redis (HOMER_REDIS_URL) is unreachable; rate limits hold per process until it returns");
    });
  }

  /**
   * Resolves once connected, or after `timeoutMs` regardless (the fallback serves
   * until Redis answers): start-up waits a little rather than for ever.
   */
  async ready(timeoutMs: number): Promise<boolean> {
    if (this.#redis.status === "ready") return true;
    let timer: NodeJS.Timeout | undefined;
    let onReady: (() => void) | undefined;
    const connected = await Promise.race([
      new Promise<boolean>((resolve) => this.#redis.once("ready", (onReady = () => resolve(true)))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (onReady) this.#redis.off("ready", onReady);
    return connected;
  }

  async take(bucket: string, wanted: number, perMinute: number): Promise<Taken> {
    const [granted, retryAfterMs] = await this.#redis.homerTake(`homer:rate:${bucket}`, wanted, WINDOW_MS / perMinute, WINDOW_MS);
    return { granted: Number(granted), retryAfterMs: Number(retryAfterMs) };
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
