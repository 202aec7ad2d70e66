// Goal 5 of issue 10 (no regression), in one table:
//  1. a 1 GiB upload through Homer's gateway (createModel, SQLite + local blobs) against
//     the busboy floor (bench/floors/upload-busboy.mjs: node:http + busboy streaming the
//     file to disk with sha256, fsync, rename, directory fsync), interleaved rounds;
//     throughput ratio and Homer's peak RSS;
//  2. downloading that file (curl -o into a file) against `cp` of the stored blob;
//  3. the SQL statements one `models(first: 100)` query with every Model field costs,
//     an API key in force (a READ key sent), on SQLite and PostgreSQL: counted by a
//     wrapper around the drivers preloaded into the gateway (bench/count-sql.mjs) and,
//     on PostgreSQL, also by the server itself (log_statement = 'all' on the scratch
//     database, its log lines counted).
//   BENCH_BACKENDS=sqlite|postgres narrows part 3; BENCH_ROUNDS=N sets the transfers' rounds (5, or 2 quick).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import fs from "node:fs/promises";
import { buildSchema, parse, TypeInfo, visit, visitWithTypeInfo } from "graphql";
import path from "node:path";
import { cpuTimes, procMemMiB, resetPeak, sampleRss, startFloorProcess, startGatewayProcess } from "./gateway-process.mjs";
import {
  createPgDatabase,
  freePort,
  fmt,
  header,
  makeBigFile,
  makeRunDir,
  median,
  MiB,
  QUICK,
  reportSummary,
  ROOT,
  settle,
  sh,
  stampFile,
  table,
  timed,
} from "./lib.mjs";
import { uploadFile } from "./upload.mjs";
import { createModelParts, multipartBody, multipartType, randomBoundary } from "../test/support/multipart.mjs";

const FILE_BYTES = (QUICK ? 256 : 1024) * MiB;
// Five rounds by default, as every goal bench runs (issue 10); a quick run is a smoke test.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 5));
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 50)
  throw new Error(`BENCH_ROUNDS must be an integer from 1 to 50, got ${process.env.BENCH_ROUNDS}`);
const RSS_TARGET_MB = 200;
const DOWNLOAD_TARGET = 0.8;
const STATEMENT_TARGET = 5;
const PAGE = 100;
const REQUESTS = QUICK ? 5 : 20;
const BACKENDS = (process.env.BENCH_BACKENDS ?? "sqlite,postgres").split(",").map((b) => b.trim());
const PG_LOG = "/var/log/postgresql/postgresql-15-main.log";
const hasCommand = (name) =>
  sh(`command -v ${name} >/dev/null`).then(
    () => true,
    () => false,
  );
/** `blob` over loopback TCP into `target` with no HTTP: one socat listens and writes, another sends. */
const socatCopy = (blob, target, port) =>
  `socat -u -b 262144 TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr CREATE:'${target}' & ` +
  `socat -u -b 262144 OPEN:'${blob}' TCP:127.0.0.1:${port},retry=200,interval=0.01; wait`;
const spread = (xs, digits = 2) => `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;

/** A row of the upload's CPU seconds (total, user or system): Homer's and the floor's, median (min–max), and their ratio. */
const cpuRow = (label, homer, floor, digits = 2) => [
  label,
  `${fmt(median(homer), digits)} (${spread(homer, digits)})`,
  `busboy floor ${fmt(median(floor), digits)} (${spread(floor, digits)})`,
  `${fmt(median(homer) / median(floor))}x`,
  "(context)",
  "",
];

/**
 * Every field of schema.graphql's Model type, for a page of 100 (`first` written out: from a
 * variable the cost model charges the largest page, 500), but `card`: a read of the model
 * card's file from the blob store, no statement, priced apart by the query cost (with it,
 * the nested page below is past the default limit). The lineage comes with its parents'
 * references.
 */
const OWN_FIELDS = `id project name version description framework createdAt createdBy updatedAt updatedBy revision status sizeBytes
  tags inputExample archiveUrl flavors tfMetaGraphTags aliases
  signature { inputs { name type shape } outputs { name type shape } }
  files { path sizeBytes sha256 downloadUrl }
  metrics { key value }
  metric(key: "accuracy")
  lineage {
    trainingDataset { name version uri digest } run { id uri } program { gitCommit entryPoint repository } environment
    parents { project name version }
  }`;
/** And the versions around each: every parent's, and its first derived versions. */
const NESTED_FIELDS = `${OWN_FIELDS}
  lineage { parents { model { version description metric(key: "accuracy") } } }
  derivedModels(first: 3) { pageInfo { hasNextPage endCursor } nodes { version description metrics { key value } } }`;
const pageQuery = (fields) => `query Page($name: String!) {
  models(name: $name, first: ${PAGE}, sortKey: "accuracy") {
    totalCount
    pageInfo { endCursor hasNextPage }
    nodes { ${fields} }
  }
}`;
/** The page's own versions, every field; and with the versions around them (checked against the schema below). */
const PAGE_QUERIES = { own: pageQuery(OWN_FIELDS), nested: pageQuery(NESTED_FIELDS) };

/** Throws when the nested page query leaves out a field of Model (or of a type it selects) that schema.graphql has. */
function checkEveryField() {
  const schema = buildSchema(readFileSync(path.join(ROOT, "schema.graphql"), "utf8"));
  const missing = [];
  const selected = parse(PAGE_QUERIES.nested);
  // Each object type the query selects from, with the fields selected on it.
  const typeInfo = new TypeInfo(schema);
  const chosen = new Map();
  visit(
    selected,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        if (parent) chosen.set(parent.name, (chosen.get(parent.name) ?? new Set()).add(typeInfo.getFieldDef()?.name));
      },
    }),
  );
  for (const [type, fields] of chosen) {
    if (type === "Query") continue;
    for (const name of Object.keys(schema.getType(type).getFields()))
      if (!fields.has(name) && `${type}.${name}` !== "Model.card") missing.push(`${type}.${name}`);
  }
  if (missing.length > 0) throw new Error(`the page query leaves out ${missing.join(", ")}: add them to OWN_FIELDS`);
}

/** One upload with the server's memory sampled (VmHWM reset first) and its CPU time. */
async function measuredUpload(server, source) {
  const hwmReset = resetPeak(server.pid);
  const cpuBefore = cpuTimes(server.pid);
  const sampler = sampleRss({ server: server.pid });
  const run = await timed(() => uploadFile(server.origin, source, FILE_BYTES)).catch((error) => ({ error }));
  const sampled = sampler.stop();
  if (run.error) throw run.error;
  if (run.result.status !== 200) throw new Error(`upload answered ${run.result.status}: ${run.result.body.slice(0, 400)}`);
  const peak = Math.max(sampled.server, hwmReset ? procMemMiB(server.pid, "VmHWM") : 0);
  const cpuAfter = cpuTimes(server.pid);
  // User time is the server's own work; system time is the kernel's share of reading, writing and the
  // final fsync, which moves between consecutive uploads of the same stack (BENCHMARKS.md §5).
  const user = cpuAfter.user - cpuBefore.user;
  const system = cpuAfter.system - cpuBefore.system;
  const faults = (cpuAfter.minorFaults - cpuBefore.minorFaults) / 1000;
  return { seconds: run.seconds, body: JSON.parse(run.result.body), peakMiB: peak, cpu: user + system, user, system, faults };
}

async function findFile(root, name) {
  for (const entry of await fs.readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === name) return path.join(entry.parentPath ?? entry.path, entry.name);
  }
  throw new Error(`no file ${name} under ${root}`);
}

/** Parts 1 and 2: interleaved rounds of Homer's upload, the floor's, a download and cp. */
async function uploadAndDownload(dir) {
  const source = path.join(dir, "big.bin");
  const made = await timed(() => makeBigFile(source, FILE_BYTES));
  let expected = made.result;
  console.log(`generated a ${FILE_BYTES / MiB} MiB file in ${fmt(made.seconds, 1)} s`);
  const homerDir = path.join(dir, "homer");
  const floorDir = path.join(dir, "floor");
  await fs.mkdir(homerDir);
  await fs.mkdir(floorDir);
  const homer = await startGatewayProcess(homerDir);
  const floor = await startFloorProcess("floors/upload-busboy.mjs", [floorDir]);
  const runs = { homer: [], floor: [], download: [], discarded: [], streamer: [], socat: [], cp: [] };
  const socat = await hasCommand("socat");
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // New bytes every round, as a new version's weights are: the file's bytes 8–15 carry the
      // round (untimed). The same bytes again would take Homer's path for a blob it already
      // has (its staged copy removed after the commit: 1 GiB of unlink, about 170 ms) against
      // the floor's rename over its previous copy, and measure that instead.
      if (round > 0) expected = await stampFile(source, round);
      // Alternate who goes first; no dirty pages carried from one phase into the next.
      for (const who of round % 2 === 0 ? ["homer", "floor"] : ["floor", "homer"]) {
        await settle();
        const run = await measuredUpload(who === "homer" ? homer : floor, source);
        const sha256 = who === "homer" ? run.body.data.createModel.files[0].sha256 : run.body.data.file.sha256;
        if (sha256 !== expected) throw new Error(`${who} stored sha256 ${sha256}, expected ${expected}`);
        if (who === "homer") run.url = run.body.data.createModel.files[0].downloadUrl;
        runs[who].push(run);
      }
      const blob = await findFile(homerDir, expected);
      const url = runs.homer.at(-1).url;
      const target = path.join(dir, "out.bin");
      // The download floor streams the same blob with bare node:http to the same client.
      const streamer = await startFloorProcess("floors/file-streamer.mjs", [blob]);
      // discarded: the same GET into /dev/null, to tell the server's share from the client's write.
      // socat: the bytes over loopback TCP into a file with no HTTP at all (256 KiB buffers), the
      // bound for any network download on this machine.
      const commands = {
        download: `curl -sf -o '${target}' '${url}'`,
        discarded: `curl -sf -o /dev/null '${url}'`,
        streamer: `curl -sf -o '${target}' '${streamer.origin}/blob'`,
        ...(socat ? { socat: socatCopy(blob, target, await freePort()) } : {}),
        cp: `cp '${blob}' '${target}'`,
      };
      const ops = Object.keys(commands);
      for (const op of ops.map((_, i) => ops[(i + round) % ops.length])) {
        await settle();
        const sampler = op === "download" || op === "discarded" ? sampleRss({ server: homer.pid }) : null;
        const run = await timed(() => sh(commands[op]));
        const peak = sampler?.stop().server;
        if (op !== "discarded") {
          const { size } = await fs.stat(target);
          if (size !== FILE_BYTES) throw new Error(`${op} wrote ${size} bytes`);
          await fs.rm(target);
        }
        runs[op].push({ seconds: run.seconds, peakMiB: peak });
      }
      await streamer.stop();
      console.log(
        `round ${round + 1}/${ROUNDS}: upload homer ${fmt(runs.homer.at(-1).seconds)} s, floor ${fmt(runs.floor.at(-1).seconds)} s; ` +
          `download ${fmt(runs.download.at(-1).seconds)} s (discarded ${fmt(runs.discarded.at(-1).seconds)} s), ` +
          `streamer ${fmt(runs.streamer.at(-1).seconds)} s, ${socat ? `socat ${fmt(runs.socat.at(-1).seconds)} s, ` : ""}cp ${fmt(runs.cp.at(-1).seconds)} s`,
      );
    }
  } finally {
    await homer.stop();
    await floor.stop();
  }
  const rate = (r) => FILE_BYTES / MiB / r.seconds;
  const upRatios = runs.homer.map((r, i) => rate(r) / rate(runs.floor[i]));
  const downRatios = runs.download.map((r, i) => rate(r) / rate(runs.cp[i]));
  return {
    homerMiBps: runs.homer.map(rate),
    floorMiBps: runs.floor.map(rate),
    uploadRatio: median(runs.homer.map(rate)) / median(runs.floor.map(rate)),
    uploadRatios: upRatios,
    homerPeakMiB: Math.max(...runs.homer.map((r) => r.peakMiB)),
    floorPeakMiB: Math.max(...runs.floor.map((r) => r.peakMiB)),
    homerCpu: runs.homer.map((r) => r.cpu),
    floorCpu: runs.floor.map((r) => r.cpu),
    homerUser: runs.homer.map((r) => r.user),
    floorUser: runs.floor.map((r) => r.user),
    homerSystem: runs.homer.map((r) => r.system),
    floorSystem: runs.floor.map((r) => r.system),
    homerFaults: runs.homer.map((r) => r.faults),
    floorFaults: runs.floor.map((r) => r.faults),
    downloadMiBps: runs.download.map(rate),
    cpMiBps: runs.cp.map(rate),
    downloadRatio: median(runs.download.map(rate)) / median(runs.cp.map(rate)),
    downloadRatios: downRatios,
    discardedMiBps: runs.discarded.map(rate),
    discardedRatios: runs.discarded.map((r, i) => rate(r) / rate(runs.cp[i])),
    downloadPeakMiB: Math.max(...[...runs.download, ...runs.discarded].map((r) => r.peakMiB)),
    streamerMiBps: runs.streamer.map(rate),
    // Homer's download against the plain streamer's in the same round, the same client and target.
    streamerRatios: runs.download.map((r, i) => rate(r) / rate(runs.streamer[i])),
    socatMiBps: runs.socat.map(rate),
    socatRatios: runs.socat.map((r, i) => rate(r) / rate(runs.cp[i])),
  };
}

const apiKey = () => `hmr_${randomBytes(8).toString("hex")}_${randomBytes(32).toString("base64url")}`;

async function graphql(origin, key, query, variables) {
  const res = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.errors) throw new Error(`graphql ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
  return body.data;
}

/**
 * PAGE + 1 versions of "paged", each with two files, metrics, a signature, an input example and
 * tags, and the one before as its parent; every tenth description is past 2 KiB (read after the page).
 */
async function registerVersions(origin, key) {
  for (let version = 1; version <= PAGE + 1; version++) {
    const input = {
      name: "paged",
      description: version % 10 === 0 ? `version ${version} `.padEnd(3000, "-") : `version ${version}`,
      lineage: { run: { id: `run-${version}` }, parents: version > 1 ? [{ name: "paged", version: version - 1 }] : [] },
      framework: "PYTORCH",
      tags: { team: "bench", seed: version },
      inputExample: { x: [version, version + 1] },
      signature: { inputs: [{ name: "x", type: "float32", shape: [-1, 2] }], outputs: [{ type: "float32", shape: [-1] }] },
      metrics: ["accuracy", "loss", "f1"].map((k, i) => ({ key: k, value: ((version * 7919 + i * 104729) % 10_000) / 10_000 })),
    };
    const files = [
      ["model.bin", randomBytes(2048)],
      ["config.json", JSON.stringify({ version })],
    ];
    const boundary = randomBoundary("bench");
    const res = await fetch(`${origin}/graphql`, {
      method: "POST",
      headers: { "content-type": multipartType(boundary), authorization: `Bearer ${key}`, "apollo-require-preflight": "true" },
      body: multipartBody(
        createModelParts("mutation($input: CreateModelInput!) { createModel(input: $input) { version } }", input, files),
        boundary,
      ),
    });
    if (res.status !== 200) throw new Error(`createModel answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const body = await res.json();
    if (body.errors) throw new Error(`createModel: ${JSON.stringify(body.errors).slice(0, 300)}`);
  }
}

const lineCount = async (file) => (await fs.readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean);

/** PostgreSQL's own log lines for `database` (log_statement = 'all'): statements and executes. */
async function pgLogged(database) {
  const text = await fs.readFile(PG_LOG, "utf8");
  const pattern = new RegExp(`@${database} LOG:  (statement|execute [^:]*):`, "g");
  return text.match(pattern)?.length ?? 0;
}

/** Part 3 on one backend: the statements per page request, with a READ key in force. */
async function countStatements(name, dir) {
  const dataDir = path.join(dir, `count-${name}`);
  await fs.mkdir(dataDir);
  const sqlLog = path.join(dir, `sql-${name}.log`);
  const adminKey = apiKey();
  const env = { HOMER_ADMIN_KEY: adminKey, HOMER_BENCH_SQL_LOG: sqlLog };
  let database = null;
  let serverLog = false;
  if (name === "postgres") {
    database = await createPgDatabase();
    env.HOMER_DATABASE_URL = database.url;
    try {
      await fs.access(PG_LOG, fs.constants.R_OK);
      const admin = new (await import("pg")).default.Client({ connectionString: database.url });
      await admin.connect();
      await admin.query(`alter database ${database.name} set log_statement = 'all'`);
      await admin.end();
      serverLog = true;
    } catch (error) {
      console.log(`PostgreSQL's log cannot be read here (${error.message}); counting by the driver wrapper only`);
    }
  }
  const gateway = await startGatewayProcess(dataDir, env, ["--import", path.join(ROOT, "bench", "count-sql.mjs")]);
  try {
    await registerVersions(gateway.origin, adminKey);
    const created = await graphql(
      gateway.origin,
      adminKey,
      `
        mutation {
          createApiKey(input: { name: "bench-reader", grants: [{ project: "default", role: READ }] }) {
            secret
          }
        }
      `,
    );
    const readKey = created.createApiKey.secret;
    const variables = { name: "paged" };
    const first = await graphql(gateway.origin, readKey, PAGE_QUERIES.nested, variables);
    const nodes = first.models.nodes;
    const linked = (n) =>
      n.derivedModels.nodes.length === (n.version <= PAGE ? 1 : 0) &&
      (n.version === 1 || n.lineage.parents[0]?.model?.version === n.version - 1);
    if (
      nodes.length !== PAGE ||
      !first.models.pageInfo.hasNextPage ||
      nodes.some((n) => n.files.length !== 2 || n.metrics.length !== 3 || !linked(n))
    )
      throw new Error(`${name}: the page is not ${PAGE} versions with their files, metrics, parents and derived versions`);
    const counted = {};
    for (const [which, query] of Object.entries(PAGE_QUERIES)) {
      const perRequest = [];
      const perRequestServer = [];
      let statements = [];
      await graphql(gateway.origin, readKey, query, variables);
      for (let i = 0; i < REQUESTS; i++) {
        const before = await lineCount(sqlLog);
        const serverBefore = serverLog ? await pgLogged(database.name) : 0;
        await graphql(gateway.origin, readKey, query, variables);
        // The response is sent after the resolvers' statements; give the log a moment for anything after it.
        await new Promise((r) => setTimeout(r, 100));
        const after = await lineCount(sqlLog);
        perRequest.push(after.length - before.length);
        // Keep the statements of the costliest request (a rate-limit refill shows there).
        if (perRequest.at(-1) >= Math.max(...perRequest)) statements = after.slice(before.length).map((l) => l.split("\t")[1]);
        if (serverLog) {
          // The server writes its log asynchronously: wait until the count settles.
          let n = await pgLogged(database.name);
          for (let tries = 0; tries < 20; tries++) {
            await new Promise((r) => setTimeout(r, 50));
            const again = await pgLogged(database.name);
            if (again === n && n - serverBefore >= perRequest.at(-1)) break;
            n = again;
          }
          perRequestServer.push(n - serverBefore);
        }
      }
      counted[which] = { perRequest, perRequestServer: serverLog ? perRequestServer : null, statements };
    }
    return { name, ...counted };
  } finally {
    await gateway.stop();
    if (database) await database.drop();
  }
}

export async function runRegressions() {
  header(`Goal 5: ${FILE_BYTES / MiB} MiB upload and download, SQL statements for a page of ${PAGE}`);
  checkEveryField();
  const dir = await makeRunDir("regressions");
  try {
    const io = await uploadAndDownload(dir);
    const counts = [];
    for (const name of BACKENDS) counts.push(await countStatements(name, dir));

    for (const c of counts) {
      console.log(`\n${c.name}: the statements of the costliest page request, with the versions around (driver wrapper):`);
      for (const s of c.nested.statements) console.log(`  ${s.length > 160 ? `${s.slice(0, 160)}…` : s}`);
    }
    const peakMB = (io.homerPeakMiB * MiB) / 1e6;
    const rows = [
      ["check", "Homer", "reference", "ratio (per-round min–max)", "target", "verdict"],
      [
        `${FILE_BYTES / MiB} MiB upload, MiB/s median (min–max)`,
        `${fmt(median(io.homerMiBps), 0)} (${spread(io.homerMiBps, 0)})`,
        `busboy floor ${fmt(median(io.floorMiBps), 0)} (${spread(io.floorMiBps, 0)})`,
        `${fmt(io.uploadRatio * 100, 0)} % (${fmt(Math.min(...io.uploadRatios) * 100, 0)}–${fmt(Math.max(...io.uploadRatios) * 100, 0)} %)`,
        "parity (>= 95 %)",
        io.uploadRatio >= 0.95 ? "holds" : "does not hold",
      ],
      [
        "upload: server peak RSS",
        `${fmt(peakMB, 0)} MB`,
        `busboy floor ${fmt((io.floorPeakMiB * MiB) / 1e6, 0)} MB`,
        "",
        `< ${RSS_TARGET_MB} MB`,
        peakMB < RSS_TARGET_MB ? "holds" : "does not hold",
      ],
      cpuRow("upload: server CPU s median (min–max)", io.homerCpu, io.floorCpu),
      cpuRow("upload: of it user CPU s median (min–max)", io.homerUser, io.floorUser),
      cpuRow("upload: of it system CPU s median (min–max)", io.homerSystem, io.floorSystem),
      // The process's own memory mapped anew (its heap, buffers); the page cache its file writes fill is not counted (BENCHMARKS.md §5).
      cpuRow("upload: minor page faults, thousands, median (min–max)", io.homerFaults, io.floorFaults, 0),
      [
        `${FILE_BYTES / MiB} MiB download (curl -o file), MiB/s`,
        `${fmt(median(io.downloadMiBps), 0)} (${spread(io.downloadMiBps, 0)})`,
        `cp ${fmt(median(io.cpMiBps), 0)} (${spread(io.cpMiBps, 0)})`,
        `${fmt(io.downloadRatio * 100, 0)} % (${fmt(Math.min(...io.downloadRatios) * 100, 0)}–${fmt(Math.max(...io.downloadRatios) * 100, 0)} %)`,
        `>= ${DOWNLOAD_TARGET * 100} %`,
        io.downloadRatio >= DOWNLOAD_TARGET ? "holds" : "does not hold",
      ],
      [
        `${FILE_BYTES / MiB} MiB download (curl -o /dev/null), MiB/s`,
        `${fmt(median(io.discardedMiBps), 0)} (${spread(io.discardedMiBps, 0)})`,
        "cp (as above)",
        `${fmt((median(io.discardedMiBps) / median(io.cpMiBps)) * 100, 0)} % (${fmt(Math.min(...io.discardedRatios) * 100, 0)}–${fmt(Math.max(...io.discardedRatios) * 100, 0)} %)`,
        "(context)",
        "",
      ],
      [
        `${FILE_BYTES / MiB} MiB download (curl -o file) against the plain streamer, MiB/s`,
        `${fmt(median(io.downloadMiBps), 0)} (${spread(io.downloadMiBps, 0)})`,
        `node:http streamer ${fmt(median(io.streamerMiBps), 0)} (${spread(io.streamerMiBps, 0)})`,
        `${fmt(median(io.streamerRatios) * 100, 0)} % (${fmt(Math.min(...io.streamerRatios) * 100, 0)}–${fmt(Math.max(...io.streamerRatios) * 100, 0)} %)`,
        `>= ${DOWNLOAD_TARGET * 100} %`,
        median(io.streamerRatios) >= DOWNLOAD_TARGET ? "holds" : "does not hold",
      ],
      ...(io.socatMiBps.length
        ? [
            [
              `${FILE_BYTES / MiB} MiB over loopback TCP into a file, no HTTP (socat), MiB/s`,
              `${fmt(median(io.socatMiBps), 0)} (${spread(io.socatMiBps, 0)})`,
              "cp (as above)",
              `${fmt(median(io.socatRatios) * 100, 0)} % (${fmt(Math.min(...io.socatRatios) * 100, 0)}–${fmt(Math.max(...io.socatRatios) * 100, 0)} %)`,
              "(bound)",
              "",
            ],
          ]
        : []),
      ["download: server peak RSS", `${fmt((io.downloadPeakMiB * MiB) / 1e6, 0)} MB`, "", "", "", ""],
      ...counts.flatMap((c) =>
        [
          [c.own, `SQL statements, page of ${PAGE}, all fields, READ key (${c.name})`, `<= ${STATEMENT_TARGET}`],
          [c.nested, `  with each parent's and first derived versions (${c.name})`, "(context)"],
        ].map(([n, label, target]) => [
          label,
          `${median(n.perRequest)} (${spread(n.perRequest, 0)})`,
          n.perRequestServer
            ? `PostgreSQL's log: ${median(n.perRequestServer)} (${spread(n.perRequestServer, 0)})`
            : "(driver wrapper only)",
          "",
          target,
          n === c.nested ? "" : Math.max(...n.perRequest, ...(n.perRequestServer ?? [])) <= STATEMENT_TARGET ? "holds" : "does not hold",
        ]),
      ),
    ];
    console.log(`\n${ROUNDS} interleaved rounds of the transfers; statements over ${REQUESTS} requests after one warm-up\n`);
    console.log(table(rows));
    const out = path.join(ROOT, "bench", ".data", "regressions-results.json");
    await fs.writeFile(
      out,
      JSON.stringify({ at: new Date().toISOString(), quick: QUICK, fileBytes: FILE_BYTES, rounds: ROUNDS, io, counts }, null, 2),
    );
    return rows.slice(1).map((r) => `${r[0]}: ${r[1]} vs ${r[2]}${r[3] ? `, ${r[3]}` : ""}${r[4] ? ` (target ${r[4]}: ${r[5]})` : ""}`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  reportSummary("regressions", await runRegressions());
}
