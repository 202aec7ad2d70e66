// The load of the registration benchmarks (registration.mjs, registration-pair.mjs):
// small createModel uploads, each with a name and file bytes of its own, sent by
// CLIENTS keep-alive clients; bodies are built before the clock starts.
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { createPgDatabase } from "./lib.mjs";
import { createModelParts, multipartBody, multipartType, randomBoundary } from "../test/support/multipart.mjs";

export const CLIENTS = 16;
export const FILES = 3;
export const FILE_BYTES = 2048;
export const QUERY = "mutation($input: CreateModelInput!) { createModel(input: $input) { name version files { path sha256 } } }";

/** One small registration, unique by `name` (and so by every file's bytes). */
export function registration(name) {
  const files = Array.from({ length: FILES }, (_, i) => {
    const bytes = Buffer.alloc(FILE_BYTES, 0x61 + i);
    bytes.write(`${name}/${i}\n`);
    return [`weights/part-${i}.bin`, bytes];
  });
  const input = {
    name,
    description: "small registration",
    framework: "PYTORCH",
    metrics: [
      { key: "accuracy", value: 0.9 },
      { key: "f1", value: 0.8 },
      { key: "loss", value: 0.1 },
    ],
    tags: { team: "bench" },
  };
  const boundary = randomBoundary("bench");
  return {
    name,
    files,
    body: multipartBody(createModelParts(QUERY, input, files), boundary),
    contentType: multipartType(boundary),
  };
}

/**
 * Keep-alive connections for one load run (a fresh agent each run: a socket left
 * idle between runs may be closed by the server just as it is reused).
 */
export const newAgent = () => new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

export function send(origin, reg, agent) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${origin}/graphql`,
      {
        method: "POST",
        agent,
        headers: { "content-type": reg.contentType, "content-length": reg.body.length, "apollo-require-preflight": "true" },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(reg.body);
  });
}

/** `CLIENTS` loops registering for `seconds`; names are `<prefix>-<n>`. Bodies are built before the clock starts. */
export async function load(origin, prefix, seconds) {
  // Enough bodies for a generous rate, built ahead so the client's own work stays out of the timing.
  const budget = Math.ceil(seconds * 1500);
  const bodies = Array.from({ length: budget }, (_, i) => registration(`${prefix}-${i}`));
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstFailure;
  const deadline = Date.now() + seconds * 1000;
  const latencies = [];
  const agent = newAgent();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < deadline && next < bodies.length) {
        const reg = bodies[next++];
        const start = process.hrtime.bigint();
        const res = await send(origin, reg, agent);
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (res.status === 200 && !res.body.includes('"errors"')) ok++;
        else {
          failed++;
          firstFailure ??= `${res.status} ${res.body.slice(0, 300)}`;
        }
      }
    }),
  );
  agent.destroy();
  const elapsed = Math.max(seconds, (Date.now() - (deadline - seconds * 1000)) / 1000);
  latencies.sort((a, b) => a - b);
  if (failed > 0) console.warn(`${prefix}: ${failed} failed registrations, first: ${firstFailure}`);
  return { ok, failed, rps: ok / elapsed, p50: latencies[Math.floor(latencies.length / 2)] ?? NaN };
}

/** Where a stack keeps its metadata and blobs, fresh for each. */
export async function freshStore(backend, dir, id) {
  const blobs = path.join(dir, id, "blobs");
  await fs.mkdir(blobs, { recursive: true });
  if (backend === "sqlite") return { database: path.join(dir, id, "registry.sqlite"), blobs, drop: async () => {} };
  const pg = await createPgDatabase();
  return { database: pg.url, blobs, drop: pg.drop };
}
