/**
 * The cycle check walks under the lineage lock (PostgreSQL: every lineage write waits), so
 * its cost must stay linear in what it walks, whatever the database's statistics say: it
 * walks down from the versions that name the written version as a parent, each step a seek
 * of `model_parents_children` by the whole reference and primary-key reads (the walk up
 * joined by family and number, and PostgreSQL, its statistics saying families are small,
 * read a long chain's whole family at each step). An edit or an overwrite of a version that
 * others name refuses the cycle it would close.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { execute, explain, type Statement } from "./support/explain.js";
import { registryOver } from "./support/registry.js";

describe.each(BACKENDS)("the lineage cycle check on %s", (backend) => {
  let storage: TestStorage;
  let registry: ReturnType<typeof registryOver>;
  const walks: Statement[] = [];
  const CHAIN = 40;
  /** Families of one version each, as most are: what made PostgreSQL's statistics mislead the walk up. */
  const SMALL_FAMILIES = 120;

  beforeAll(async () => {
    storage = await openTestStorage(backend, {
      log: (event) => {
        if (event.level === "query" && /with recursive descendants/i.test(event.query.sql)) walks.push(event.query);
      },
    });
    registry = registryOver(storage);
    await registry.createModel({ name: "chain" });
    for (let v = 2; v <= CHAIN; v++)
      await registry.createModel({ name: "chain", lineage: { parents: [{ name: "chain", version: v - 1 }] } });
    for (let f = 1; f <= SMALL_FAMILIES; f++)
      await registry.createModel({
        name: `small-${f}`,
        lineage: f > 1 ? { parents: [{ name: `small-${f - 1}`, version: 1 }] } : undefined,
      });
    await execute(backend, storage.databaseUrl, "analyze");
  });
  afterAll(() => storage?.cleanup());

  test("each step of the walk is a seek by the whole parent reference and primary-key reads, with statistics", async () => {
    walks.length = 0;
    await expect(
      registry.updateModel({ name: "chain", version: 2 }, { lineage: { parents: [{ name: "chain", version: CHAIN }] } }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect(walks).toHaveLength(1);
    const plan = await explain(backend, storage.databaseUrl, walks[0]!);
    if (backend === "sqlite") {
      expect(plan).toMatch(
        /SEARCH pp USING (COVERING )?INDEX model_parents_children \(parent_project=\? AND parent_name=\? AND parent_version=\?\)/,
      );
      expect(plan).toMatch(/SEARCH m USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      expect(plan).toMatch(/SEARCH f USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    } else {
      expect(plan).toMatch(/Index (Only )?Scan using model_parents_children on model_parents pp/);
      expect(plan).toMatch(
        /Index Cond: \(\(parent_project = d\.project\) AND \(parent_name = d\.name\) AND \(parent_version = d\.version\)\)/,
      );
      expect(plan).toMatch(/Index Scan using models_pkey on models m/);
      expect(plan).toMatch(/Index Scan using families_pkey on families f/);
      expect(plan).not.toMatch(/Join Filter|Hash Join|Merge Join/);
    }
  });

  test("a new version at the tip of a chain, or derived from any of its versions, is created", async () => {
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
  });

  test("an edit or an overwrite of a version others name refuses the cycle it would close", async () => {
    await expect(
      registry.updateModel({ name: "chain", version: 3 }, { lineage: { parents: [{ name: "chain", version: CHAIN }] } }),
    ).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      message: "input.lineage.parents would make default/chain@3 its own ancestor",
    });
    await expect(
      registry.createModel({ name: "chain", version: 5, overwrite: true, lineage: { parents: [{ name: "chain", version: 20 }] } }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    // Named by nobody (the tip of the branch): an edit to any parent is taken.
    const edited = await registry.updateModel({ name: "branch", version: 1 }, { lineage: { parents: [{ name: "chain", version: 2 }] } });
    expect(edited.lineage?.parents).toEqual([{ project: "default", name: "chain", version: 2 }]);
  });

  test("a deleted version's number, named by its children still, is walked when registered again: the old cycle is refused", async () => {
    await registry.deleteModel({ name: "chain", version: 10 });
    await expect(
      registry.createModel({ name: "chain", version: 10, lineage: { parents: [{ name: "chain", version: 30 }] } }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  test("a chain across families is walked too: the cycle through the last of them is refused", async () => {
    await expect(
      registry.updateModel({ name: "small-3", version: 1 }, { lineage: { parents: [{ name: `small-${SMALL_FAMILIES}`, version: 1 }] } }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT", message: "input.lineage.parents would make default/small-3@1 its own ancestor" });
  });

  test("a version naming itself is refused without a walk", async () => {
    walks.length = 0;
    await expect(
      registry.createModel({ name: "chain", version: 2, overwrite: true, lineage: { parents: [{ name: "chain", version: 2 }] } }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect(walks).toEqual([]);
  });
});
