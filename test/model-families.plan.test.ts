/**
 * The families listing is index-friendly on both backends: the statement the
 * store runs (captured from its log) is planned as a range scan of
 * families_search with no sort step, and one seek into models per row.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, test } from "vitest";
import { BACKENDS, openTestStorage } from "./support/backends.js";

describe.each(BACKENDS)("modelFamilies' statement on %s", (backend) => {
  test("a searched page after a cursor is an index range scan, in index order", async () => {
    const statements: { sql: string; parameters: readonly unknown[] }[] = [];
    const storage = await openTestStorage(backend, {
      log: (event) => {
        if (event.level === "query" && /from "families" as "f"/.test(event.query.sql)) statements.push(event.query);
      },
    });
    try {
      await storage.metadata.listFamilies({ project: "p", prefix: "res", limit: 51, after: "resnet" });
      const [statement] = statements;
      expect(statement).toBeDefined();
      let plan: string;
      if (backend === "sqlite") {
        const db = new Database(storage.databaseUrl, { readonly: true });
        try {
          const rows = db.prepare(`explain query plan ${statement!.sql}`).all(...statement!.parameters) as { detail: string }[];
          plan = rows.map((r) => r.detail).join("\n");
        } finally {
          db.close();
        }
        expect(plan).toMatch(/SEARCH f USING INDEX families_search \(project=\? AND <expr>>\? AND <expr><\?\)/);
        expect(plan).toMatch(/SEARCH m USING INDEX/);
        expect(plan).not.toMatch(/TEMP B-TREE|SCAN f/);
      } else {
        const client = new pg.Client({ connectionString: storage.databaseUrl });
        await client.connect();
        try {
          // An empty table is cheaper to read whole; what matters is that the index can serve it.
          await client.query("set enable_seqscan = off");
          const rows = await client.query(`explain ${statement!.sql}`, [...statement!.parameters]);
          plan = rows.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
        } finally {
          await client.end();
        }
        expect(plan).toMatch(/Index Scan using families_search on families f/);
        expect(plan).toMatch(/Index Cond: \(\(project = .*lower\(name\).*>=.*lower\(name\).*</);
        expect(plan).not.toMatch(/Sort|Seq Scan/);
      }
    } finally {
      await storage.cleanup();
    }
  });
});
