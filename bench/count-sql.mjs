// Preloaded into a gateway process (`node --import bench/count-sql.mjs`): wraps the
// database drivers the gateway loads — better-sqlite3's statement runs and exec, the
// statements sent to the SQLite reader threads (a preload does not run in a worker
// thread: each is counted as the main thread sends it; a reader runs each once), pg's
// Client#query — and appends every statement sent to the database, one line each, to
// the file named by HOMER_BENCH_SQL_LOG (synchronously: the line is there once the
// call was made). bench/regressions.mjs counts a request's statements from it.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const file = process.env.HOMER_BENCH_SQL_LOG;
if (!file) throw new Error("count-sql.mjs: set HOMER_BENCH_SQL_LOG");
// Resolved from the gateway's folder, so these are the very modules it imports.
const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "gateway", "dist", "main.js"));
const record = (driver, text) => fs.appendFileSync(file, `${driver}\t${String(text).replace(/\s+/g, " ").trim()}\n`);

const Database = require("better-sqlite3");
const probe = new Database(":memory:");
const statementPrototype = Object.getPrototypeOf(probe.prepare("select 1"));
probe.close();
for (const method of ["run", "get", "all", "iterate"]) {
  const run = statementPrototype[method];
  statementPrototype[method] = function (...args) {
    record("sqlite", this.source);
    return run.apply(this, args);
  };
}
/** The original method, taken from its descriptor to be called with the wrapper's `this`. */
const original = (prototype, name) => Object.getOwnPropertyDescriptor(prototype, name).value;
const exec = original(Database.prototype, "exec");
Database.prototype.exec = function (source) {
  record("sqlite", source);
  return exec.call(this, source);
};

const { Worker } = require("node:worker_threads");
const post = original(Worker.prototype, "postMessage");
Worker.prototype.postMessage = function (message, ...rest) {
  if (typeof message?.sql === "string") record("sqlite", message.sql);
  return post.call(this, message, ...rest);
};

const pg = require("pg");
const query = original(pg.Client.prototype, "query");
pg.Client.prototype.query = function (config, ...rest) {
  record("pg", typeof config === "string" ? config : (config?.text ?? config?.name ?? "?"));
  return query.call(this, config, ...rest);
};
