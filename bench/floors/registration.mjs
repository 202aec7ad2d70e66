// The registration floor: what a small createModel has to cost at least, without
// Homer's stack. Bare node:http + busboy parse the same GraphQL multipart request
// Homer receives (`operations`, `map`, file parts); every file is hashed (sha256)
// while it streams to a staging file, which is fsynced; the blobs are renamed into
// the same content-addressed layout (`<blobs>/ab/abcdef…`) and each directory
// fsynced; then one committed metadata transaction runs through Homer's own store
// (the same SQL, the same durability: synchronous=FULL on SQLite, a committed
// transaction on PostgreSQL). The answer has the JSON shape Homer's has for the
// selection the benchmark sends (`{ name version files { path sha256 } }`).
//
//   node bench/floors/registration.mjs <sqlite file | postgres:// url> <blob dir>
// prints `listening <port>` once it serves.
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import busboy from "busboy";
import { openSqliteStore } from "../../gateway/dist/storage/sqlite/index.js";
import { openPostgresStore } from "../../gateway/dist/storage/postgres/index.js";
import { announce } from "./shared.mjs";

const [database, blobRoot] = process.argv.slice(2);
if (!database || !blobRoot) throw new Error("usage: node registration.mjs <sqlite file | postgres url> <blob dir>");

const store = /^postgres(ql)?:\/\//.test(database)
  ? (await openPostgresStore(database, { connectTimeoutMs: 0 })).metadata
  : await openSqliteStore(database, { eventPollMs: 60_000 });
const staging = path.join(blobRoot, ".staging");
await fs.mkdir(staging, { recursive: true });

async function fsyncDir(dir) {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Streams one file part to a staging file, hashing it; fsyncs it before resolving. */
async function stage(stream) {
  const file = path.join(staging, randomUUID());
  const handle = await fs.open(file, "wx");
  const hash = createHash("sha256");
  let size = 0;
  try {
    for await (const chunk of stream) {
      hash.update(chunk);
      size += chunk.length;
      await handle.write(chunk);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { file, sha256: hash.digest("hex"), sizeBytes: size };
}

const knownDirs = new Set();
/** Renames staged blobs into place and fsyncs each directory once. */
async function promote(staged) {
  const dirs = new Set();
  for (const blob of staged) {
    const dir = path.join(blobRoot, blob.sha256.slice(0, 2));
    if (!knownDirs.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      knownDirs.add(dir);
    }
    dirs.add(dir);
    await fs.rename(blob.file, path.join(dir, blob.sha256));
  }
  await Promise.all([...dirs].map(fsyncDir));
}

function parse(req) {
  return new Promise((resolve, reject) => {
    const parser = busboy({ headers: req.headers });
    let operations;
    let map;
    const files = new Map(); // part name -> staging promise
    parser.on("field", (name, value) => {
      if (name === "operations") operations = JSON.parse(value);
      else if (name === "map") map = JSON.parse(value);
    });
    parser.on("file", (name, stream) => {
      const staged = stage(stream);
      staged.catch(() => {});
      files.set(name, staged);
    });
    parser.once("error", reject);
    parser.once("close", () => resolve({ operations, map, files }));
    req.pipe(parser);
  });
}

async function register(req) {
  const { operations, map, files } = await parse(req);
  const input = operations.variables.input;
  // The map says which file part is which `input.files.<i>.file`.
  const byIndex = new Map();
  for (const [part, [target]] of Object.entries(map)) byIndex.set(Number(/^variables\.input\.files\.(\d+)\.file$/.exec(target)[1]), part);
  const staged = await Promise.all(input.files.map((_, i) => files.get(byIndex.get(i))));
  await promote(staged);
  const { model } = await store.createModel(
    {
      project: input.project ?? "default",
      name: input.name,
      version: input.version ?? undefined,
      overwrite: false,
      description: input.description ?? null,
      framework: input.framework ?? null,
      signature: null,
      inputExample: null,
      tags: input.tags ?? {},
      metrics: [...(input.metrics ?? [])].sort((a, b) => (a.key < b.key ? -1 : 1)),
      files: input.files.map((f, i) => ({ path: f.path, sha256: staged[i].sha256, sizeBytes: staged[i].sizeBytes })),
      createdBy: null,
    },
    async () => {},
  );
  return {
    data: {
      createModel: { name: model.name, version: model.version, files: model.files.map((f) => ({ path: f.path, sha256: f.sha256 })) },
    },
  };
}

const server = http.createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/graphql") {
    res.writeHead(404).end();
    return;
  }
  register(req).then(
    (body) => {
      const json = JSON.stringify(body);
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(json) }).end(json);
    },
    (error) => {
      const json = JSON.stringify({ errors: [{ message: String(error?.message ?? error) }] });
      res.writeHead(500, { "content-type": "application/json; charset=utf-8" }).end(json);
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => announce(server.address().port));
const stop = () => {
  // Keep-alive connections would hold close() open: the clients are done.
  server.closeAllConnections();
  server.close(() => void store.close().finally(() => process.exit(0)));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
