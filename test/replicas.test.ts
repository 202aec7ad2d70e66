/**
 * Stateless replicas: three real gateway processes on one fresh PostgreSQL
 * database and one shared blob store behave as one registry.
 */
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { createPgDatabase, makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";
import { startRedisServer, type RedisServer } from "./support/redis-server.js";
import { parsePrometheusText } from "./support/prometheus.js";
import { startS3Server } from "./support/s3-server.js";

const REPLICAS = 3;
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** A blob store every replica can reach: its URL, the environment its client needs, and how to stop it. */
interface SharedBlobs {
  readonly blobUrl: string;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

async function sharedDirectory(): Promise<SharedBlobs> {
  const dir = await makeTempDir("homer-replicas-blobs-");
  return { blobUrl: dir, env: {}, stop: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** A real S3-compatible server (s3rver) every replica reaches through the AWS SDK. */
async function sharedBucket(): Promise<SharedBlobs> {
  const server = await startS3Server();
  return { blobUrl: server.blobUrl, env: { ...server.env }, stop: () => server.stop() };
}

/** Blob stores to run the replicas on, narrowed by HOMER_TEST_REPLICA_BLOBS=directory,s3. */
const BLOB_STORES: Record<string, () => Promise<SharedBlobs>> = { directory: sharedDirectory, s3: sharedBucket };
const CHOSEN = (process.env.HOMER_TEST_REPLICA_BLOBS ?? Object.keys(BLOB_STORES).join(","))
  .split(",")
  .map((s) => s.trim())
  .filter((s) => s in BLOB_STORES);

interface Cluster {
  readonly replicas: readonly ChildGateway[];
  /** Round robin over the replicas. */
  pick(i: number): ChildGateway;
  stop(): Promise<void>;
}

/**
 * Starts `REPLICAS` gateways on one fresh database and `blobs`. The first starts
 * alone (it applies the migrations and bootstraps any admin key); the others
 * then start together.
 */
async function startCluster(blobs: SharedBlobs, env: Record<string, string> = {}): Promise<Cluster> {
  const database = await createPgDatabase();
  const dataDir = await makeTempDir("homer-replicas-");
  const options = {
    env: { HOMER_DATABASE_URL: database.url, HOMER_BLOB_URL: blobs.blobUrl, HOMER_DATA_DIR: dataDir, ...blobs.env, ...env },
    timeoutMs: 60_000,
  };
  const replicas: ChildGateway[] = [];
  const stop = async () => {
    for (const replica of replicas) replica.kill("SIGTERM");
    await Promise.all(replicas.map((r) => r.exited));
    await database.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  try {
    replicas.push(await startChildGateway(options));
    replicas.push(...(await Promise.all(Array.from({ length: REPLICAS - 1 }, () => startChildGateway(options)))));
  } catch (error) {
    await stop();
    throw error;
  }
  return { replicas, pick: (i) => replicas[i % replicas.length]!, stop };
}

interface Reply<T = any> {
  readonly status: number;
  readonly data?: T;
  readonly errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql<T = any>(
  gw: ChildGateway,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${gw.origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), ...((await res.json()) as object) } as Reply<T> & {
    retryAfter: string | null;
  };
}

const SELECTION = "version files { path sha256 sizeBytes downloadUrl }";

/** A createModel multipart request to one replica. */
async function upload(gw: ChildGateway, input: Record<string, unknown>, files: Record<string, Buffer>): Promise<Reply> {
  const entries = Object.entries(files);
  const form = new FormData();
  const query = `mutation($input: CreateModelInput!) { createModel(input: $input) { ${SELECTION} } }`;
  form.set(
    "operations",
    JSON.stringify({ query, variables: { input: { ...input, files: entries.map(([path]) => ({ path, file: null })) } } }),
  );
  form.set("map", JSON.stringify(Object.fromEntries(entries.map((_, i) => [String(i), [`variables.input.files.${i}.file`]]))));
  entries.forEach(([, content], i) => form.set(String(i), new Blob([new Uint8Array(content)]), `f${i}`));
  const res = await fetch(`${gw.origin}/graphql`, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form });
  return { status: res.status, ...((await res.json()) as object) };
}

const codeOf = (reply: Reply) => reply.errors?.[0]?.extensions?.code;
const bytes = (label: string, size = 2048) => Buffer.concat([Buffer.from(`${label}:`), Buffer.alloc(size, label)]);

type Listed = { version: number; files: { path: string; sha256: string; downloadUrl: string }[] };

/** Every version of `name` (by version), with its files, as one replica lists them, page by page. */
async function liveVersions(gw: ChildGateway, name: string): Promise<Listed[]> {
  const found: Listed[] = [];
  let after: string | null = null;
  do {
    const res: Reply = await gql(
      gw,
      `query($n: String!, $a: String) { models(name: $n, sortKey: null, first: 100, after: $a) { nodes { ${SELECTION} } pageInfo { hasNextPage endCursor } } }`,
      { n: name, a: after },
    );
    expect(res.errors).toBeUndefined();
    found.push(...res.data.models.nodes);
    after = res.data.models.pageInfo.hasNextPage ? res.data.models.pageInfo.endCursor : null;
  } while (after);
  return found.sort((a, b) => a.version - b.version);
}

/** Downloads every file of every live version of `name`, each from another replica, and checks its sha256. */
async function expectAllFilesReadable(cluster: Cluster, name: string): Promise<number> {
  let checked = 0;
  for (const model of await liveVersions(cluster.pick(0), name)) {
    for (const file of model.files) {
      const from = cluster.pick(checked);
      const url = new URL(file.downloadUrl);
      const res = await fetch(`${from.origin}${url.pathname}`);
      expect(res.status, `${name}@${model.version}/${file.path} from ${from.origin}`).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(file.sha256);
      checked++;
    }
  }
  return checked;
}

afterAll(() => killAllChildren());

describe.each(CHOSEN)("three replicas on one PostgreSQL and one blob store (%s)", (store) => {
  let blobs: SharedBlobs;
  let cluster: Cluster;
  beforeAll(async () => {
    blobs = await BLOB_STORES[store]!();
    cluster = await startCluster(blobs, { HOMER_RATE_LIMIT: "0" });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await blobs?.stop();
  });
  // A failure here is about several processes: show what the replicas logged about it.
  afterEach(({ task }) => {
    if (task.result?.state !== "fail") return;
    cluster.replicas.forEach((replica, i) => {
      const logged = replica
        .output()
        .split("\n")
        .filter((line) => /"level":(40|50|60)/.test(line));
      console.error(`replica ${i} warnings and errors:\n${logged.slice(-20).join("\n")}`);
    });
  });

  test("200 concurrent auto-versioned creates split across the replicas get versions exactly 1..200", async () => {
    const shared = bytes("shared");
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        upload(
          cluster.pick(i),
          { name: "auto", metrics: [{ key: "accuracy", value: i / 200 }] },
          { "shared.bin": shared, "own.bin": bytes(`own-${i}`, 64) },
        ),
      ),
    );
    expect(replies.filter((r) => r.errors)).toEqual([]);
    const versions = replies.map((r) => r.data.createModel.version as number).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const replica of cluster.replicas) {
      expect((await liveVersions(replica, "auto")).map((m) => m.version)).toEqual(versions);
    }
    expect(await expectAllFilesReadable(cluster, "auto")).toBe(400);
  }, 120_000);

  test("one explicit version raced from every replica: exactly one winner, the others ALREADY_EXISTS", async () => {
    for (let round = 1; round <= 5; round++) {
      const replies = await Promise.all(
        Array.from({ length: 3 * REPLICAS }, (_, i) =>
          upload(cluster.pick(i), { name: "explicit", version: round }, { "w.bin": bytes(`r${round}-${i}`) }),
        ),
      );
      const winners = replies.filter((r) => !r.errors);
      expect(winners).toHaveLength(1);
      expect(replies.filter((r) => codeOf(r) === "ALREADY_EXISTS")).toHaveLength(replies.length - 1);
      const stored = (await liveVersions(cluster.pick(round), "explicit")).find((m) => m.version === round)!;
      expect(stored.files[0]!.sha256).toBe(winners[0]!.data.createModel.files[0].sha256);
    }
    expect(await expectAllFilesReadable(cluster, "explicit")).toBe(5);
  }, 120_000);

  test("overwrite racing delete of one version, repeated: always a serial order, and every live blob still reads", async () => {
    const common = bytes("common");
    // Version 1 lives throughout and shares a blob with every version 2 ever written.
    expect(
      (await upload(cluster.pick(0), { name: "race", version: 1 }, { "common.bin": common, "one.bin": bytes("one") })).errors,
    ).toBeUndefined();
    const outcomes = { deleteFirst: 0, overwriteFirst: 0 };
    for (let round = 0; round < 12; round++) {
      const old = { "common.bin": common, "kept.bin": bytes(`kept-${round}`), "old.bin": bytes(`old-${round}`) };
      expect((await upload(cluster.pick(round), { name: "race", version: 2 }, old)).errors).toBeUndefined();
      // The new version keeps two of the old blobs: a reclaim after the delete must not take them.
      const next = { "common.bin": common, "kept.bin": old["kept.bin"], "new.bin": bytes(`new-${round}`) };
      const [overwrite, removal] = await Promise.all([
        upload(cluster.pick(round + 1), { name: "race", version: 2, overwrite: true }, next),
        gql(cluster.pick(round + 2), `mutation { deleteModel(name: "race", version: 2) }`),
      ]);
      expect(overwrite.errors).toBeUndefined();
      expect(removal.errors).toBeUndefined();
      expect(removal.data.deleteModel).toBe(true);
      const live = await liveVersions(cluster.pick(round), "race");
      const two = live.find((m) => m.version === 2);
      if (two) {
        // delete, then overwrite (which created the version anew): exactly the new files.
        outcomes.deleteFirst++;
        expect(Object.fromEntries(two.files.map((f) => [f.path, f.sha256]))).toEqual(
          Object.fromEntries(Object.entries(next).map(([path, content]) => [path, sha256(content)])),
        );
      } else {
        outcomes.overwriteFirst++;
      }
      expect(live.map((m) => m.version)).toEqual(two ? [1, 2] : [1]);
      await expectAllFilesReadable(cluster, "race");
      if (two) expect((await gql(cluster.pick(round), `mutation { deleteModel(name: "race", version: 2) }`)).data.deleteModel).toBe(true);
    }
    expect(outcomes.deleteFirst + outcomes.overwriteFirst).toBe(12);
    expect(await expectAllFilesReadable(cluster, "race")).toBe(2);
  }, 180_000);
});

/** Where the replicas keep their shared rate-limit buckets: the database, or a Redis of the test's own. */
const LIMIT_STORES = ["postgres", "redis"] as const;

describe.each(LIMIT_STORES)("limits shared by three replicas (buckets in %s)", (limitStore) => {
  const admin = generateKey();
  const RATE = 30;
  const FAILURES = 10;
  const METRICS_TOKEN = "replicas-metrics-token-0123456789";
  /** Answers the clients saw, by status, across the tests below. */
  const seen = new Map<number, number>();
  const count = (replies: { status: number }[]) => {
    for (const r of replies) seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
  };
  let blobs: SharedBlobs;
  let redis: RedisServer | undefined;
  let cluster: Cluster;
  beforeAll(async () => {
    blobs = await sharedDirectory();
    if (limitStore === "redis") redis = await startRedisServer();
    cluster = await startCluster(blobs, {
      HOMER_ADMIN_KEY: admin.token,
      HOMER_RATE_LIMIT: String(RATE),
      HOMER_AUTH_FAILURE_LIMIT: String(FAILURES),
      HOMER_METRICS_TOKEN: METRICS_TOKEN,
      ...(redis ? { HOMER_REDIS_URL: redis.url } : {}),
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await blobs?.stop();
    await redis?.stop();
  });

  /** Tokens refill at `perMinute` a minute: what may pass in `ms` beyond the burst. */
  const refill = (perMinute: number, ms: number) => Math.ceil((perMinute * ms) / 60_000);

  test("the per-key rate limit holds in total, not per replica", async () => {
    const started = Date.now();
    const replies = [];
    for (let i = 0; i < RATE * REPLICAS; i += REPLICAS) {
      replies.push(
        ...(await Promise.all(cluster.replicas.map((r) => gql(r, "{ __typename }", {}, { authorization: `Bearer ${admin.token}` })))),
      );
    }
    count(replies);
    const passed = replies.filter((r) => r.status === 200).length;
    const limited = replies.filter((r) => r.status === 429);
    expect(passed + limited.length).toBe(replies.length);
    expect(passed).toBeGreaterThanOrEqual(RATE);
    expect(passed).toBeLessThanOrEqual(RATE + refill(RATE, Date.now() - started));
    expect(limited.every((r) => codeOf(r) === "TOO_MANY_REQUESTS" && Number(r.retryAfter) > 0)).toBe(true);
  }, 60_000);

  test("the failed-authentication limit holds in total, and a valid key still passes", async () => {
    const unknown = `hmr_${"A".repeat(16)}_${"b".repeat(43)}`;
    const started = Date.now();
    const replies = [];
    for (let i = 0; i < FAILURES * REPLICAS; i += REPLICAS) {
      replies.push(
        ...(await Promise.all(cluster.replicas.map((r) => gql(r, "{ __typename }", {}, { authorization: `Bearer ${unknown}` })))),
      );
    }
    count(replies);
    const refused = replies.filter((r) => r.status === 401).length;
    expect(replies.every((r) => r.status === 401 || (r.status === 429 && codeOf(r) === "TOO_MANY_REQUESTS"))).toBe(true);
    expect(refused).toBeGreaterThanOrEqual(FAILURES);
    expect(refused).toBeLessThanOrEqual(FAILURES + refill(FAILURES, Date.now() - started));
  }, 60_000);

  test("each replica's /metrics (scraped with the metrics token) counts its own answers: together, what the clients saw", async () => {
    const scrapeAll = async () => {
      const totals = new Map<number, number>();
      for (const replica of cluster.replicas) {
        const res = await fetch(`${replica.origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        expect(res.status).toBe(200);
        for (const sample of parsePrometheusText(await res.text())) {
          if (sample.name !== "homer_http_requests_total" || sample.labels.route !== "graphql") continue;
          const status = Number(sample.labels.status);
          totals.set(status, (totals.get(status) ?? 0) + sample.value);
        }
      }
      return totals;
    };
    // A request is counted when its response closes, which may be just after the client read it.
    const statuses = [200, 401, 429];
    let totals = await scrapeAll();
    for (let i = 0; i < 50 && statuses.some((s) => (totals.get(s) ?? 0) !== (seen.get(s) ?? 0)); i++) totals = await scrapeAll();
    for (const status of statuses) expect(totals.get(status) ?? 0, `status ${status}`).toBe(seen.get(status) ?? 0);
  });
});
