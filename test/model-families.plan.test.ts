/**
 * The families listing is index-friendly on both backends: the statement the
 * store runs (captured from its log) is planned as a range scan of
 * families_search (by name) or families_recent (by last update) with no sort
 * step, and seeks into models per row (its latest version).
 */
import { describe, expect, test } from "vitest";
import { BACKENDS, openTestStorage } from "./support/backends.js";
import pg from "pg";
import { execute, explain, type Statement } from "./support/explain.js";

describe.each(BACKENDS)("modelFamilies' statement on %s", (backend) => {
  test("a searched page after a cursor is an index range scan, in index order", async () => {
    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    const storage = await openTestStorage(backend, {
      log: (event) => {
        if (event.level === "query" && /from "families" as "f"/.test(event.query.sql)) statements.push(event.query);
      },
    });
    try {
      await storage.metadata.listFamilies({
        project: "p",
        search: "res",
        match: "PREFIX",
        order: "NAME",
        limit: 51,
        after: { order: "NAME", name: "resnet" },
      });
      const [statement] = statements;
      expect(statement).toBeDefined();
      const plan = await explain(backend, storage.databaseUrl, statement!);
      if (backend === "sqlite") {
        expect(plan).toMatch(/SEARCH f USING INDEX families_search \(project=\? AND <expr>>\? AND <expr><\?\)/);
        expect(plan).toMatch(/SEARCH l USING (COVERING )?INDEX/);
        expect(plan).not.toMatch(/TEMP B-TREE|SCAN f/);
      } else {
        expect(plan).toMatch(/Index Scan using families_search on families f/);
        // lower(name COLLATE "C") prints as lower((name)::text).
        expect(plan).toMatch(/Index Cond: \(\(project = .*lower\(\(?name\)?(?:::text)?\).*>=.*lower\(\(?name\)?(?:::text)?\).*</);
        expect(plan).not.toMatch(/Sort|Seq Scan/);
      }
    } finally {
      await storage.cleanup();
    }
  });
});

describe.each(BACKENDS)("modelFamilies by last update on %s", (backend) => {
  test("walks families_recent in order, with no sort step, for any search", async () => {
    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    const storage = await openTestStorage(backend, {
      log: (event) => {
        if (event.level === "query" && /from "families" as "f"/.test(event.query.sql)) statements.push(event.query);
      },
    });
    try {
      for (const [search, match] of [
        ["", "PREFIX"],
        ["res", "PREFIX"],
        ["net", "SUBSTRING"],
      ] as const) {
        await storage.metadata.listFamilies({
          project: "p",
          search,
          match,
          order: "UPDATED",
          limit: 51,
          after: { order: "UPDATED", updatedAt: Date.now(), name: "resnet" },
        });
      }
      expect(statements).toHaveLength(3);
      for (const statement of statements) {
        const plan = await explain(backend, storage.databaseUrl, statement);
        if (backend === "sqlite") {
          expect(plan).toMatch(
            /SEARCH f USING INDEX families_recent \(project=\? AND updated_at<\?\)|SEARCH f USING INDEX families_recent \(project=\? AND updated_at>\?\)/,
          );
          expect(plan).not.toMatch(/TEMP B-TREE|SCAN f/);
        } else {
          expect(plan).toMatch(/Index Scan using families_recent on families f/);
          expect(plan).not.toMatch(/Sort|Seq Scan/);
        }
      }
    } finally {
      await storage.cleanup();
    }
  });

  test("families changed in the same millisecond come by name, and pages resume between them", async () => {
    const storage = await openTestStorage(backend);
    try {
      const { registryOver } = await import("./support/registry.js");
      const registry = registryOver(storage);
      for (const name of ["delta", "Alpha", "charlie", "bravo"]) await registry.createModel({ project: "p", name });
      // One instant for every family, as writes in one millisecond would leave them.
      await execute(backend, storage.databaseUrl, "update families set updated_at = 1700000000000");
      const names: string[] = [];
      let after: string | null = null;
      do {
        const page = await registry.listFamilies({ project: "p", orderBy: "UPDATED", first: 1, after });
        names.push(...page.nodes.map((f) => f.name));
        after = page.hasNextPage ? page.endCursor : null;
      } while (after);
      // Byte order, as the index holds names: capitals first.
      expect(names).toEqual(["Alpha", "bravo", "charlie", "delta"]);
    } finally {
      await storage.cleanup();
    }
  });
});

describe.each(BACKENDS)("the families' best on %s", (backend) => {
  test("is one statement: the families by their key, then one index seek into metrics each, in either direction", async () => {
    const statements: Statement[] = [];
    const storage = await openTestStorage(backend, {
      log: (event) => {
        if (event.level === "query" && /"mt"\."model_id"/.test(event.query.sql)) statements.push(event.query);
      },
    });
    try {
      for (const direction of ["DESC", "ASC"] as const) {
        await storage.metadata.bestOfFamilies({
          project: "p",
          names: ["a", "b", "c"],
          metric: "acc",
          direction,
          parts: { metrics: true, files: true, flavors: false, card: false },
        });
      }
      expect(statements).toHaveLength(2);
      for (const statement of statements) {
        const plan = await explain(backend, storage.databaseUrl, statement);
        if (backend === "sqlite") {
          expect(plan).toMatch(/SEARCH f USING (COVERING )?INDEX .*\(project=\? AND name=\?\)/);
          expect(plan).toMatch(/SEARCH mt USING INDEX metrics_sort(_asc)? \(family_id=\? AND key=\?\)/);
          expect(plan).not.toMatch(/SCAN (f|m|mt)\b|TEMP B-TREE/);
        } else {
          expect(plan).toMatch(/Index (Only )?Scan (Backward )?using metrics_sort/);
          expect(plan).not.toMatch(/Seq Scan|Sort/);
        }
      }
    } finally {
      await storage.cleanup();
    }
  });
});

describe.each(BACKENDS)("modelFamilies over many one-version families on %s", (backend) => {
  /** The plan the database chooses for `statement` with its statistics, nothing discouraged. */
  async function plainExplain(databaseUrl: string, statement: Statement): Promise<string> {
    if (backend === "sqlite") return explain(backend, databaseUrl, statement);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const rows = await client.query(`explain ${statement.sql}`, [...statement.parameters]);
      return rows.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
    } finally {
      await client.end();
    }
  }

  test("a page reads its families and their latest versions, not every family of the project and a sort", async () => {
    const statements: Statement[] = [];
    const storage = await openTestStorage(backend, {
      log: (event) => {
        if (event.level === "query" && /from "families" as "f"/.test(event.query.sql)) statements.push(event.query);
      },
    });
    try {
      // 10,000 families of one version each (names of per-customer models, say), analysed:
      // as many models rows as families, which the latest-version join was planned as a
      // hash join of the whole project for (every family and version read, then sorted).
      const families = 10_000;
      const series =
        backend === "sqlite"
          ? `with recursive s(i) as (select 1 union all select i + 1 from s where i < ${families}) select i from s`
          : `select i from generate_series(1, ${families}) as i`;
      await execute(
        backend,
        storage.databaseUrl,
        `insert into families (project, name, last_version) select 'p', 'model-' || i, 1 from (${series}) as s;
         insert into models (family_id, version, tags, size_bytes, status, created_at)
           select id, 1, '{}', 0, 'READY', 1700000000000 + id from families;
         analyze;`,
      );
      for (const [search, order] of [
        ["", "NAME"],
        ["model", "NAME"],
        ["", "UPDATED"],
      ] as const) {
        const page = await storage.metadata.listFamilies({ project: "p", search, match: "PREFIX", order, limit: 51, after: null });
        expect(page).toHaveLength(51);
        expect(page.every((f) => f.latestVersion === 1 && f.versionCount === 1)).toBe(true);
      }
      expect(statements).toHaveLength(3);
      for (const statement of statements) {
        const plan = await plainExplain(storage.databaseUrl, statement);
        if (backend === "sqlite") expect(plan).not.toMatch(/TEMP B-TREE|SCAN f\b|SCAN m\b/);
        else expect(plan).not.toMatch(/Sort|Seq Scan|Hash Join|Merge Join/);
      }
    } finally {
      await storage.cleanup();
    }
  });
});
