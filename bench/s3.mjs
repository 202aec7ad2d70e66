// Upload (and download) of one large file to an S3-compatible server (s3rver, in
// its own process) through a real gateway process, against the same file PUT
// straight to the same server with the AWS SDK's Upload (same part size and
// concurrency as the gateway's). The gateway must stream: its peak RSS stays far
// below the file size (target < 200 MB).
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { cpuSeconds, procMemMiB, resetPeak, sampleRss, startGatewayProcess } from "./gateway-process.mjs";
import { fmt, header, makeBigFile, makeRunDir, MiB, QUICK, reportSummary, ROOT, table, timed } from "./lib.mjs";
import { uploadFile } from "./upload.mjs";

const FILE_BYTES = (QUICK ? 256 : 1024) * MiB;
const RSS_TARGET_MB = 200;
const ROUNDS = QUICK ? 1 : 2;
const BUCKET = "bench";
/** The gateway's own multipart settings (storage/s3/s3-blob-store.ts), for a fair direct upload. */
const PART_SIZE = 5 * MiB;
const QUEUE_SIZE = 2;

/** s3rver in a child process, as the tests start it (test/support/s3-server-child.mjs). */
async function startS3rver(directory) {
  const child = spawn(
    process.execPath,
    [
      "--openssl-legacy-provider",
      path.join(ROOT, "test", "support", "s3-server-child.mjs"),
      JSON.stringify({ port: 0, directory, bucket: BUCKET, slowMs: 0 }),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise((resolve, reject) => {
    child.stdout.once("data", (chunk) => resolve(JSON.parse(String(chunk)).port));
    child.once("exit", (code) => reject(new Error(`s3rver exited (${code})`)));
  });
  child.removeAllListeners("exit");
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    pid: child.pid,
    endpoint,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" },
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGKILL");
      }),
  };
}

function clientOf(s3) {
  return new S3Client({
    endpoint: s3.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Times `fn` while sampling the RSS of the gateway (when given) and the S3 server. */
async function phase(pids, gatewayPid, fn) {
  if (gatewayPid) resetPeak(gatewayPid);
  const cpuBefore = gatewayPid ? cpuSeconds(gatewayPid) : 0;
  const sampler = sampleRss(pids);
  const measured = await timed(fn);
  const sampled = sampler.stop();
  return {
    ...measured,
    sampled,
    hwm: gatewayPid ? procMemMiB(gatewayPid, "VmHWM") : NaN,
    cpu: gatewayPid ? cpuSeconds(gatewayPid) - cpuBefore : NaN,
  };
}

/** Counts the bytes of a GET through the gateway. */
function download(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        if (res.statusCode !== 200) reject(new Error(`download answered ${res.statusCode}`));
        let bytes = 0;
        res.on("data", (chunk) => (bytes += chunk.length));
        res.once("end", () => resolve({ bytes }));
        res.once("error", reject);
      })
      .once("error", reject);
  });
}

export async function runS3() {
  header(`S3: a ${FILE_BYTES / MiB} MiB file through a gateway process (SQLite + s3rver) vs straight to s3rver`);
  const dir = await makeRunDir("s3");
  let s3;
  let gateway;
  try {
    const source = path.join(dir, "big.bin");
    const expected = await makeBigFile(source, FILE_BYTES);
    await fs.mkdir(path.join(dir, "s3rver"));
    await fs.mkdir(path.join(dir, "gateway"));
    s3 = await startS3rver(path.join(dir, "s3rver"));
    const client = clientOf(s3);
    gateway = await startGatewayProcess(path.join(dir, "gateway"), { ...s3.env, HOMER_BLOB_URL: `s3://${BUCKET}/homer` });
    const idle = procMemMiB(gateway.pid, "VmRSS");
    console.log(`gateway pid ${gateway.pid} at ${gateway.origin}, idle RSS ${fmt(idle, 1)} MiB; s3rver at ${s3.endpoint}`);

    const rows = { direct: [], gateway: [], directGet: [], gatewayGet: [] };
    for (let round = 0; round < ROUNDS; round++) {
      rows.direct.push(
        await phase({ s3: s3.pid }, undefined, () =>
          new Upload({
            client,
            params: { Bucket: BUCKET, Key: `direct/${round}`, Body: createReadStream(source, { highWaterMark: MiB }) },
            partSize: PART_SIZE,
            queueSize: QUEUE_SIZE,
          }).done(),
        ),
      );
      const up = await phase({ gateway: gateway.pid, s3: s3.pid }, gateway.pid, () => uploadFile(gateway.origin, source, FILE_BYTES));
      rows.gateway.push(up);
      const model = up.result.status === 200 ? JSON.parse(up.result.body).data?.createModel : null;
      if (!model || model.files[0].sha256 !== expected)
        throw new Error(`upload failed: ${up.result.status} ${up.result.body.slice(0, 500)}`);
      rows.directGet.push(
        await phase({ s3: s3.pid }, undefined, async () => {
          const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `direct/${round}` }));
          let bytes = 0;
          for await (const chunk of object.Body) bytes += chunk.length;
          return { bytes };
        }),
      );
      rows.gatewayGet.push(await phase({ gateway: gateway.pid, s3: s3.pid }, gateway.pid, () => download(model.files[0].downloadUrl)));
    }

    const best = (runs) => Math.min(...runs.map((r) => r.seconds));
    const rate = (runs) => FILE_BYTES / MiB / best(runs);
    const peak = (runs, label) => Math.max(...runs.map((r) => Math.max(r.sampled[label] ?? 0, label === "gateway" ? r.hwm : 0)));
    const line = (label, runs) => [
      label,
      fmt(best(runs)),
      fmt(rate(runs), 0),
      runs[0].sampled.gateway ? fmt(peak(runs, "gateway"), 1) : "",
      runs[0].sampled.gateway ? fmt(Math.max(...runs.map((r) => r.cpu)), 1) : "",
      fmt(peak(runs, "s3"), 1),
    ];
    console.log(`\n${ROUNDS} round(s); best time\n`);
    console.log(
      table([
        ["operation", "s", "MiB/s", "gateway peak RSS MiB", "gateway CPU s", "s3rver peak RSS MiB"],
        line("SDK Upload straight to s3rver", rows.direct),
        line("gateway createModel (stage + copy + commit)", rows.gateway),
        line("SDK GetObject straight from s3rver", rows.directGet),
        line("gateway GET /files (streamed from S3)", rows.gatewayGet),
      ]),
    );
    const upPeakMB = (peak(rows.gateway, "gateway") * MiB) / 1e6;
    return [
      `file ${FILE_BYTES / MiB} MiB, best of ${ROUNDS}; part size ${PART_SIZE / MiB} MiB x ${QUEUE_SIZE} in flight; gateway idle RSS ${fmt(idle, 1)} MiB`,
      `upload: gateway ${fmt(rate(rows.gateway), 0)} MiB/s vs SDK straight to s3rver ${fmt(rate(rows.direct), 0)} MiB/s ` +
        `= ${fmt(best(rows.gateway) / best(rows.direct))}x the time`,
      `upload: gateway peak RSS ${fmt(peak(rows.gateway, "gateway"), 1)} MiB = ${fmt(upPeakMB, 1)} MB ` +
        `(target < ${RSS_TARGET_MB} MB: ${upPeakMB < RSS_TARGET_MB ? "OK" : "ABOVE TARGET"})`,
      `download: gateway ${fmt(rate(rows.gatewayGet), 0)} MiB/s vs SDK GetObject ${fmt(rate(rows.directGet), 0)} MiB/s ` +
        `= ${fmt(best(rows.gatewayGet) / best(rows.directGet))}x the time; gateway peak RSS ${fmt(peak(rows.gatewayGet, "gateway"), 1)} MiB`,
    ];
  } catch (error) {
    if (gateway) console.error(`--- gateway output ---\n${gateway.output()}`);
    throw error;
  } finally {
    await gateway?.stop();
    await s3?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  reportSummary("s3", await runS3());
}
