// The SDK side of bench/sdk-upload.mjs, in a process of its own so that its memory
// is measured apart from the bench's and the gateway's:
//   node bench/sdk-client.mjs upload   <graphql url> <name> <modelPath>
//   node bench/sdk-client.mjs download <graphql url> <name> <version> <dir> [concurrency]
// Prints one JSON line on stdout: the transfer's wall time (import and connect
// excluded), RSS before it and at each quarter of the bytes, and VmHWM at the end.
import fs from "node:fs";
import { connection } from "@homer/sdk";

const MiB = 2 ** 20;
const [mode, url, name, ...rest] = process.argv.slice(2);

const status = (field) => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync("/proc/self/status", "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
};

/** RSS when 25/50/75/100 % of the bytes have gone by: flat if the SDK streams, rising if it buffers. */
function progressProbe() {
  const rssAt = [];
  let calls = 0;
  let maxChunk = 0;
  let last = 0;
  return {
    onProgress: (p) => {
      calls++;
      maxChunk = Math.max(maxChunk, p.bytes - last);
      last = p.bytes;
      while (rssAt.length < 4 && p.bytes >= ((rssAt.length + 1) / 4) * p.total) rssAt.push(process.memoryUsage.rss() / MiB);
    },
    result: () => ({ calls, maxChunkMiB: maxChunk / MiB, rssAt, lastBytes: last }),
  };
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, result };
}

const registry = await connection({ url }).getModelRegistry();
const rssBefore = status("VmRSS");
const probe = progressProbe();
let out;
if (mode === "upload") {
  const [modelPath] = rest;
  const { seconds, result: model } = await timed(() =>
    registry.createModel({ name, modelPath, metrics: { accuracy: 0.5, loss: 1.25 }, onProgress: probe.onProgress }),
  );
  out = { seconds, version: model.version, status: model.status, sizeBytes: model.sizeBytes, files: model.files, metrics: model.metrics };
} else if (mode === "download") {
  const [version, dir, concurrency] = rest;
  const model = await registry.getModel({ name, version: Number(version) });
  if (!model) throw new Error(`${name}@${version} not found`);
  const options = { onProgress: probe.onProgress, ...(concurrency ? { concurrency: Number(concurrency) } : {}) };
  const { seconds, result } = await timed(() => model.download(dir, options));
  out = { seconds, dir: result, files: model.files };
} else {
  throw new Error(`usage: sdk-client.mjs upload|download <url> <name> ...`);
}
const cpu = process.cpuUsage();
out = { ...out, rssBefore, rssAfter: status("VmRSS"), hwm: status("VmHWM"), cpu: (cpu.user + cpu.system) / 1e6, progress: probe.result() };
process.stdout.write(`${JSON.stringify(out)}\n`);
