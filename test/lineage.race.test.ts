import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ModelRef } from "../gateway/src/domain/records.js";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { registryOver } from "./support/registry.js";

const ROUNDS = 40;

/**
 * Two writers that would together close a cycle (A names B while B names A), in
 * concurrent transactions: on PostgreSQL (READ COMMITTED) neither sees the other's
 * uncommitted edge, so both must not commit. Exactly one wins; the other is refused.
 */
describe.each(BACKENDS)("lineage cycles under concurrency on %s", (backend) => {
  let storage: TestStorage;
  let registry: ReturnType<typeof registryOver>;
  beforeAll(async () => {
    storage = await openTestStorage(backend);
    registry = registryOver(storage);
  });
  afterAll(() => storage?.cleanup());

  const ref = (name: string): ModelRef => ({ project: "default", name, version: 1 });
  const parentsOf = async (name: string) => ((await registry.getModel(ref(name)))!.lineage?.parents ?? []).map((p) => p.name);

  /** Runs both writes at once, ROUNDS times on fresh pairs; each round: one success, one BAD_USER_INPUT, no cycle. */
  async function race(prefix: string, write: (self: string, parent: string) => Promise<unknown>) {
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = [`${prefix}a${round}`, `${prefix}b${round}`];
      await registry.createModel({ name: a, version: 1 });
      await registry.createModel({ name: b, version: 1 });
      const outcomes = await Promise.allSettled([write(a, b), write(b, a)]);
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: "BAD_USER_INPUT" });
      const [ofA, ofB] = [await parentsOf(a), await parentsOf(b)];
      expect(ofA.includes(b) && ofB.includes(a)).toBe(false);
    }
  }

  test("two edits naming each other as parent: one wins, the other would close a cycle", async () => {
    await race("e", (self, parent) => registry.updateModel(ref(self), { lineage: { parents: [{ name: parent, version: 1 }] } }));
  }, 60_000);

  test("two overwrites naming each other as parent: one wins, the other would close a cycle", async () => {
    await race("o", (self, parent) =>
      registry.createModel({ name: self, version: 1, overwrite: true, lineage: { parents: [{ name: parent, version: 1 }] } }),
    );
  }, 60_000);

  test("an overwrite and an edit naming each other: one wins", async () => {
    let turn = 0;
    await race("m", (self, parent) =>
      turn++ % 2 === 0
        ? registry.createModel({ name: self, version: 1, overwrite: true, lineage: { parents: [{ name: parent, version: 1 }] } })
        : registry.updateModel(ref(self), { lineage: { parents: [{ name: parent, version: 1 }] } }),
    );
  }, 60_000);
});
