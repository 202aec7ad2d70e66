// Opens a real metadata store on SQLite or PostgreSQL and bulk-loads model families
// straight into its tables: 100k createModel calls would take far too long.
import path from "node:path";
import { CompiledQuery, Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { openPostgresStore } from "../gateway/dist/storage/postgres/index.js";
import { openSqliteStore } from "../gateway/dist/storage/sqlite/index.js";
import { createPgDatabase, prng } from "./lib.mjs";

export const METRIC_KEYS = ["accuracy", "auc", "epochs", "f1", "latency_ms", "loss", "lr", "precision", "recall", "val_loss"];
/** SQLite bound parameters per statement: below its default limit of 32766. */
const SQLITE_PARAMETERS = 32_000;
const PG_ROWS_PER_INSERT = 20_000;
const VERSIONS_PER_BATCH = 5000;

/**
 * The store (migrated by the gateway's own code), its Kysely instance, and a tap that
 * records the SQL the store runs, so EXPLAIN sees exactly the gateway's queries. SQLite
 * listings read on the event loop, unless `readers` gives the store reader threads.
 */
export async function openBackend(name, dir, { readers = 0 } = {}) {
  const tap = { queries: null };
  const log = (event) => tap.queries?.push(event.query);
  let store;
  let drop = async () => {};
  let target;
  if (name === "sqlite") {
    target = path.join(dir, "registry.sqlite");
    store = await openSqliteStore(target, { log, readers });
  } else {
    const database = await createPgDatabase();
    drop = database.drop;
    target = database.url;
    try {
      store = (await openPostgresStore(database.url, { log })).metadata;
    } catch (error) {
      await drop();
      throw error;
    }
  }
  // `db` is TypeScript-private only; the bench uses it to load rows and run EXPLAIN
  // on the store's own connection (SQLite statistics are per connection schema).
  const db = store.db;
  if (!db) throw new Error("SqlMetadataStore no longer exposes its Kysely instance as `db`; update bench/listing-data.mjs");
  const raw = (sqlText, parameters = []) => db.executeQuery(CompiledQuery.raw(sqlText, parameters));
  return {
    name,
    /** Where the data lives: the SQLite file, or the scratch PostgreSQL database's URL. */
    target,
    store,
    db,
    raw,
    /** Runs `fn` and returns the statements the store issued meanwhile. */
    async capture(fn) {
      tap.queries = [];
      try {
        await fn();
        return tap.queries;
      } finally {
        tap.queries = null;
      }
    },
    async analyze() {
      // VACUUM too on PostgreSQL: it sets the visibility map, as autovacuum would in
      // steady state, so count(*) can be an index-only scan.
      if (name === "sqlite") return void (await raw("analyze"));
      // On a connection of its own: the store's 30 s statement timeout would cut it short on 10M rows.
      const client = new pg.Client({ connectionString: target });
      await client.connect();
      try {
        await client.query("vacuum analyze");
      } finally {
        await client.end();
      }
    },
    /** Closes the store but keeps the data (a PostgreSQL database stays until `close`). */
    async release() {
      await store.close().catch(() => {});
    },
    async close() {
      await store.close().catch(() => {});
      await drop();
    },
  };
}

/** Column types for PostgreSQL's unnest() bulk insert. */
const PG_TYPES = {
  id: "bigint",
  family_id: "bigint",
  model_id: "bigint",
  version: "int",
  last_version: "int",
  size_bytes: "bigint",
  created_at: "bigint",
  value: "float8",
  tag_metrics_revision: "int",
};

async function insertRows(trx, dialect, table, columns, rows) {
  if (dialect === "postgres") {
    // One array parameter per column: a 10k-row INSERT costs one parse, not 50k placeholders.
    for (let i = 0; i < rows.length; i += PG_ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + PG_ROWS_PER_INSERT);
      const arrays = columns.map((_, c) => chunk.map((row) => row[c]));
      // model_tags.value is text (metrics.value a float).
      const typeOf = (col) => (table === "model_tags" && col === "value" ? "text" : (PG_TYPES[col] ?? "text"));
      const unnest = columns.map((col, c) => `$${c + 1}::${typeOf(col)}[]`).join(",");
      const sqlText = `insert into ${table} (${columns.join(",")}) select * from unnest(${unnest})`;
      await trx.executeQuery(CompiledQuery.raw(sqlText, arrays));
    }
    return;
  }
  const perInsert = Math.floor(SQLITE_PARAMETERS / columns.length);
  for (let i = 0; i < rows.length; i += perInsert) {
    const chunk = rows.slice(i, i + perInsert);
    const tuple = `(${columns.map(() => "?").join(",")})`;
    const sqlText = `insert into ${table} (${columns.join(",")}) values ${chunk.map(() => tuple).join(",")}`;
    await trx.executeQuery(CompiledQuery.raw(sqlText, chunk.flat()));
  }
}

/** The sorted first page (`floors` and its pairs): the first 50 versions of `big` by accuracy. */
export const SORTED_PAGE_QUERY = `{ models(name: "big", sortKey: "accuracy", first: 50) { nodes { version metric(key: "accuracy") } } }`;

/**
 * The JSON body the pair benches send: the sorted first page, or `BENCH_QUERY` (e.g.
 * `{ __typename }`, which every stack answers without the store: the cost of the HTTP and
 * GraphQL layers alone).
 */
export const pairQueryBody = () => JSON.stringify({ query: process.env.BENCH_QUERY || SORTED_PAGE_QUERY });

/**
 * What the gateway asks of the store for the sorted first page (`floors`' query, first: 50):
 * one row more than the page (hasNextPage), metrics because `metric(key)` is selected.
 */
export const SORTED_PAGE_LISTING = Object.freeze({
  project: "default",
  name: "big",
  sortKey: "accuracy",
  direction: "DESC",
  limit: 51,
  after: null,
  parts: Object.freeze({ metrics: true, files: false, skipTags: true, skipDescription: true }),
});

/**
 * The sorted first page's data (the `floors` bench and its pairs): a family `big` of
 * `versions` versions × 10 metrics and 200 small families, analysed, the bench's
 * connection released. Returns the environment a Homer gateway needs on it (SQLite:
 * registry.sqlite in its data dir; PostgreSQL: the scratch database), rate limit off.
 */
export async function loadSortedPageData(backend, versions = 10_000) {
  await populate(backend, [{ name: "big", versions }, ...Array.from({ length: 200 }, (_, i) => ({ name: `other-${i}`, versions: 3 }))]);
  await backend.analyze();
  await backend.release();
  return { HOMER_RATE_LIMIT: "0", ...(backend.name === "postgres" ? { HOMER_DATABASE_URL: backend.target } : {}) };
}

/**
 * Loads `families` ({ name, versions }) in one transaction: families, models and
 * 10 metrics per version. Data is seeded, so both backends hold the same rows;
 * accuracy has 4 decimals, so ties (broken by version) occur as in real runs.
 */
export async function populate(backend, families, { rebuildIndexes = backend.name === "sqlite", filterable = false } = {}) {
  const dialect = backend.name;
  // SQLite's default 2 MB page cache thrashes on three randomly-filled indexes; the
  // load gets a larger one, and the measurements run with the store's own setting.
  const cacheSize = dialect === "sqlite" ? (await backend.raw("pragma cache_size")).rows[0].cache_size : null;
  if (cacheSize !== null) await backend.raw("pragma cache_size = -262144");
  // PostgreSQL: a connection of its own, without the store's 30 s statement timeout
  // (index builds and foreign-key checks over 10M metrics rows take longer on a busy machine).
  const loader =
    dialect === "postgres"
      ? new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: backend.target, max: 1 }) }) })
      : null;
  try {
    await load(loader ?? backend.db, dialect, families, rebuildIndexes, filterable);
  } finally {
    await loader?.destroy();
    if (cacheSize !== null) await backend.raw(`pragma cache_size = ${Number(cacheSize)}`);
  }
}

/**
 * The secondary indexes of the bulk-loaded tables, as the migrations created them,
 * dropped for the load and built afterwards (one sort instead of millions of random
 * B-tree inserts; constraint indexes stay). The default on SQLite; on PostgreSQL only
 * when asked (`rebuildIndexes`), since a CREATE INDEX sets the table's row estimate,
 * which would change the "before ANALYZE" plans bench/listing.mjs reports from what a
 * fresh deployment gets.
 */
async function secondaryIndexes(trx, dialect) {
  const query =
    dialect === "sqlite"
      ? `select name, sql as definition from sqlite_master where type = 'index' and sql is not null and tbl_name in ('models', 'metrics', 'model_tags', 'model_tag_metrics')`
      : `select indexname as name, indexdef as definition from pg_indexes
          where schemaname = current_schema() and tablename in ('models', 'metrics', 'model_tags', 'model_tag_metrics')
            and indexname not in (select conname from pg_constraint)`;
  const { rows } = await trx.executeQuery(CompiledQuery.raw(query));
  return rows;
}

/**
 * PostgreSQL, with `rebuildIndexes`: the foreign keys of the bulk-loaded tables, dropped
 * for the load and added back (validated in one pass each) afterwards: checked row by
 * row, 11M rows of a 1M-version family cost minutes.
 */
async function foreignKeys(trx, dialect) {
  if (dialect !== "postgres") return [];
  const { rows } = await trx.executeQuery(
    CompiledQuery.raw(
      `select conrelid::regclass::text as "table", conname as name, pg_get_constraintdef(oid) as definition
         from pg_constraint where contype = 'f' and conrelid in ('models'::regclass, 'metrics'::regclass, 'model_tags'::regclass, 'model_tag_metrics'::regclass)`,
    ),
  );
  return rows;
}

/**
 * With `filterable` (bench/filtered.mjs), versions differ in what filters test: one in
 * ten is SKLEARN (the rest PYTORCH); tag `stage` is "prod" on 20 versions spread over
 * the family ("dev" elsewhere), tag `team` is "vision" on one in a hundred ("nlp"
 * elsewhere); their model_tags and model_tag_metrics rows (3 tags x 10 metrics: 30
 * pairs, within the cap) are written as createModel writes them.
 */
function filterableVersion(family, version) {
  const every = Math.max(1, Math.floor(family.versions / 20));
  const stage = version % every === 0 ? "prod" : "dev";
  const team = version % 100 === 0 ? "vision" : "nlp";
  return { framework: version % 10 === 0 ? "SKLEARN" : "PYTORCH", tags: { seed: version, stage, team } };
}

async function load(db, dialect, families, rebuildIndexes, filterable = false) {
  let modelId = 0;
  await db.transaction().execute(async (trx) => {
    const indexes = rebuildIndexes ? await secondaryIndexes(trx, dialect) : [];
    if (dialect === "postgres") {
      if (indexes.length > 0) await trx.executeQuery(CompiledQuery.raw("set local maintenance_work_mem = '512MB'"));
    }
    for (const index of indexes) await trx.executeQuery(CompiledQuery.raw(`drop index "${index.name}"`));
    const keys = rebuildIndexes ? await foreignKeys(trx, dialect) : [];
    for (const key of keys) await trx.executeQuery(CompiledQuery.raw(`alter table ${key.table} drop constraint "${key.name}"`));
    // Rows are buffered across families (many small ones would otherwise cost three
    // statements each) and written parents first: families, models, metrics.
    let buffered = { families: [], models: [], metrics: [], tags: [] };
    const flush = async () => {
      const { families: familyRows, models, metrics, tags } = buffered;
      buffered = { families: [], models: [], metrics: [], tags: [] };
      const modelColumns = ["id", "family_id", "version", "description", "framework", "signature", "input_example"];
      modelColumns.push("tags", "size_bytes", "status", "created_at", "created_by", "tag_metrics_revision");
      if (familyRows.length > 0) await insertRows(trx, dialect, "families", ["id", "project", "name", "last_version"], familyRows);
      if (models.length > 0) await insertRows(trx, dialect, "models", modelColumns, models);
      if (metrics.length > 0) await insertRows(trx, dialect, "metrics", ["model_id", "family_id", "version", "key", "value"], metrics);
      if (tags.length > 0) {
        await insertRows(trx, dialect, "model_tags", ["model_id", "family_id", "version", "key", "value"], tags);
        // Every (tag, metric) pair of these versions, from the rows just written.
        await trx.executeQuery(
          CompiledQuery.raw(
            `insert into model_tag_metrics (model_id, family_id, version, tag_key, tag_value, key, value)
             select t.model_id, t.family_id, t.version, t.key, t.value, mt.key, mt.value
               from model_tags t join metrics mt on mt.model_id = t.model_id
              where t.model_id >= $1 and t.model_id <= $2`.replace(/\$\d/g, dialect === "postgres" ? (x) => x : "?"),
            [tags[0][0], tags.at(-1)[0]],
          ),
        );
      }
    };
    for (const [index, family] of families.entries()) {
      const familyId = index + 1;
      const random = prng(familyId);
      buffered.families.push([familyId, "default", family.name, family.versions]);
      for (let version = 1; version <= family.versions; version++) {
        const id = ++modelId;
        const createdAt = 1_700_000_000_000 + version * 1000;
        const shape = filterable ? filterableVersion(family, version) : { framework: "PYTORCH", tags: { seed: version } };
        buffered.models.push([id, familyId, version, `run ${version}`, shape.framework, null, null, JSON.stringify(shape.tags)]);
        if (filterable) {
          for (const [key, value] of Object.entries(shape.tags)) buffered.tags.push([id, familyId, version, key, JSON.stringify(value)]);
        }
        // Revision 1 (the default): its pairs are written with the filterable rows, none otherwise.
        buffered.models.at(-1).push(1e6, "READY", createdAt, "bench", filterable ? 1 : null);
        for (const key of METRIC_KEYS) {
          const value = key === "accuracy" ? Math.round(random() * 1e4) / 1e4 : random() * 100;
          buffered.metrics.push([id, familyId, version, key, value]);
        }
        if (buffered.models.length >= VERSIONS_PER_BATCH) await flush();
      }
    }
    await flush();
    for (const index of indexes) await trx.executeQuery(CompiledQuery.raw(index.definition));
    for (const key of keys) {
      await trx.executeQuery(CompiledQuery.raw(`alter table ${key.table} add constraint "${key.name}" ${key.definition}`));
    }
    if (dialect === "postgres") {
      // Explicit ids bypass the identity sequences; move them past what we inserted.
      for (const table of ["families", "models"]) {
        await trx.executeQuery(
          CompiledQuery.raw(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`),
        );
      }
    }
  });
}

/** EXPLAIN of one captured statement, as text lines (a tree for SQLite's QUERY PLAN). */
export async function explain(backend, query, { analyze }) {
  if (backend.name === "sqlite") {
    const { rows } = await backend.raw(`explain query plan ${query.sql}`, query.parameters);
    const depth = new Map([[0, -1]]);
    return rows.map((r) => {
      depth.set(r.id, (depth.get(r.parent) ?? -1) + 1);
      return `${"  ".repeat(depth.get(r.id))}${r.detail}`;
    });
  }
  const options = analyze ? "(analyze, buffers)" : "";
  const { rows } = await backend.raw(`explain ${options} ${query.sql}`, query.parameters);
  return rows.map((r) => r["QUERY PLAN"]);
}

/** What would make a listing grow with the family: a sort step or a full scan. */
export function planProblems(dialect, lines) {
  const problems = [];
  for (const line of lines) {
    const text = line.trim();
    const sort = dialect === "sqlite" ? /TEMP B-TREE/.test(text) : /^(->\s*)?(Incremental )?Sort\b/.test(text);
    const scan =
      dialect === "sqlite"
        ? /^SCAN (mt|m|metrics|models|families)\b/.test(text)
        : /Seq Scan on (metrics|models|families)\b|Bitmap Heap Scan on metrics\b/.test(text);
    if (sort) problems.push(`sort step: ${text}`);
    if (scan) problems.push(`full/unordered scan: ${text}`);
  }
  return problems;
}
