import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LARGE_COLUMNS, NO_PARTS, type LargeColumn } from "../gateway/src/domain/records.js";
import { openPostgresStore } from "../gateway/src/storage/postgres/index.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { BACKENDS, createPgDatabase } from "./support/backends.js";

/** Every ordering of `items`. */
function orderings<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => orderings([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/**
 * `readLarge`'s statement names the columns it reads in one order whatever order a query's
 * fields asked for them in: its texts are the subsets of the six large columns (63), not their
 * orderings (1,956), which filled a connection's prepared statements (256, no eviction), so
 * that every statement new to it ran unprepared from then on.
 */
describe.runIf(BACKENDS.includes("postgres"))("the large columns' read is one statement text per set of columns (postgres)", () => {
  let database: { url: string; drop: () => Promise<void> };
  let metadata: SqlMetadataStore;
  beforeAll(async () => {
    database = await createPgDatabase();
    const opened = await openPostgresStore(database.url, { maxConnections: 1, preparedStatements: true });
    metadata = opened.metadata;
    await opened.rateLimits.close();
  });
  afterAll(async () => {
    await metadata?.close();
    await database?.drop();
  });

  test("the 720 orders of the six columns prepare one text, and a statement after them is still prepared", async () => {
    const db = (metadata as unknown as { db: Kysely<unknown> }).db;
    const prepared = async () =>
      (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);
    for (const columns of orderings<LargeColumn>(LARGE_COLUMNS)) {
      await metadata.readLarge(columns.map((column) => ({ id: 1, column })));
    }
    expect((await prepared()).filter((statement) => /as "text"/.test(statement))).toHaveLength(1);
    await metadata.getModel({ project: "p", name: "m", version: 1 }, NO_PARTS);
    expect((await prepared()).filter((statement) => /"m"\."version" = \$/.test(statement))).toHaveLength(1);
  });
});
