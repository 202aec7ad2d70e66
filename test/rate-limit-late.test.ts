import { describe, expect, test, vi } from "vitest";
import { MemoryRateLimits } from "../gateway/src/storage/memory/memory-rate-limits.js";
import { withLocalFallback } from "../gateway/src/storage/rate-limit-fallback.js";
import type { RateLimitStore, Taken } from "../gateway/src/storage/rate-limit-store.js";

/**
 * A shared take that misses its 1 s deadline keeps running (on PostgreSQL: a pool
 * connection held until the statement timeout, 30 s). A stuck bucket row or a
 * locked rate_limits table must not turn every request into one more such take:
 * with a pool of 10, the gateway answered every request UNAVAILABLE within seconds.
 */
describe("the shared rate-limit buckets, late", () => {
  test("while a shared take is late, takes go local without asking again; once it answers, shared ones resume", async () => {
    const pending: ((taken: Taken) => void)[] = [];
    let answerAtOnce = false;
    const shared: RateLimitStore = {
      scope: "shared",
      take: () =>
        answerAtOnce ? Promise.resolve({ granted: 1, retryAfterMs: 0 }) : new Promise<Taken>((resolve) => pending.push(resolve)),
      close: async () => {},
    };
    const store = withLocalFallback(shared, new MemoryRateLimits());
    const first = await store.take("k", 1, 1000); // waits out the deadline, then local
    expect(first.granted).toBe(1);
    const started = Date.now();
    for (let i = 0; i < 20; i++) expect((await store.take(`k${i}`, 1, 1000)).granted).toBe(1);
    expect(Date.now() - started, "later takes did not wait for the shared buckets").toBeLessThan(500);
    expect(pending, "shared takes started while one was late").toHaveLength(1);

    // The late one answers: the shared buckets are asked again.
    answerAtOnce = true;
    pending[0]!({ granted: 1, retryAfterMs: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    const again = Date.now();
    expect((await store.take("k", 1, 1000)).granted).toBe(1);
    expect(Date.now() - again).toBeLessThan(500);
    await store.close();
  });

  test("its warning comes again 30 s after the last, whatever the wall clock does meanwhile", async () => {
    vi.useFakeTimers({ toFake: ["Date", "performance"] });
    try {
      const warnings: unknown[] = [];
      const refusing: RateLimitStore = { scope: "shared", take: () => Promise.reject(new Error("OOM")), close: async () => {} };
      const store = withLocalFallback(refusing, new MemoryRateLimits(), { warn: (...args: unknown[]) => void warnings.push(args) });
      await store.take("k", 1, 1000);
      expect(warnings).toHaveLength(1);
      // The clock stepped back an hour (NTP, a resumed VM), then 31 s passed.
      vi.setSystemTime(Date.now() - 3_600_000);
      vi.advanceTimersByTime(31_000);
      await store.take("k", 1, 1000);
      expect(warnings).toHaveLength(2);
      expect(warnings[1]).toEqual([{ reason: "OOM" }, expect.stringMatching(/failed \(no answer in time, or an error\)/)]);
      await store.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
