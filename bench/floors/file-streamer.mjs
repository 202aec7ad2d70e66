// The download floor: bare node:http streaming one file from disk (fs.createReadStream in
// 1 MiB reads, as Homer's blob store reads, piped into the response, Content-Length set):
// no routing, auth, database or headers beyond the needed ones. Homer's file download
// is measured against it with the same client (curl) writing into the same place.
//   node bench/floors/file-streamer.mjs <file>     prints `listening <port>`; every GET sends <file>
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import http from "node:http";
import { pipeline } from "node:stream/promises";

const file = process.argv[2];
if (!file) throw new Error("usage: node file-streamer.mjs <file>");

async function send(res) {
  try {
    const { size } = await fs.stat(file);
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": size });
    await pipeline(createReadStream(file, { highWaterMark: 2 ** 20 }), res);
  } catch {
    res.destroy();
  }
}

const server = http.createServer((_req, res) => void send(res));
server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
