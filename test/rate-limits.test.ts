import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { batchFor, RequestLimiter } from "../gateway/src/access/request-limiter.js";
import { TooManyRequestsError } from "../gateway/src/domain/errors.js";
import { MemoryRateLimits } from "../gateway/src/storage/memory/memory-rate-limits.js";
import { openPostgresStore, type PostgresStore } from "../gateway/src/storage/postgres/index.js";
import { withLocalFallback } from "../gateway/src/storage/rate-limit-fallback.js";
import type { RateLimitStore } from "../gateway/src/storage/rate-limit-store.js";
import { RedisRateLimits } from "../gateway/src/storage/redis/redis-rate-limits.js";
import { createPgDatabase } from "./support/backends.js";
import { startRedisServer, type RedisServer } from "./support/redis-server.js";
import { silencingProxy } from "./support/silencing-proxy.js";
import { captureLog } from "./support/log-capture.js";
import { sleep, waitFor } from "./support/wait.js";

let database: Awaited<ReturnType<typeof createPgDatabase>>;
let postgres: PostgresStore;
let redisServer: RedisServer;
let redis: RedisRateLimits;
beforeAll(async () => {
  database = await createPgDatabase();
  postgres = await openPostgresStore(database.url);
  redisServer = await startRedisServer();
  redis = new RedisRateLimits(redisServer.url);
  expect(await redis.ready(5_000)).toBe(true);
});
afterAll(async () => {
  await redis?.close();
  await redisServer?.stop();
  await postgres?.rateLimits.close();
  await postgres?.metadata.close();
  await database?.drop();
});

let unique = 0;
const fresh = () => `test:${process.pid}:${++unique}`;

const memory = new MemoryRateLimits();
const STORES: [string, () => RateLimitStore][] = [
  ["postgres", () => postgres.rateLimits],
  ["redis", () => redis],
  ["memory", () => memory],
];

describe.each(STORES)("rate-limit store (%s)", (_name, store) => {
  test("100 concurrent takes from a bucket of 30 grant exactly 30", async () => {
    const bucket = fresh();
    const results = await Promise.all(Array.from({ length: 100 }, () => store().take(bucket, 1, 30)));
    expect(results.reduce((sum, r) => sum + r.granted, 0)).toBe(30);
    const refused = results.filter((r) => r.granted === 0);
    // One token comes back every 2 s.
    expect(refused.every((r) => r.retryAfterMs > 0 && r.retryAfterMs <= 2_000)).toBe(true);
  });

  test("a batch takes what is left, then nothing until the bucket refills", async () => {
    const bucket = fresh();
    expect((await store().take(bucket, 25, 30)).granted).toBe(25);
    expect((await store().take(bucket, 25, 30)).granted).toBe(5);
    expect((await store().take(bucket, 1, 30)).granted).toBe(0);
    // 60 a minute: a token every second.
    const fast = fresh();
    expect((await store().take(fast, 60, 60)).granted).toBe(60);
    expect((await store().take(fast, 1, 60)).granted).toBe(0);
    await sleep(1_100);
    const refilled = (await store().take(fast, 60, 60)).granted;
    expect(refilled).toBeGreaterThanOrEqual(1);
    expect(refilled).toBeLessThan(5);
  });
});

describe("shared buckets in PostgreSQL", () => {
  const rows = async (bucket: string) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query("select count(*)::int as n from rate_limits where bucket = $1", [bucket])).rows[0].n as number;
    } finally {
      await client.end();
    }
  };

  test("buckets that have filled up again are expired; busy ones stay", async () => {
    const full = fresh();
    const busy = fresh();
    await postgres.rateLimits.take(full, 1, 60_000); // full again after 1 ms
    await postgres.rateLimits.take(busy, 1, 1);
    await sleep(10);
    await (postgres.rateLimits as unknown as { expire(): Promise<void> }).expire();
    expect(await rows(full)).toBe(0);
    expect(await rows(busy)).toBe(1);
  });

  test("a database that does not answer within 1 s: the process limits alone, and says so once", async () => {
    const bucket = fresh();
    await postgres.rateLimits.take(bucket, 1, 30);
    const log = captureLog("warn");
    const store = withLocalFallback(postgres.rateLimits, new MemoryRateLimits(), log.logger);
    const limiter = new RequestLimiter(store, 3, "stuck", "limited");
    // Another session holds the bucket's row: every take on it waits.
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query("begin");
      await blocker.query("select * from rate_limits where bucket like 'stuck:%' or bucket = $1 for update", [bucket]);
      await limiter.take("x"); // creates the row, unlocked: answers at once
      await blocker.query("select * from rate_limits where bucket = 'stuck:x' for update");
      // The shared bucket still has 2 of 3 tokens, but cannot answer: the local one (3) decides.
      const started = Date.now();
      await limiter.take("x");
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      await limiter.take("x");
      await limiter.take("x");
      await expect(limiter.take("x")).rejects.toBeInstanceOf(TooManyRequestsError);
      expect(log.parsed().filter((l) => /limiting per process/.test(String(l.msg)))).toHaveLength(1);
    } finally {
      await blocker.query("rollback");
      await blocker.end();
    }
  });

  test("a failing statement falls back at once; the limiter never throws anything but TOO_MANY_REQUESTS", async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query("alter table rate_limits rename to rate_limits_away");
    try {
      const limiter = new RequestLimiter(withLocalFallback(postgres.rateLimits, new MemoryRateLimits()), 5, "down", "limited");
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => limiter.take("y")));
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(5);
      expect(outcomes.filter((o) => o.status === "rejected").every((o) => o.reason instanceof TooManyRequestsError)).toBe(true);
    } finally {
      await admin.query("alter table rate_limits_away rename to rate_limits");
      await admin.end();
    }
  });
});

describe("shared buckets in Redis", () => {
  test("buckets expire by themselves once full again", async () => {
    const bucket = fresh();
    await redis.take(bucket, 1, 60_000); // full again after 1 ms
    const client = new Redis(redisServer.url);
    try {
      await sleep(20);
      expect(await client.exists(`homer:rate:${bucket}`)).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  test("Redis stopped: takes fail at once and the process limits alone; no request waits", async () => {
    const own = await startRedisServer();
    const log = captureLog("warn");
    const shared = new RedisRateLimits(own.url, log.logger);
    const limiter = new RequestLimiter(withLocalFallback(shared, new MemoryRateLimits(), log.logger), 3, "gone", "limited");
    try {
      expect(await shared.ready(5_000)).toBe(true);
      await limiter.take("z");
      await own.stop();
      const started = Date.now();
      await limiter.take("z");
      await limiter.take("z");
      await limiter.take("z");
      await expect(limiter.take("z")).rejects.toBeInstanceOf(TooManyRequestsError);
      expect(Date.now() - started).toBeLessThan(900);
      expect(log.parsed().some((l) => /limiting per process/.test(String(l.msg)))).toBe(true);
    } finally {
      await shared.close();
      await own.stop();
    }
  });

  test("a connection gone silent (no reset: a failover, a forgotten NAT flow) is replaced, and the shared buckets are asked again", async () => {
    const proxy = await silencingProxy(new URL(redisServer.url), 6379);
    const shared = new RedisRateLimits(`redis://127.0.0.1:${proxy.port}`);
    const store = withLocalFallback(shared, new MemoryRateLimits());
    const direct = new Redis(redisServer.url);
    // One a minute: a bucket's key lives 60 s, so a take that reached Redis is seen there.
    const reachedRedis = async (bucket: string) => (await direct.exists(`homer:rate:${bucket}`)) === 1;
    try {
      expect(await shared.ready(5_000)).toBe(true);
      const before = fresh();
      expect((await store.take(before, 1, 1)).granted).toBe(1);
      expect(await reachedRedis(before)).toBe(true);
      proxy.silenceAll();
      // Unanswered: after the deadline this process decides alone.
      const during = fresh();
      expect((await store.take(during, 1, 1)).granted).toBe(1);
      expect(await reachedRedis(during)).toBe(false);
      // Redis answers on any new connection: within seconds the takes reach it again.
      await waitFor(
        "a take to reach Redis again",
        async () => {
          const bucket = fresh();
          await store.take(bucket, 1, 1);
          return reachedRedis(bucket);
        },
        15_000,
        200,
      );
    } finally {
      direct.disconnect();
      await store.close();
      await proxy.close();
    }
  });
});

/** PostgreSQL's shared buckets, counting the round trips a limiter makes (and checking each take, if asked). */
function countingStore(check?: (wanted: number) => void): RateLimitStore & { takes(): number } {
  let takes = 0;
  return {
    scope: "shared",
    take: (bucket, wanted, perMinute) => {
      takes++;
      check?.(wanted);
      return postgres.rateLimits.take(bucket, wanted, perMinute);
    },
    close: async () => {},
    takes: () => takes,
  };
}

describe("RequestLimiter", () => {
  test("takes shared tokens in batches: one round trip for many requests of a busy key", async () => {
    const counting = countingStore();
    expect(batchFor(30)).toBe(1);
    expect(batchFor(1200)).toBe(12);
    const limiter = new RequestLimiter(counting, 1200, fresh(), "limited");
    await Promise.all(Array.from({ length: 36 }, () => limiter.take("busy")));
    expect(counting.takes()).toBe(3);
  });

  test("small limits are exact: one take per request", async () => {
    const counting = countingStore((wanted) => expect(wanted).toBe(1));
    const limiter = new RequestLimiter(counting, 10, fresh(), "limited");
    const outcomes = await Promise.allSettled(Array.from({ length: 15 }, () => limiter.take("k")));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(10);
    expect(counting.takes()).toBeGreaterThanOrEqual(10);
  });
});

describe("RequestLimiter refusals", () => {
  test("an empty bucket is refused locally until its next token is due: a flood costs one round trip", async () => {
    const counting = countingStore();
    const limiter = new RequestLimiter(counting, 2, fresh(), "limited");
    await limiter.take("flood");
    await limiter.take("flood");
    const outcomes = await Promise.allSettled(Array.from({ length: 200 }, () => limiter.take("flood")));
    expect(outcomes.every((o) => o.status === "rejected" && o.reason instanceof TooManyRequestsError)).toBe(true);
    // Two grants, then one refusal from the database; the other 199 never left the process.
    expect(counting.takes()).toBe(3);
    const retryAfter = Number((outcomes[199] as PromiseRejectedResult).reason.details.retryAfterSeconds);
    expect(retryAfter).toBeGreaterThan(25);
    expect(retryAfter).toBeLessThanOrEqual(30);
  });
});

/** What a refused take says: its Retry-After in seconds. */
async function refusedFor(take: Promise<void>): Promise<number> {
  const error: unknown = await take.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TooManyRequestsError);
  return Number((error as TooManyRequestsError).details?.retryAfterSeconds);
}

describe.each(STORES)("the gateway's wall clock stepped back an hour (%s)", (_name, store) => {
  afterEach(() => vi.useRealTimers());

  test("a client refused a moment ago waits for its next token, not an hour more; one with tokens left passes", async () => {
    const perSecond = new RequestLimiter(store(), 60, fresh(), "limited");
    const perHalfMinute = new RequestLimiter(store(), 2, fresh(), "limited");
    await perSecond.take("some"); // 59 of 60 left
    await perHalfMinute.take("all");
    await perHalfMinute.take("all");
    expect(await refusedFor(perHalfMinute.take("all"))).toBeLessThanOrEqual(30);
    // An NTP step, a VM resumed, an operator's fix: Date jumps back; time itself goes on.
    vi.setSystemTime(Date.now() - 3_600_000);
    await perSecond.take("some");
    expect(await refusedFor(perHalfMinute.take("all"))).toBeLessThanOrEqual(30);
  });
});

describe("a shared store's clock stepped back an hour since a bucket was taken from", () => {
  /** Leaves `bucket` as a take leaves it whose store's clock then stepped back an hour: stamped a full window and an hour ahead. */
  const stampAhead: Record<"postgres" | "redis", (bucket: string) => Promise<void>> = {
    async postgres(bucket) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(
          "insert into rate_limits (bucket, tat, granted) values ($1, extract(epoch from clock_timestamp()) * 1000 + 3660000, 1)",
          [bucket],
        );
      } finally {
        await client.end();
      }
    },
    async redis(bucket) {
      const client = new Redis(redisServer.url);
      try {
        const [seconds, micros] = await client.time();
        const stamp = Number(seconds) * 1000 + Number(micros) / 1000 + 3_660_000;
        await client.set(`homer:rate:${bucket}`, stamp.toFixed(3), "PX", 3_660_000);
      } finally {
        client.disconnect();
      }
    },
  };
  const shared = { postgres: () => postgres.rateLimits, redis: () => redis };

  test.each(["postgres", "redis"] as const)("%s: the bucket is empty, a token is due within its interval, not in an hour", async (name) => {
    const bucket = fresh();
    await stampAhead[name](bucket);
    const taken = await shared[name]().take(bucket, 1, 60);
    expect(taken).toMatchObject({ granted: 0 });
    expect(taken.retryAfterMs).toBeGreaterThan(0);
    expect(taken.retryAfterMs).toBeLessThanOrEqual(1_000);
    await waitFor("the bucket's next token", async () => (await shared[name]().take(bucket, 1, 60)).granted === 1, 5_000, 100);
  });
});
