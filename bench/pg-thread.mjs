// Would reader threads pay on PostgreSQL, as they do on SQLite? The sorted first page's own
// statement (the SQL and parameters the store runs for the `floors` query, on the `floors`
// data), run by pg with 32 pages in flight on a pool of 10, as the gateway's: on the event
// loop, or on a worker thread that runs the same pool and sends the rows back (a structured
// clone, as SQLite's reader threads do). Interleaved rounds; per page: this process's CPU
// (every thread), its main thread's CPU, and pages per second. No HTTP and no GraphQL: only
// the part a thread could take off the event loop. PostgreSQL only.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import pg from "pg";
import { openPostgresStore } from "../gateway/dist/storage/postgres/index.js";
import { fmt, header, makeRunDir, median, QUICK, reportSummary, table } from "./lib.mjs";
import { loadSortedPageData, openBackend, SORTED_PAGE_LISTING } from "./listing-data.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 3 : 7));
const PAGES = QUICK ? 1500 : 4000;
const IN_FLIGHT = 32;
const POOL = 10;
const INT8_OID = 20;

/** CPU seconds of this process (every thread) and of its main thread, from /proc. */
function cpu() {
  const seconds = (file) => {
    const stat = readFileSync(file, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  return { process: seconds(`/proc/${process.pid}/stat`), main: seconds(`/proc/${process.pid}/task/${process.pid}/stat`) };
}

const dir = await makeRunDir("pg-thread");
const backend = await openBackend("postgres", dir);
let worker;
let pool;
try {
  await loadSortedPageData(backend);
  // The statement exactly as the store sends it for the page (one row more than 50: hasNextPage).
  let statement;
  const store = (
    await openPostgresStore(backend.target, {
      log: (event) => {
        if (/\blimit\b/i.test(event.query.sql)) statement = { text: event.query.sql, values: [...event.query.parameters] };
      },
    })
  ).metadata;
  await store.listModels(SORTED_PAGE_LISTING);
  await store.close();
  if (!statement) throw new Error("the store ran no page statement");
  const query = { name: "homer_bench_page", ...statement };

  // bigint columns as the store reads them (ids, sizes, epoch milliseconds).
  const types = {
    getTypeParser: (oid, format) => (oid === INT8_OID && format !== "binary" ? Number : pg.types.getTypeParser(oid, format)),
  };
  pool = new pg.Pool({ connectionString: backend.target, max: POOL, types });
  worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     const pg = require(workerData.pg);
     const types = { getTypeParser: (oid, format) => (oid === 20 && format !== "binary" ? Number : pg.types.getTypeParser(oid, format)) };
     const pool = new pg.Pool({ connectionString: workerData.url, max: workerData.max, types });
     parentPort.on("message", ({ id, query }) =>
       pool.query(query).then(
         (result) => parentPort.postMessage({ id, rows: result.rows }),
         (error) => parentPort.postMessage({ id, error: String(error?.message ?? error) }),
       ));`,
    { eval: true, workerData: { pg: createRequire(import.meta.url).resolve("pg"), url: backend.target, max: POOL } },
  );
  const pending = new Map();
  let nextId = 0;
  // A thread that dies fails every page it had (the bench then stops with its error).
  worker.once("error", (error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  });
  worker.on("message", ({ id, rows, error }) => {
    const { resolve, reject } = pending.get(id);
    pending.delete(id);
    if (error) reject(new Error(error));
    else resolve(rows);
  });
  const ways = {
    "event loop": async () => (await pool.query(query)).rows,
    "worker thread": () =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, query });
      }),
  };

  /** `pages` pages, `IN_FLIGHT` at a time; each must be the full page. */
  async function run(read, pages) {
    let left = pages;
    const before = cpu();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (left-- > 0) {
          const rows = await read();
          if (rows.length !== 51) throw new Error(`a page of ${rows.length} rows, not 51`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const after = cpu();
    return {
      pagesPerSecond: pages / seconds,
      cpuUs: ((after.process - before.process) * 1e6) / pages,
      mainUs: ((after.main - before.main) * 1e6) / pages,
    };
  }

  header(
    `The page's statement on pg: event loop or worker thread, ${IN_FLIGHT} in flight, pool of ${POOL}, ${ROUNDS} rounds × ${PAGES} pages`,
  );
  const names = Object.keys(ways);
  for (const name of names) await run(ways[name], 500); // warm-up: connections, prepared statements, JIT
  const rounds = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    const line = [];
    for (const name of order) {
      const result = await run(ways[name], PAGES);
      rounds[name].push(result);
      line.push(`${name} ${fmt(result.pagesPerSecond, 0)}/s, ${fmt(result.cpuUs, 0)} µs (main ${fmt(result.mainUs, 0)})`);
    }
    console.log(`round ${round + 1}/${ROUNDS}: ${line.join("; ")}`);
  }
  const base = rounds["event loop"];
  const perRound = (name, field) => rounds[name].map((r, i) => r[field] / base[i][field]);
  const spread = (xs, digits = 2) => `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;
  const rows = names.map((name) => {
    const rs = rounds[name];
    const rates = rs.map((r) => r.pagesPerSecond);
    const vsLoop = perRound(name, "pagesPerSecond");
    const cpuUs = median(rs.map((r) => r.cpuUs));
    const cpuRatio = fmt(median(perRound(name, "cpuUs")));
    const mainUs = median(rs.map((r) => r.mainUs));
    const mainRatio = fmt(median(perRound(name, "mainUs")));
    const rate = `${fmt(median(vsLoop) * 100, 0)} %`;
    return {
      cells: [
        name,
        `${fmt(median(rates), 0)} (${spread(rates, 0)})`,
        `${rate} (${spread(
          vsLoop.map((x) => x * 100),
          0,
        )} %)`,
        `${fmt(cpuUs, 0)} (${cpuRatio}x)`,
        `${fmt(mainUs, 0)} (${mainRatio}x)`,
      ],
      summary: `postgres, ${name}: ${fmt(median(rates), 0)} pages/s (${rate} of the event loop's), ${fmt(cpuUs, 0)} µs CPU/page (${cpuRatio}x), main thread ${fmt(mainUs, 0)} µs/page (${mainRatio}x)`,
    };
  });
  console.log(
    table([
      [
        "way",
        "pages/s median (min–max)",
        "vs event loop, per round",
        "CPU µs/page, all threads (vs loop)",
        "main thread µs/page (vs loop)",
      ],
      ...rows.map((r) => r.cells),
    ]),
  );
  reportSummary(
    "pg-thread",
    rows.map((r) => r.summary),
  );
} finally {
  await worker?.terminate();
  await pool?.end();
  await backend.close();
}
