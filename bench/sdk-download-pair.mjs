// A/B runs of SDK builds' downloads (`downloadModel`, what `model.download(dir)` calls)
// against one gateway process (SQLite + local blobs, no rate limit): a 1 GiB file, and a
// model of 200 files of 256 KiB. Every download runs in a fresh process of its own, the
// builds taking turns at going first, and reports its time and its own CPU (user, system).
//   BENCH_SDK=base=sdk/dist-base/node/download.js,new=sdk/dist/node/download.js compares
//     builds (default: this tree's); a build's `|concurrency=N` passes that option
//     (`new|concurrency=1`). A copy of an older tree's sdk/dist placed beside this one
//     resolves the same node_modules.
//   BENCH_ROUNDS (6; 2 with BENCH_QUICK).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inRunDir } from "./gateway-process.mjs";
import { fmt, header, makeBigFile, median, MiB, QUICK, reportSummary, ROOT, table } from "./lib.mjs";
import { uploadFile } from "./upload.mjs";
import { createModelParts, multipartBody, multipartType, randomBoundary } from "../test/support/multipart.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 6));
const BIG_BYTES = (QUICK ? 256 : 1024) * MiB;
const MANY_FILES = QUICK ? 50 : 200;
const MANY_FILE_BYTES = 256 * 1024;

/** The builds to compare: `label=path/to/node/download.js[|concurrency=N]`, comma-separated. */
function sdkBuilds() {
  return (process.env.BENCH_SDK ?? `sdk=${path.join("sdk", "dist", "node", "download.js")}`).split(",").map((entry) => {
    const at = entry.indexOf("=");
    if (at <= 0) throw new Error(`BENCH_SDK: expected label=path/to/download.js, got ${entry}`);
    const [module, ...extra] = entry.slice(at + 1).split("|");
    const options = {};
    for (const option of extra) {
      const match = /^concurrency=(\d+)$/.exec(option);
      if (!match) throw new Error(`BENCH_SDK: unknown option ${option}`);
      options.concurrency = Number(match[1]);
    }
    return { label: entry.slice(0, at), module: path.resolve(ROOT, module), options };
  });
}

/** One download by `build` in a process of its own: its seconds and CPU, or a thrown error. */
function downloadOnce(build, filesJson, origin, dir) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(HERE, "sdk-download-once.mjs"), build.module, filesJson, origin, dir, JSON.stringify(build.options)],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`${build.label} exited ${code}: ${stderr}`)),
    );
  });
}

async function pairRounds(title, builds, filesJson, origin, dir) {
  const runs = new Map(builds.map((b) => [b.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) {
      const run = await downloadOnce(build, filesJson, origin, path.join(dir, `out-${build.label}-${round}`));
      runs.get(build.label).push(run);
      console.log(
        `  ${title}, round ${round + 1}: ${build.label} ${fmt(run.seconds)} s (user ${fmt(run.user)} s, system ${fmt(run.system)} s)`,
      );
    }
  }
  const first = runs.get(builds[0].label);
  const rows = builds.map((b) => {
    const r = runs.get(b.label);
    const perRound = r.map((run, i) => run.seconds / first[i].seconds);
    return [
      b.label,
      fmt(median(r.map((x) => x.seconds))),
      `${fmt(Math.min(...r.map((x) => x.seconds)))}-${fmt(Math.max(...r.map((x) => x.seconds)))}`,
      `${fmt(median(perRound))} (${fmt(Math.min(...perRound))}-${fmt(Math.max(...perRound))})`,
      fmt(median(r.map((x) => x.user))),
      fmt(median(r.map((x) => x.system))),
    ];
  });
  console.log(
    `\n${title}, ${ROUNDS} rounds:\n${table([["build", "median s", "min-max s", `time vs ${builds[0].label}, per round`, "user s", "system s"], ...rows])}\n`,
  );
  return rows.map(
    ([label, seconds, spread, ratio, user]) =>
      `${title}: ${label} ${seconds} s (${spread}), ${ratio} the time of ${builds[0].label}, user ${user} s`,
  );
}

export async function runSdkDownloadPair() {
  const builds = sdkBuilds();
  header(`SDK downloads, build against build (${builds.map((b) => b.label).join(", ")})`);
  return inRunDir("sdk-pair", async (dir, start) => {
    const dataDir = path.join(dir, "gateway");
    await fs.mkdir(dataDir);
    const gateway = await start(dataDir, { HOMER_RATE_LIMIT: "0" });
    const big = path.join(dir, "big.bin");
    await makeBigFile(big, BIG_BYTES);
    const bigAnswer = await uploadFile(gateway.origin, big, BIG_BYTES);
    await fs.rm(big);
    const bigFiles = JSON.parse(bigAnswer.body).data.createModel.files;

    const names = Array.from({ length: MANY_FILES }, (_, i) => `shard-${String(i).padStart(4, "0")}.bin`);
    const query = "mutation($input: CreateModelInput!) { createModel(input: $input) { files { path sizeBytes sha256 downloadUrl } } }";
    const boundary = randomBoundary("bench");
    const manyAnswer = await fetch(`${gateway.origin}/graphql`, {
      method: "POST",
      headers: { "content-type": multipartType(boundary), "apollo-require-preflight": "true" },
      body: multipartBody(
        createModelParts(
          query,
          { name: "many" },
          names.map((name) => [name, randomBytes(MANY_FILE_BYTES)]),
        ),
        boundary,
      ),
    });
    const manyFiles = (await manyAnswer.json()).data.createModel.files;

    const bigJson = path.join(dir, "big.json");
    const manyJson = path.join(dir, "many.json");
    await fs.writeFile(bigJson, JSON.stringify(bigFiles));
    await fs.writeFile(manyJson, JSON.stringify(manyFiles));
    return [
      ...(await pairRounds(`${BIG_BYTES / MiB} MiB file`, builds, bigJson, gateway.origin, dir)),
      ...(await pairRounds(`${MANY_FILES} files of ${MANY_FILE_BYTES / 1024} KiB`, builds, manyJson, gateway.origin, dir)),
    ];
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  reportSummary("sdk-download-pair", await runSdkDownloadPair());
}
