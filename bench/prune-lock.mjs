// The longest single write-lock hold of pruning the event log: fills `events` with
// N old rows (default 500,000; HOMER_BENCH_PRUNE_ROWS) on SQLite (and PostgreSQL when
// HOMER_BENCH_PG_URL names a database to use), then times each delete statement the
// prune runs. On SQLite each autocommitted statement holds the database's only write
// lock for its whole run, so the longest statement is the longest wait a registration
// can meet. "one statement" is the delete the prune ran before it was batched.
//   npx tsc -b gateway && node bench/prune-lock.mjs
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { closeStorage, openStorage } from "../gateway/dist/storage/factory.js";

const ROWS = Number(process.env.HOMER_BENCH_PRUNE_ROWS ?? 500_000);

async function fill(db, rows, at) {
  await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${rows})
    insert into events (type, project, name, version, at) select 'CREATED', 'default', 'm', i, cast(${at} as bigint) + i from n`.execute(
    db,
  );
}

async function measure(databaseUrl, label) {
  const durations = [];
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "homer-prune-"));
  const storage = await openStorage({
    databaseUrl,
    blobUrl: path.join(dir, "blobs"),
    log: (e) => e.level === "query" && /^delete from "events"/i.test(e.query.sql) && durations.push(e.queryDurationMillis),
  });
  const db = storage.metadata["db"];
  const old = Date.now() - 86_400_000;
  try {
    await fill(db, ROWS, old);
    let t = performance.now();
    const once = Number((await db.deleteFrom("events").where("at", "<", Date.now()).executeTakeFirst()).numDeletedRows);
    const onceMs = performance.now() - t;
    await fill(db, ROWS, old);
    durations.length = 0;
    t = performance.now();
    const batched = await storage.events.prune(new Date());
    const batchedMs = performance.now() - t;
    const longest = Math.max(...durations);
    console.log(
      `${label}: ${ROWS} rows; one statement ${onceMs.toFixed(0)} ms (${once} rows); batched ${durations.length} statements,` +
        ` longest ${longest.toFixed(1)} ms, median ${durations.sort((a, b) => a - b)[durations.length >> 1].toFixed(1)} ms,` +
        ` total ${batchedMs.toFixed(0)} ms (${batched} rows)`,
    );
  } finally {
    await closeStorage(storage);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), "homer-prune-db-"));
await measure(path.join(dir, "registry.sqlite"), "sqlite");
await fs.rm(dir, { recursive: true, force: true });
if (process.env.HOMER_BENCH_PG_URL) await measure(process.env.HOMER_BENCH_PG_URL, "postgres");
