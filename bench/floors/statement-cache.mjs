// The SQLite statement cache on its own: Homer's sorted first page (store.listModels,
// the statement the gateway runs) through Kysely's stock SqliteDriver, which
// prepares each statement anew, and through Homer's CachedSqliteDriver, on the same
// file, interleaved.   node bench/floors/statement-cache.mjs
import path from "node:path";
import fs from "node:fs/promises";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { SqlMetadataStore } from "../../gateway/dist/storage/sql/sql-metadata-store.js";
import { pollForEvents } from "../../gateway/dist/storage/sqlite/poll-events.js";
import { openSqliteStore, sqliteDialect } from "../../gateway/dist/storage/sqlite/index.js";
import { fmt, makeRunDir, QUICK, table } from "../lib.mjs";
import { openBackend, populate, SORTED_PAGE_LISTING } from "../listing-data.mjs";

const ROUNDS = 5;
const CALLS = QUICK ? 500 : 2000;
const query = SORTED_PAGE_LISTING;

const dir = await makeRunDir("stmt-cache");
try {
  const backend = await openBackend("sqlite", dir);
  await populate(backend, [{ name: "big", versions: 10_000 }]);
  await backend.analyze();
  await backend.close();
  const file = path.join(dir, "registry.sqlite");
  const cached = await openSqliteStore(file, { eventPollMs: 60_000 });
  const database = new Database(file);
  const stock = await SqlMetadataStore.open(new Kysely({ dialect: new SqliteDialect({ database }) }), sqliteDialect, {
    wakeSource: pollForEvents(60_000),
  });
  const stores = { "Kysely's SqliteDriver (prepare per run)": stock, "CachedSqliteDriver (Homer)": cached };
  const times = Object.fromEntries(Object.keys(stores).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const [name, store] of Object.entries(stores)) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i++) await store.listModels(query);
      const us = Number(process.hrtime.bigint() - started) / 1000 / CALLS;
      if (round > 0) times[name].push(us); // round 0 warms up
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = [["driver", "µs per page (median)", "min–max"]];
  for (const [name, xs] of Object.entries(times))
    rows.push([name, fmt(median(xs), 0), `${fmt(Math.min(...xs), 0)}–${fmt(Math.max(...xs), 0)}`]);
  console.log(table(rows));
  await cached.close();
  await stock.close();
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
