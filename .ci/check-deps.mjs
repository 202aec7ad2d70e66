#!/usr/bin/env node
// Enforces the layers of ARCHITECTURE.md: which gateway folder may import which,
// and no import cycle between folders. Reads every import with the TypeScript
// compiler's own pre-processor (type-only imports count: they couple folders too).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../gateway/src");

/** Each layer and the layers it may import. Top-level files belong to `app` unless listed in CONFIG. */
const ALLOWED = {
  domain: [],
  config: [],
  metrics: ["domain"],
  storage: ["domain", "config"],
  access: ["domain", "storage", "config"],
  registry: ["domain", "storage", "access"],
  http: ["domain", "access", "registry", "metrics"],
  graphql: ["domain", "access", "registry", "http", "config", "metrics"],
  model: ["domain", "registry", "graphql", "http"],
  keys: ["domain", "access", "graphql"],
  about: ["domain"],
  app: ["domain", "config", "storage", "access", "registry", "http", "graphql", "model", "keys", "about", "metrics"],
};
/** Top-level files every layer may read: settings, and the parsing they need. */
const CONFIG = new Set(["config.ts", "trust-proxy.ts"]);
/** Packages of the transports: the domain and storage never see how a request arrived. */
const TRANSPORT = /^(graphql|graphql-upload-minimal|busboy|express|type-graphql|@apollo\/.*|@as-integrations\/.*)(\/|$)/;
const TRANSPORT_FREE = new Set(["domain", "storage"]);
/** Storage backends: each reaches only the ports and the shared SQL, never another backend. */
const BACKENDS = new Set(["storage/fs", "storage/s3", "storage/sqlite", "storage/postgres", "storage/memory", "storage/redis"]);

function* sources(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) yield full;
  }
}

function layerOf(file) {
  const rel = path.relative(ROOT, file).split(path.sep);
  if (rel.length === 1) return CONFIG.has(rel[0]) ? "config" : "app";
  return rel[0];
}

function folderOf(file) {
  return path.dirname(path.relative(ROOT, file)).split(path.sep).join("/");
}

const problems = [];
const edges = new Map();
for (const file of sources(ROOT)) {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith(".")) {
      if (TRANSPORT_FREE.has(layerOf(file)) && TRANSPORT.test(fileName)) {
        problems.push(`${path.relative(ROOT, file)} imports ${fileName}: ${layerOf(file)} knows no transport`);
      }
      continue;
    }
    const target = path.resolve(path.dirname(file), fileName).replace(/\.js$/, ".ts");
    const rel = path.relative(ROOT, file);
    const targetRel = path.relative(ROOT, target);
    if (!target.startsWith(ROOT + path.sep)) {
      problems.push(`${rel} imports ${fileName}, outside gateway/src`);
      continue;
    }
    const from = layerOf(file);
    const to = layerOf(target);
    if (!(from in ALLOWED)) problems.push(`${rel}: folder ${from} has no layer in .ci/check-deps.mjs (add it and to ARCHITECTURE.md)`);
    else if (from !== to && !ALLOWED[from].includes(to)) problems.push(`${rel} imports ${targetRel}: ${from} may not import ${to}`);
    const [a, b] = [folderOf(file), folderOf(target)];
    if (a !== b && BACKENDS.has(a) && BACKENDS.has(b)) problems.push(`${rel} imports ${targetRel}: storage backends stay independent`);
    if (a !== b && BACKENDS.has(b) && a !== "storage")
      problems.push(`${rel} imports ${targetRel}: only storage/factory.ts picks a backend`);
    if (from !== to) {
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from).add(to);
    }
  }
}

// A cycle between folders, whatever ALLOWED says (a depth-first search for a back edge).
const state = new Map();
function visit(node, trail) {
  state.set(node, "open");
  for (const next of edges.get(node) ?? []) {
    if (state.get(next) === "open") problems.push(`folder cycle: ${[...trail.slice(trail.indexOf(next)), next].join(" -> ")}`);
    else if (!state.has(next)) visit(next, [...trail, next]);
  }
  state.set(node, "done");
}
for (const node of edges.keys()) if (!state.has(node)) visit(node, [node]);

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`\n${problems.length} import rule(s) broken; the layers are in ARCHITECTURE.md`);
  process.exit(1);
}
console.log(`imports follow the layers (${[...edges.values()].reduce((n, s) => n + s.size, 0)} folder edges, no cycle)`);
