// Pushing and pulling one large file through @homer/sdk (createModel({ modelPath })
// and model.download(dir)) against a real gateway process. The SDK client runs in
// a process of its own (bench/sdk-client.mjs), so its memory is measured apart
// from the gateway's: both must stream, peak RSS far below the file size (target
// < 200 MB each). Baselines on the same filesystem, interleaved round by round:
// cp + sync for the upload, a plain read (cat) and a cp for the download; and a
// hand-written node:http client doing the same work, to tell SDK cost from gateway cost.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { cpuSeconds, inRunDir, procMemMiB, resetPeak, sampleRss } from "./gateway-process.mjs";
import { fmt, header, makeBigFile, MiB, QUICK, reportSummary, settle, sh, sha256OfFile, stampFile, table, timed } from "./lib.mjs";
import { uploadFile } from "./upload.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLIENT = path.join(HERE, "sdk-client.mjs");
const FILE_BYTES = (QUICK ? 256 : 1024) * MiB;
/** A second, small upload/download: the client's RSS for it against the big one shows whether memory grows with size. */
const SMALL_BYTES = 16 * MiB;
/** Even, so that each upload goes first in as many rounds as it goes second. */
const ROUNDS = QUICK ? 2 : 4;
const RSS_TARGET_MB = 200;
/** Client RSS growth (MiB) from 25 % to 100 % of the bytes, or from the small file to the big one, read as buffering. */
const GROWTH_LIMIT = 48;
const NAME = "bench-sdk";
/** A model of many small files (shards, tokenizers, configs): what downloading several files at once is for. */
const MANY_FILES = QUICK ? 50 : 200;
const MANY_FILE_BYTES = 256 * 1024;
const MANY_NAME = "bench-sdk-many";

const toMB = (mib) => (mib * MiB) / 1e6;
const mibps = (seconds, bytes = FILE_BYTES) => bytes / MiB / seconds;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
};

/**
 * Runs `node bench/sdk-client.mjs ...args` while sampling its VmRSS and the
 * gateway's; the gateway's VmHWM is reset first so the phase reports its own peak.
 */
async function clientPhase(gateway, args) {
  const env = { ...process.env };
  // Inherited settings must not send the client elsewhere or add credentials.
  for (const name of ["HOMER_URL", "HOMER_API_KEY", "HOMER_PROJECT", "NODE_OPTIONS"]) delete env[name];
  const hwmReset = resetPeak(gateway.pid);
  const cpuBefore = cpuSeconds(gateway.pid);
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [CLIENT, ...args], { cwd: path.dirname(HERE), env, stdio: ["ignore", "pipe", "pipe"] });
  const sampler = sampleRss({ client: child.pid, gateway: gateway.pid });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-8000)));
  const code = await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode, signal) => resolve(exitCode ?? signal));
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const sampled = sampler.stop();
  if (code !== 0) throw new Error(`sdk-client ${args[0]} exited ${code}\n--- client stderr ---\n${stderr}`);
  const out = JSON.parse(stdout.trim().split("\n").at(-1));
  return {
    seconds: out.seconds,
    wall,
    out,
    client: { hwm: out.hwm, sampled: sampled.client, cpu: out.cpu },
    gateway: { hwm: procMemMiB(gateway.pid, "VmHWM"), hwmReset, sampled: sampled.gateway, cpu: cpuSeconds(gateway.pid) - cpuBefore },
  };
}

const OPS = {
  cp: "cp + sync (upload baseline)",
  rawUpload: "plain node multipart POST",
  upload: "sdk createModel (upload)",
  cat: "cat > /dev/null (plain read)",
  cpNoSync: "cp, no sync (read + write)",
  rawDownload: "plain node GET + sha256 + write",
  download: "sdk model.download",
};

/** What model.download does, by hand: node:http GET, sha256 on the way, into a file (no fsync). */
function plainDownload(url, file) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`download answered ${res.statusCode}`));
        const hash = createHash("sha256");
        let bytes = 0;
        const count = new Transform({
          transform(chunk, _encoding, done) {
            hash.update(chunk);
            bytes += chunk.length;
            done(null, chunk);
          },
        });
        pipeline(res, count, createWriteStream(file)).then(() => resolve({ bytes, sha256: hash.digest("hex") }), reject);
      })
      .once("error", reject);
  });
}

class Runs {
  #ops = new Map();
  add(label, run) {
    if (!this.#ops.has(label)) this.#ops.set(label, []);
    this.#ops.get(label).push(run);
    return run;
  }
  all(label) {
    return this.#ops.get(label) ?? [];
  }
  seconds(label) {
    return median(this.all(label).map((r) => r.seconds));
  }
  /** Largest RSS of `who` ("client" | "gateway") in any run of `label`: VmHWM or the 50 ms samples. */
  peak(label, who) {
    return Math.max(...this.all(label).map((r) => Math.max(r[who].hwm, r[who].sampled)));
  }
  row(label) {
    const runs = this.all(label);
    const secs = runs.map((r) => r.seconds);
    const sdk = runs[0].client !== undefined;
    const mem = (who) => `${fmt(Math.max(...runs.map((r) => r[who].hwm)), 1)} / ${fmt(Math.max(...runs.map((r) => r[who].sampled)), 1)}`;
    return [
      label,
      fmt(this.seconds(label)),
      `${fmt(Math.min(...secs))}-${fmt(Math.max(...secs))}`,
      fmt(mibps(this.seconds(label)), 0),
      sdk ? mem("client") : "",
      sdk ? mem("gateway") : "",
      sdk ? fmt(median(runs.map((r) => r.client.cpu)), 1) : "",
      sdk ? fmt(median(runs.map((r) => r.gateway.cpu)), 1) : "",
      sdk ? fmt(median(runs.map((r) => r.wall)), 2) : "",
    ];
  }
}

/** Checks what the registry recorded for an upload of `source` (`expected` digest, `bytes` long). */
function checkUpload(up, expected, bytes, check) {
  const { out } = up;
  const file = out.files[0];
  check(
    out.files.length === 1 && file.sha256 === expected,
    `registered sha256 ${file?.sha256?.slice(0, 16)}… != file's ${expected.slice(0, 16)}…`,
  );
  check(file?.sizeBytes === bytes && out.sizeBytes === bytes, `registered size ${out.sizeBytes} != ${bytes}`);
  check(out.status === "READY", `status ${out.status}`);
  check(out.metrics?.accuracy === 0.5 && out.metrics?.loss === 1.25, "metrics");
  check(out.progress.lastBytes === bytes, `onProgress ended at ${out.progress.lastBytes} of ${bytes} bytes`);
}

/** Checks a download independently of the SDK's own verification, then removes it. */
async function checkDownload(down, dir, fileName, expected, bytes, check) {
  const got = await sha256OfFile(path.join(dir, fileName));
  check(got.sha256 === expected && got.bytes === bytes, `downloaded file sha256/size ${got.sha256.slice(0, 16)}…/${got.bytes}`);
  const left = (await fs.readdir(dir)).filter((f) => f !== fileName);
  check(left.length === 0, `download left ${left.join(", ")}`);
  check(down.out.progress.lastBytes === bytes, `onProgress ended at ${down.out.progress.lastBytes} of ${bytes} bytes`);
  await fs.rm(dir, { recursive: true, force: true });
}

/**
 * One round: the upload group, then the download group. Within a group the order
 * flips every other round, so background load does not always hit the same side.
 */
async function round(i, runs, gateway, dir, modelDir, fileName, stamps, check) {
  const source = path.join(modelDir, fileName);
  const url = `${gateway.origin}/graphql`;
  const flip = (ops) => (i % 2 === 0 ? ops : ops.reverse());
  let version;
  // Every upload to the registry sends bytes it does not hold yet, as a user's new model is:
  // the second upload of the same bytes would take the registry's path for a blob it has.
  const stamp = () => stampFile(source, stamps.next++);
  let expected = stamps.sha256;
  const uploads = {
    cp: async () => {
      runs.add(OPS.cp, await timed(() => sh(`cp '${source}' '${dir}/cp.bin' && sync '${dir}/cp.bin'`)));
      await fs.rm(path.join(dir, "cp.bin"));
    },
    rawUpload: async () => {
      expected = await stamp();
      const raw = runs.add(OPS.rawUpload, await timed(() => uploadFile(gateway.origin, source, FILE_BYTES)));
      const model = raw.result.status === 200 ? JSON.parse(raw.result.body).data?.createModel : null;
      check(
        model?.files[0].sha256 === expected && model?.sizeBytes === FILE_BYTES,
        `plain upload: ${raw.result.status} ${raw.result.body.slice(0, 200)}`,
      );
    },
    upload: async () => {
      expected = await stamp();
      const up = runs.add(OPS.upload, await clientPhase(gateway, ["upload", url, NAME, modelDir]));
      checkUpload(up, expected, FILE_BYTES, check);
      version = up.out.version;
      stamps.sha256 = expected;
    },
  };
  // cp first in every round; the two uploads to the registry take turns at going first. On a VM
  // that backs guest memory lazily, a later writer in a sequence can pay the kernel more for it
  // (BENCHMARKS.md §5, "Fresh memory"), so the order must not favour either.
  for (const op of ["cp", ...flip(["rawUpload", "upload"])]) {
    await settle(); // each write phase starts with no dirty pages left by the previous one
    await uploads[op]();
  }
  const downloads = {
    cat: async () => runs.add(OPS.cat, await timed(() => sh(`cat '${source}' > /dev/null`))),
    cpNoSync: async () => {
      runs.add(OPS.cpNoSync, await timed(() => sh(`cp '${source}' '${dir}/cp.bin'`)));
      await fs.rm(path.join(dir, "cp.bin"));
    },
    rawDownload: async () => {
      const { downloadUrl } = runs.all(OPS.upload).at(-1).out.files[0];
      const raw = runs.add(OPS.rawDownload, await timed(() => plainDownload(downloadUrl, path.join(dir, "plain.bin"))));
      check(raw.result.sha256 === expected && raw.result.bytes === FILE_BYTES, "plain download sha256/size");
      await fs.rm(path.join(dir, "plain.bin"));
    },
    download: async () => {
      const target = path.join(dir, `download-${i}`);
      const down = runs.add(OPS.download, await clientPhase(gateway, ["download", url, NAME, String(version), target]));
      await checkDownload(down, target, fileName, expected, FILE_BYTES, check);
    },
  };
  // The downloads fetch the SDK's upload of this round.
  expected = stamps.sha256;
  for (const op of flip(["cat", "cpNoSync", "rawDownload", "download"])) {
    await settle();
    await downloads[op]();
  }
}

export async function runSdk() {
  header(`SDK push / pull of a ${FILE_BYTES / MiB} MiB file (@homer/sdk in its own process, gateway process on SQLite + local blobs)`);
  return inRunDir("sdk", async (dir, start) => {
    const fileName = "model.bin";
    const modelDir = path.join(dir, "model");
    const smallDir = path.join(dir, "small");
    const dataDir = path.join(dir, "gateway");
    await Promise.all([fs.mkdir(modelDir), fs.mkdir(smallDir), fs.mkdir(dataDir)]);
    const made = await timed(() => makeBigFile(path.join(modelDir, fileName), FILE_BYTES));
    const expected = made.result;
    const smallExpected = await makeBigFile(path.join(smallDir, fileName), SMALL_BYTES);
    console.log(`generated ${path.join(modelDir, fileName)} in ${fmt(made.seconds, 1)} s, sha256 ${expected.slice(0, 16)}…`);
    // Baseline copies go to `dir`, blobs under dataDir, downloads under `dir`: one disk.
    if ((await fs.stat(dataDir)).dev !== (await fs.stat(dir)).dev) throw new Error("gateway data dir is on another filesystem");

    // No rate limit: the many-file downloads ask more than its default of 1200 requests a minute allows.
    const gateway = await start(dataDir, { HOMER_RATE_LIMIT: "0" });
    const idle = procMemMiB(gateway.pid, "VmRSS");
    console.log(`gateway pid ${gateway.pid} at ${gateway.origin}, idle RSS ${fmt(idle, 1)} MiB`);

    const failures = [];
    const check = (ok, what) => ok || failures.push(what);
    const runs = new Runs();
    const stamps = { next: 1, sha256: expected };
    for (let i = 0; i < ROUNDS; i++) await round(i, runs, gateway, dir, modelDir, fileName, stamps, check);

    // The same client with a small file: its fixed cost, against which the big file's peak shows growth.
    await settle();
    const smallUp = await clientPhase(gateway, ["upload", `${gateway.origin}/graphql`, NAME, smallDir]);
    checkUpload(smallUp, smallExpected, SMALL_BYTES, check);
    const smallTarget = path.join(dir, "download-small");
    const smallDown = await clientPhase(gateway, ["download", `${gateway.origin}/graphql`, NAME, String(smallUp.out.version), smallTarget]);
    await checkDownload(smallDown, smallTarget, fileName, smallExpected, SMALL_BYTES, check);

    // A model of many small files, downloaded one file at a time and then as the SDK does by default.
    const manyDir = path.join(dir, "many");
    await fs.mkdir(manyDir);
    const manyNames = Array.from({ length: MANY_FILES }, (_, i) => `shard-${String(i).padStart(4, "0")}.bin`);
    for (const name of manyNames) await fs.writeFile(path.join(manyDir, name), randomBytes(MANY_FILE_BYTES));
    const manyBytes = MANY_FILES * MANY_FILE_BYTES;
    await settle();
    const manyUp = await clientPhase(gateway, ["upload", `${gateway.origin}/graphql`, MANY_NAME, manyDir]);
    check(manyUp.out.files?.length === MANY_FILES && manyUp.out.sizeBytes === manyBytes, "many-file upload");
    const manyRuns = { one: [], default: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const way of i % 2 === 0 ? ["one", "default"] : ["default", "one"]) {
        await settle();
        const target = path.join(dir, `many-${way}-${i}`);
        const args = ["download", `${gateway.origin}/graphql`, MANY_NAME, String(manyUp.out.version), target];
        const down = await clientPhase(gateway, way === "one" ? [...args, "1"] : args);
        check(
          down.out.progress.lastBytes === manyBytes,
          `many-file download (${way}) ended at ${down.out.progress.lastBytes} of ${manyBytes} bytes`,
        );
        check((await fs.readdir(target)).length === MANY_FILES, `many-file download (${way}) left the wrong files`);
        await fs.rm(target, { recursive: true, force: true });
        manyRuns[way].push(down);
      }
    }
    const manySeconds = (way) => median(manyRuns[way].map((r) => r.seconds));
    const manySpread = (way) =>
      `${fmt(Math.min(...manyRuns[way].map((r) => r.seconds)))}-${fmt(Math.max(...manyRuns[way].map((r) => r.seconds)))}`;

    const head = [
      "operation",
      "median s",
      "min-max s",
      "MiB/s",
      "client peak RSS MiB (VmHWM / sampled)",
      "gateway peak RSS MiB (VmHWM / sampled)",
      "client CPU s",
      "gateway CPU s",
      "client process wall s",
    ];
    console.log(
      `\n${ROUNDS} rounds, interleaved; MiB/s from the median time; SDK times are the createModel / download call inside the client ` +
        "(node start-up, import and connect excluded: see wall)\n",
    );
    console.log(table([head, ...Object.values(OPS).map((label) => runs.row(label))]));

    console.log(
      `\n${MANY_FILES} files of ${MANY_FILE_BYTES / 1024} KiB (${fmt(manyBytes / MiB, 0)} MiB), ${ROUNDS} rounds, interleaved:\n` +
        table([
          ["sdk model.download", "median s", "min-max s", "MiB/s", "files/s"],
          ...[
            ["one file at a time (concurrency: 1)", "one"],
            ["4 files at once (the default)", "default"],
          ].map(([label, way]) => [
            label,
            fmt(manySeconds(way)),
            manySpread(way),
            fmt(mibps(manySeconds(way), manyBytes), 0),
            fmt(MANY_FILES / manySeconds(way), 0),
          ]),
        ]),
    );

    const quarters = (label) => {
      const rows = runs.all(label).map((r) => r.out.progress.rssAt);
      return [0, 1, 2, 3].map((q) => Math.max(...rows.map((r) => r[q] ?? NaN)));
    };
    const upQ = quarters(OPS.upload);
    const downQ = quarters(OPS.download);
    const before = (label) => Math.max(...runs.all(label).map((r) => r.out.rssBefore));
    const progressCalls = (label) => median(runs.all(label).map((r) => r.out.progress.calls));
    const maxChunk = (label) => Math.max(...runs.all(label).map((r) => r.out.progress.maxChunkMiB));
    const steps = (label) => `(${progressCalls(label)} onProgress calls, largest step ${fmt(maxChunk(label), 2)} MiB)`;
    const perQuarter = (q) => q.map((x) => fmt(x, 1)).join(" / ");
    const gatewayPeak = (run) => fmt(Math.max(run.gateway.hwm, run.gateway.sampled), 1);
    console.log(`
client RSS (MiB) after connect, then at 25/50/75/100 % of the bytes (max over rounds):
  upload:   ${fmt(before(OPS.upload), 1)} -> ${perQuarter(upQ)}   ${steps(OPS.upload)}
  download: ${fmt(before(OPS.download), 1)} -> ${perQuarter(downQ)}   ${steps(OPS.download)}
client peak RSS (VmHWM) for a ${SMALL_BYTES / MiB} MiB file: \
upload ${fmt(smallUp.client.hwm, 1)}, download ${fmt(smallDown.client.hwm, 1)}; gateway ${gatewayPeak(smallUp)} / ${gatewayPeak(smallDown)}`);
    if (!resetPeak(gateway.pid)) console.log("(could not reset the gateway's VmHWM: its peaks include start-up and earlier phases)");
    console.log(`\nsha256 checks: ${failures.length === 0 ? "all ok" : `FAILED: ${failures.join("; ")}`}`);

    const t = (op) => runs.seconds(OPS[op]);
    const rate = (op) => `${fmt(mibps(t(op)), 0)} MiB/s`;
    const verdict = (mib) => (toMB(mib) < RSS_TARGET_MB ? "OK" : "ABOVE TARGET");
    const upClient = runs.peak(OPS.upload, "client");
    const upGateway = runs.peak(OPS.upload, "gateway");
    const downClient = runs.peak(OPS.download, "client");
    const downGateway = runs.peak(OPS.download, "gateway");
    const growth = (label, q, small) => {
      const bigPeak = Math.max(...runs.all(label).map((r) => r.client.hwm));
      const grows = q[3] - q[0] > GROWTH_LIMIT || bigPeak - small.client.hwm > GROWTH_LIMIT;
      return (
        `${fmt(small.client.hwm, 1)} MiB for ${SMALL_BYTES / MiB} MiB -> ${fmt(bigPeak, 1)} MiB for ${FILE_BYTES / MiB} MiB, ` +
        `${fmt(q[0], 1)} -> ${fmt(q[3], 1)} MiB from 25 % to 100 % (${grows ? "GROWS WITH SIZE: buffering?" : "flat"})`
      );
    };
    if (failures.length > 0) process.exitCode = 1;
    return [
      `file ${FILE_BYTES / MiB} MiB, median of ${ROUNDS} rounds; SDK client in its own process; gateway idle RSS ${fmt(idle, 1)} MiB`,
      `sdk upload: ${rate("upload")} (${fmt(t("upload"))} s) = ${fmt(t("upload") / t("cp"))}x the time of cp+sync (${rate("cp")}), ` +
        `${fmt(t("upload") / t("rawUpload"))}x a plain node multipart POST (${rate("rawUpload")})`,
      `sdk upload: client peak RSS ${fmt(upClient, 1)} MiB = ${fmt(toMB(upClient), 1)} MB (${verdict(upClient)}), ` +
        `gateway peak RSS ${fmt(upGateway, 1)} MiB = ${fmt(toMB(upGateway), 1)} MB (${verdict(upGateway)}; target < ${RSS_TARGET_MB} MB)`,
      `sdk download: ${rate("download")} (${fmt(t("download"))} s) = ` +
        `${fmt(t("download") / t("cat"))}x the time of a plain read (cat, ${rate("cat")}), ` +
        `${fmt(t("download") / t("cpNoSync"))}x cp without sync (${rate("cpNoSync")}), ` +
        `${fmt(t("download") / t("rawDownload"))}x a plain node GET+sha256+write (${rate("rawDownload")})`,
      `sdk download: client peak RSS ${fmt(downClient, 1)} MiB = ${fmt(toMB(downClient), 1)} MB (${verdict(downClient)}), ` +
        `gateway peak RSS ${fmt(downGateway, 1)} MiB = ${fmt(toMB(downGateway), 1)} MB (${verdict(downGateway)})`,
      `sdk download of ${MANY_FILES} files of ${MANY_FILE_BYTES / 1024} KiB: ${fmt(manySeconds("default"))} s 4 at once (the default), ` +
        `${fmt(manySeconds("one"))} s one at a time = ${fmt(manySeconds("one") / manySeconds("default"))}x the time`,
      `client RSS vs size: upload ${growth(OPS.upload, upQ, smallUp)}`,
      `client RSS vs size: download ${growth(OPS.download, downQ, smallDown)}`,
      "sha256: " +
        (failures.length === 0
          ? "registered digest = the file's on every upload; every download matched it"
          : `FAILED: ${failures.join("; ")}`),
    ];
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  reportSummary("sdk", await runSdk());
}
