/**
 * A version named by its family and number from another row (the references of
 * `getModels`, the parents a create or an edit checks) is one seek of
 * `models_family_version` on both backends, with statistics. PostgreSQL, told by them that
 * families are small (most of one version), read the number as a join filter over the
 * family's every version through `models_family_created`: a long family, whole, for each
 * reference.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { execute, explain, type Statement } from "./support/explain.js";
import { registryOver } from "./support/registry.js";

describe.each(BACKENDS)("versions by reference on %s", (backend) => {
  let storage: TestStorage;
  let registry: ReturnType<typeof registryOver>;
  const statements: Statement[] = [];
  const LONG = 60;
  const SMALL_FAMILIES = 150;

  beforeAll(async () => {
    storage = await openTestStorage(backend, {
      log: (event) => {
        if (event.level === "query" && /^select .*"m"\."version".* from \(values /i.test(event.query.sql)) statements.push(event.query);
      },
    });
    registry = registryOver(storage);
    for (let v = 1; v <= LONG; v++) await registry.createModel({ name: "long" });
    for (let f = 1; f <= SMALL_FAMILIES; f++) await registry.createModel({ name: `small-${f}` });
    await execute(backend, storage.databaseUrl, "analyze");
  });
  afterAll(() => storage?.cleanup());

  /** Every access to `models` in the plan is by its (family, number) key or its primary key. */
  const expectSeeks = (plan: string) => {
    if (backend === "sqlite") {
      expect(plan).toMatch(/SEARCH m USING (COVERING )?INDEX sqlite_autoindex_models_\d+ \(family_id=\? AND version=\?\)/);
      expect(plan).not.toMatch(/models_family_created|SCAN m\b/);
    } else {
      expect(plan).toMatch(/Index (Only )?Scan using models_family_version on models k/);
      expect(plan).toMatch(/Index Cond: \(\(family_id = f\.id\) AND \(version = "\*VALUES\*"\.column3\)\)/);
      expect(plan).toMatch(/Index Scan using models_pkey on models m/);
      expect(plan).not.toMatch(/models_family_created|Join Filter|Rows Removed/);
    }
  };

  test("getModels' statement seeks each reference's version", async () => {
    statements.length = 0;
    const refs = [10, 20, 30, 40, 50].map((version) => ({ project: "default", name: "long", version }));
    const found = await storage.metadata.getModels([...refs, { project: "default", name: "small-7", version: 1 }], {
      metrics: false,
      files: false,
    });
    expect([...found.keys()].sort()).toEqual(
      ["default/long@10", "default/long@20", "default/long@30", "default/long@40", "default/long@50", "default/small-7@1"].sort(),
    );
    expect(statements).toHaveLength(1);
    expectSeeks(await explain(backend, storage.databaseUrl, statements[0]!));
  });

  test("a create's parents are checked by the same seeks, and a missing one is named", async () => {
    statements.length = 0;
    const child = await registry.createModel({
      name: "child",
      lineage: {
        parents: [
          { name: "long", version: 3 },
          { name: "long", version: 59 },
          { name: "small-9", version: 1 },
        ],
      },
    });
    expect(child.lineage?.parents).toHaveLength(3);
    expect(statements).toHaveLength(1);
    expectSeeks(await explain(backend, storage.databaseUrl, statements[0]!));
    await expect(
      registry.createModel({
        name: "child",
        lineage: {
          parents: [
            { name: "long", version: 3 },
            { name: "long", version: 61 },
          ],
        },
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
