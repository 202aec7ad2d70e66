import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { sleep } from "./support/wait.js";

/**
 * /readyz is public and outside the rate limits: whatever a flood of probes
 * costs, it must not be a round trip to each store per probe.
 */
describe("readiness probes share their round trips to the stores", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw?.close());

  /** Replaces a store's ping for the test: counts the calls, each answered by `answer`. */
  function countPings(store: { ping(): Promise<void> }, answer: () => Promise<void>) {
    const original = store.ping.bind(store);
    const counted = { calls: 0, restore: () => void (store.ping = original) };
    store.ping = () => {
      counted.calls++;
      return answer();
    };
    return counted;
  }

  const probes = (n: number) =>
    Promise.all(Array.from({ length: n }, () => fetch(`${gw.origin}/readyz`).then(async (res) => [res.status, await res.json()] as const)));

  test("fifty concurrent probes cost one ping of each store, not fifty", async () => {
    const database = countPings(gw.storage.metadata, () => sleep(300));
    const blobs = countPings(gw.storage.blobs, () => sleep(300));
    try {
      const answers = await probes(50);
      expect(answers.every(([status, body]) => status === 200 && body.status === "ready")).toBe(true);
      expect(database.calls).toBeLessThanOrEqual(2);
      expect(blobs.calls).toBeLessThanOrEqual(2);
    } finally {
      database.restore();
      blobs.restore();
    }
  });

  test("a hung database gathers one stuck ping, not one per probe; a later probe asks again", async () => {
    const database = countPings(gw.storage.metadata, () => new Promise<void>(() => {}));
    try {
      const started = Date.now();
      const answers = await probes(30);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(answers.every(([status, body]) => status === 503 && body.status === "database-unavailable")).toBe(true);
      expect(database.calls).toBe(1);
    } finally {
      database.restore();
    }
    expect((await fetch(`${gw.origin}/readyz`)).status).toBe(200);
  });
});
