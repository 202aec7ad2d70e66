// Upload and download of one large file through a real gateway process, against
// plain copies of the same file on the same filesystem. The gateway must stream:
// its peak RSS should stay far below the file size (target < 200 MB).
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { HashingCounter } from "../gateway/dist/storage/hashing-counter.js";
import { cpuSeconds, inRunDir, procMemMiB, resetPeak, sampleRss } from "./gateway-process.mjs";
import { streamedCreateModel, randomBoundary } from "../test/support/multipart.mjs";
import { fmt, header, makeBigFile, MiB, QUICK, reportSummary, settle, sh, table, timed } from "./lib.mjs";

const FILE_BYTES = (QUICK ? 256 : 1024) * MiB;
const RSS_TARGET_MB = 200;
const ROUNDS = QUICK ? 2 : 3;
const MUTATION = `mutation Bench($input: CreateModelInput!) {
  createModel(input: $input) { version sizeBytes files { path sizeBytes sha256 downloadUrl } }
}`;

/** Hashes what flows through, as the gateway's blob store does. */
function hashSink() {
  const hash = createHash("sha256");
  let bytes = 0;
  const sink = new Writable({
    write(chunk, _encoding, done) {
      bytes += chunk.length;
      hash.update(chunk);
      done();
    },
  });
  return { sink, result: () => ({ bytes, sha256: hash.digest("hex") }) };
}

/** POSTs a GraphQL multipart request, streaming the file part from disk (fetch would buffer it). */
export function uploadFile(origin, file, size) {
  const { contentType, head, tail } = streamedCreateModel(MUTATION, { name: "bench" }, "big.bin", { boundary: randomBoundary("bench") });
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}/graphql`, {
      method: "POST",
      headers: {
        "content-type": contentType,
        "content-length": head.length + size + tail.length,
        "apollo-require-preflight": "true",
      },
    });
    req.once("error", reject);
    req.once("response", (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.once("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
      res.once("error", reject);
    });
    req.write(head);
    const source = createReadStream(file, { highWaterMark: MiB });
    source.once("error", (error) => req.destroy(error));
    source.once("end", () => req.end(tail));
    source.pipe(req, { end: false });
  });
}

/** GETs a download URL; hashes the streamed body, or only counts it (`hash: false`). */
function downloadFile(url, { hash }) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        if (res.statusCode !== 200) reject(new Error(`download answered ${res.statusCode}`));
        if (!hash) {
          let bytes = 0;
          res.on("data", (chunk) => (bytes += chunk.length));
          res.once("end", () => resolve({ bytes }));
          res.once("error", reject);
          return;
        }
        const { sink, result } = hashSink();
        pipeline(res, sink).then(() => resolve(result()), reject);
      })
      .once("error", reject);
  });
}

/** Runs one gateway phase with memory sampling; the kernel's peak is reset before it. */
async function gatewayPhase(gateway, fn) {
  const hwmReset = resetPeak(gateway.pid);
  const cpuBefore = cpuSeconds(gateway.pid);
  // This process is the client: /proc/<own pid> gives its RSS like any other.
  const sampler = sampleRss({ gateway: gateway.pid, client: process.pid });
  const measured = await timed(fn).catch((error) => ({ error }));
  const sampled = sampler.stop();
  if (measured.error) throw measured.error;
  const { seconds, result } = measured;
  return { seconds, result, hwm: procMemMiB(gateway.pid, "VmHWM"), hwmReset, sampled, cpu: cpuSeconds(gateway.pid) - cpuBefore };
}

const mibps = (seconds) => FILE_BYTES / MiB / seconds;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
};

/** Every run of every operation; the disk is shared and noisy, so each runs ROUNDS times. */
class Runs {
  #ops = new Map();
  add(label, run) {
    if (!this.#ops.has(label)) this.#ops.set(label, []);
    this.#ops.get(label).push(run);
    return run;
  }
  has(label) {
    return this.#ops.has(label);
  }
  seconds(label) {
    return median(this.#ops.get(label).map((r) => r.seconds));
  }
  /** Largest gateway RSS seen in any run of `label`: the kernel's VmHWM or our 50 ms samples. */
  gatewayPeak(label) {
    return Math.max(...this.#ops.get(label).map((r) => Math.max(r.hwm ?? 0, r.sampled?.gateway ?? 0)));
  }
  row(label) {
    const runs = this.#ops.get(label);
    const secs = runs.map((r) => r.seconds);
    const gw = runs[0].sampled;
    return [
      label,
      fmt(this.seconds(label)),
      `${fmt(Math.min(...secs))}-${fmt(Math.max(...secs))}`,
      fmt(mibps(this.seconds(label)), 0),
      gw ? `${fmt(Math.max(...runs.map((r) => r.hwm)), 1)} / ${fmt(Math.max(...runs.map((r) => r.sampled.gateway)), 1)}` : "",
      gw ? fmt(median(runs.map((r) => r.cpu)), 1) : "",
      gw ? fmt(Math.max(...runs.map((r) => r.sampled.client)), 1) : "",
    ];
  }
}

const OPS = {
  cp: "cp + sync (baseline)",
  nodeCopy: "node read+sha256+write+fsync",
  upload: "gateway upload (createModel)",
  cat: "cat > /dev/null (baseline)",
  nodeRead: "node read+sha256",
  raw: "gateway GET, body discarded",
  hashed: "gateway GET + sha256",
  curl: "gateway GET by curl -o /dev/null",
};

/** One round of every operation; returns what the checks need. */
async function round(runs, gateway, dir, source, expected) {
  const failures = [];
  const check = (ok, what) => ok || failures.push(what);
  await settle(); // each write phase starts with no dirty pages left by the previous one
  runs.add(OPS.cp, await timed(() => sh(`cp '${source}' '${dir}/cp.bin' && sync '${dir}/cp.bin'`)));
  await fs.rm(path.join(dir, "cp.bin"));
  await settle();
  const copy = runs.add(
    OPS.nodeCopy,
    await timed(async () => {
      // The gateway's own hashing stage into a file fsynced before close, as FsBlobStore.stage does.
      const counter = new HashingCounter(Number.MAX_SAFE_INTEGER);
      await pipeline(
        createReadStream(source, { highWaterMark: MiB }),
        counter,
        createWriteStream(path.join(dir, "node.bin"), { flush: true }),
      );
      return { sha256: counter.digest() };
    }),
  );
  check(copy.result.sha256 === expected, "node copy sha256");
  await fs.rm(path.join(dir, "node.bin"));
  await settle();
  const up = runs.add(OPS.upload, await gatewayPhase(gateway, () => uploadFile(gateway.origin, source, FILE_BYTES)));
  const model = up.result.status === 200 ? JSON.parse(up.result.body).data?.createModel : null;
  if (!model) throw new Error(`upload failed: ${up.result.status} ${up.result.body.slice(0, 500)}`);
  check(model.files[0].sha256 === expected && model.sizeBytes === FILE_BYTES, "upload sha256/size");

  runs.add(OPS.cat, await timed(() => sh(`cat '${source}' > /dev/null`)));
  const read = runs.add(
    OPS.nodeRead,
    await timed(async () => {
      const { sink, result } = hashSink();
      await pipeline(createReadStream(source, { highWaterMark: MiB }), sink);
      return result();
    }),
  );
  check(read.result.sha256 === expected, "node read sha256");
  const url = model.files[0].downloadUrl;
  // Discarded: what the gateway serves; hashed: what a verifying client gets.
  const raw = runs.add(OPS.raw, await gatewayPhase(gateway, () => downloadFile(url, { hash: false })));
  const hashed = runs.add(OPS.hashed, await gatewayPhase(gateway, () => downloadFile(url, { hash: true })));
  check(raw.result.bytes === FILE_BYTES && hashed.result.sha256 === expected, "download bytes/sha256");
  // A native client too, when there is one: shows whether Node's client limits the GET rows.
  if (
    await sh("command -v curl > /dev/null").then(
      () => true,
      () => false,
    )
  ) {
    runs.add(OPS.curl, await gatewayPhase(gateway, () => sh(`curl -sf -o /dev/null '${url}'`)));
  }
  return failures;
}

export async function runUpload() {
  header(`Upload / download of a ${FILE_BYTES / MiB} MiB file through a gateway process (SQLite + local blobs)`);
  return inRunDir("upload", async (dir, start) => {
    const source = path.join(dir, "big.bin");
    const dataDir = path.join(dir, "gateway");
    const made = await timed(() => makeBigFile(source, FILE_BYTES));
    const expected = made.result;
    console.log(`generated ${source} in ${fmt(made.seconds, 1)} s, sha256 ${expected.slice(0, 16)}…`);
    await fs.mkdir(dataDir);
    // Baseline copies go to `dir`, blobs under dataDir: both must hit the same disk.
    if ((await fs.stat(dataDir)).dev !== (await fs.stat(dir)).dev) throw new Error("gateway data dir is on another filesystem");

    const gateway = await start(dataDir);
    const idle = procMemMiB(gateway.pid, "VmRSS");
    console.log(`gateway pid ${gateway.pid} at ${gateway.origin}, idle RSS ${fmt(idle, 1)} MiB`);

    const runs = new Runs();
    const failures = [];
    for (let i = 0; i < ROUNDS; i++) failures.push(...(await round(runs, gateway, dir, source, expected)));

    const head = [
      "operation",
      "median s",
      "min-max s",
      "MiB/s",
      "gateway peak RSS MiB (VmHWM / sampled)",
      "gateway CPU s",
      "client peak RSS MiB",
    ];
    console.log(`
${ROUNDS} rounds, interleaved; MiB/s from the median time
`);
    console.log(
      table([
        head,
        ...Object.values(OPS)
          .filter((label) => runs.has(label))
          .map((label) => runs.row(label)),
      ]),
    );
    if (!resetPeak(gateway.pid)) console.log("(could not reset VmHWM: the peaks include gateway start-up and earlier phases)");
    console.log(`
sha256 checks: ${failures.length === 0 ? "all ok" : `MISMATCH in ${failures.join(", ")}`}`);

    const t = (op) => runs.seconds(OPS[op]);
    const rate = (op) => `${fmt(mibps(t(op)), 0)} MiB/s`;
    const peak = runs.gatewayPeak(OPS.upload);
    const peakMB = (peak * MiB) / 1e6; // the target is in MB; MiB would flatter by 5%
    const downPeak = Math.max(...[OPS.raw, OPS.hashed, OPS.curl].filter((l) => runs.has(l)).map((l) => runs.gatewayPeak(l)));
    return [
      `file ${FILE_BYTES / MiB} MiB, median of ${ROUNDS} rounds; gateway idle RSS ${fmt(idle, 1)} MiB`,
      `upload: ${rate("upload")} (${fmt(t("upload"))} s) = ${fmt(t("upload") / t("cp"))}x the time of cp+sync (${rate("cp")}), ` +
        `${fmt(t("upload") / t("nodeCopy"))}x node copy+sha256+fsync (${rate("nodeCopy")})`,
      `upload: gateway peak RSS ${fmt(peak, 1)} MiB = ${fmt(peakMB, 1)} MB ` +
        `(target < ${RSS_TARGET_MB} MB: ${peakMB < RSS_TARGET_MB ? "OK" : "ABOVE TARGET"})`,
      `download: ${rate("raw")} discarded = ${fmt(t("raw") / t("cat"))}x the time of cat (${rate("cat")}); ` +
        `${rate("hashed")} hashed = ${fmt(t("hashed") / t("nodeRead"))}x node read+sha256 (${rate("nodeRead")})` +
        `${runs.has(OPS.curl) ? `; curl ${rate("curl")}` : ""}; gateway peak RSS ${fmt(downPeak, 1)} MiB`,
      `sha256: ${failures.length === 0 ? "every upload and download matched the file" : `MISMATCH in ${failures.join(", ")}`}`,
    ];
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  reportSummary("upload", await runUpload());
}
