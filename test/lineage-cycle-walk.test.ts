/**
 * The cycle check walks a new parent's ancestry under the lineage lock (PostgreSQL: every
 * lineage write waits), which takes time in the length of that lineage. Only a version some
 * readable version names as a parent can be its own ancestor, so a create of a new number
 * (at the tip of any chain) must not walk at all; an edit or an overwrite of a version that
 * others name still does, and still refuses a cycle.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { registryOver } from "./support/registry.js";

describe.each(BACKENDS)("the lineage cycle check on %s", (backend) => {
  let storage: TestStorage;
  let registry: ReturnType<typeof registryOver>;
  const walks: string[] = [];
  const CHAIN = 40;

  beforeAll(async () => {
    storage = await openTestStorage(backend, {
      log: (event) => {
        if (event.level === "query" && /with recursive ancestors/i.test(event.query.sql)) walks.push(event.query.sql);
      },
    });
    registry = registryOver(storage);
    await registry.createModel({ name: "chain" });
    for (let v = 2; v <= CHAIN; v++)
      await registry.createModel({ name: "chain", lineage: { parents: [{ name: "chain", version: v - 1 }] } });
  });
  afterAll(() => storage?.cleanup());

  test("a new version at the tip of a chain, or derived from any of its versions, is created without walking the chain", async () => {
    walks.length = 0;
    const tip = await registry.createModel({ name: "chain", lineage: { parents: [{ name: "chain", version: CHAIN }] } });
    expect(tip.version).toBe(CHAIN + 1);
    await registry.createModel({
      name: "branch",
      lineage: {
        parents: [
          { name: "chain", version: 7 },
          { name: "chain", version: CHAIN + 1 },
        ],
      },
    });
    expect(walks).toEqual([]);
  });

  test("an edit or an overwrite of a version others name walks, and refuses the cycle it would close", async () => {
    walks.length = 0;
    await expect(
      registry.updateModel({ name: "chain", version: 3 }, { lineage: { parents: [{ name: "chain", version: CHAIN }] } }),
    ).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      message: "input.lineage.parents would make default/chain@3 its own ancestor",
    });
    await expect(
      registry.createModel({ name: "chain", version: 5, overwrite: true, lineage: { parents: [{ name: "chain", version: 20 }] } }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect(walks).toHaveLength(2);
    // Named by nobody (the tip of the branch): an edit to any parent needs no walk, and is taken.
    const edited = await registry.updateModel({ name: "branch", version: 1 }, { lineage: { parents: [{ name: "chain", version: 2 }] } });
    expect(edited.lineage?.parents).toEqual([{ project: "default", name: "chain", version: 2 }]);
    expect(walks).toHaveLength(2);
  });

  test("a deleted version's number, named by its children still, is walked when registered again: the old cycle is refused", async () => {
    await registry.deleteModel({ name: "chain", version: 10 });
    walks.length = 0;
    await expect(
      registry.createModel({ name: "chain", version: 10, lineage: { parents: [{ name: "chain", version: 30 }] } }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect(walks).toHaveLength(1);
  });

  test("a version naming itself is refused without a walk", async () => {
    walks.length = 0;
    await expect(
      registry.createModel({ name: "chain", version: 2, overwrite: true, lineage: { parents: [{ name: "chain", version: 2 }] } }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect(walks).toEqual([]);
  });
});
