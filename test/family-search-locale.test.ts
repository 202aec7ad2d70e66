/**
 * modelFamilies on a PostgreSQL database whose default locale folds case its own way
 * (Turkish: lower('I') is dotless 'ı'). Names are ASCII and the gateway lower-cases a
 * search and a cursor as ASCII: the database must fold them the same, or a prefix
 * misses names with an "I" and pages repeat families. Runs where PostgreSQL has ICU.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, openLocaleStorage } from "./support/backends.js";
import { registryOver } from "./support/registry.js";

const NAMES = ["alpha", "Iris", "Ivy", "jet", "kappa", "zeta"];

describe.runIf(BACKENDS.includes("postgres"))("modelFamilies on a PostgreSQL database with a Turkish locale", () => {
  let locale: Awaited<ReturnType<typeof openLocaleStorage>> = null;
  let registry: ReturnType<typeof registryOver>;

  beforeAll(async () => {
    locale = await openLocaleStorage("tr-TR");
    if (!locale) return;
    registry = registryOver(locale.storage);
    for (const n of NAMES) await registry.createModel({ name: n });
  });
  afterAll(() => locale?.close());

  const names = (page: { nodes: readonly { name: string }[] }) => page.nodes.map((f) => f.name);

  test("search and order fold A-Z only, as on SQLite", async (ctx) => {
    if (!locale) ctx.skip();
    expect(names(await registry.listFamilies({}))).toEqual(NAMES);
    expect(names(await registry.listFamilies({ search: "i" }))).toEqual(["Iris", "Ivy"]);
    expect(names(await registry.listFamilies({ search: "IV" }))).toEqual(["Ivy"]);
    expect(names(await registry.listFamilies({ search: "iv", match: "SUBSTRING" }))).toEqual(["Ivy"]);
  });

  test("pages of every size add up to the whole listing, each family once", async (ctx) => {
    if (!locale) ctx.skip();
    for (const first of [1, 2, 3, 4, 5]) {
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < NAMES.length + 1; i++) {
        const page = await registry.listFamilies({ first, after });
        seen.push(...names(page));
        if (!page.hasNextPage) break;
        after = page.endCursor;
      }
      expect(seen, `first ${first}`).toEqual(NAMES);
    }
  });
});
