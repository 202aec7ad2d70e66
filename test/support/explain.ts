/** Plans of the statements a store ran (captured from its log), and raw SQL, on either backend's test database. */
import Database from "better-sqlite3";
import pg from "pg";

export type Statement = { sql: string; parameters: readonly unknown[] };

/** The plan of `statement`: SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN with sequential scans discouraged. */
export async function explain(backend: string, databaseUrl: string, statement: Statement): Promise<string> {
  if (backend === "sqlite") {
    const db = new Database(databaseUrl, { readonly: true });
    try {
      const rows = db.prepare(`explain query plan ${statement.sql}`).all(...statement.parameters) as { detail: string }[];
      return rows.map((r) => r.detail).join("\n");
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // An empty table is cheaper to read whole; what matters is that the index can serve it.
    await client.query("set enable_seqscan = off");
    const rows = await client.query(`explain ${statement.sql}`, [...statement.parameters]);
    return rows.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
  } finally {
    await client.end();
  }
}

export async function execute(backend: string, databaseUrl: string, text: string): Promise<void> {
  if (backend === "sqlite") {
    const db = new Database(databaseUrl);
    try {
      db.exec(text);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
