// The upload floor: node:http + busboy, streaming the multipart request's file part to
// a staging file while hashing it (sha256), then fsync of the file, a rename to its
// content address and an fsync of the directory — the durability Homer's blob store
// gives an upload — and a JSON answer with the hash and size. No GraphQL, no database.
//   node bench/floors/upload-busboy.mjs <data dir>     prints `listening <port>`
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";

const dir = process.argv[2];
if (!dir) throw new Error("usage: node upload-busboy.mjs <data dir>");
const staging = path.join(dir, ".staging");
const blobs = path.join(dir, "blobs");
await fs.mkdir(staging, { recursive: true });
await fs.mkdir(blobs, { recursive: true });
let next = 0;

/** Streams one file part to disk, hashed; resolves once it is durable under its sha256. */
async function store(file) {
  const hash = createHash("sha256");
  let bytes = 0;
  const hashing = new Transform({
    transform(chunk, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const temp = path.join(staging, `${process.pid}.${next++}`);
  // flush: fsync before close, as Homer's staging file does.
  await pipeline(file, hashing, createWriteStream(temp, { flush: true }));
  const sha256 = hash.digest("hex");
  await fs.rename(temp, path.join(blobs, sha256));
  const handle = await fs.open(blobs, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { sha256, sizeBytes: bytes };
}

function answer(res, status, body) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

const server = http.createServer((req, res) => {
  let parser;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1 } });
  } catch (error) {
    return answer(res, 400, { errors: [{ message: String(error.message) }] });
  }
  let stored = null;
  parser.on("file", (_name, file) => {
    stored = store(file);
    stored.catch(() => file.resume());
  });
  parser.once("error", (error) => answer(res, 400, { errors: [{ message: String(error.message) }] }));
  parser.once("close", () => {
    if (!stored) return answer(res, 400, { errors: [{ message: "no file part" }] });
    stored.then(
      (file) => answer(res, 200, { data: { file } }),
      (error) => answer(res, 500, { errors: [{ message: String(error.message) }] }),
    );
  });
  req.pipe(parser);
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
