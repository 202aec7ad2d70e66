import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import {
  GetBucketLifecycleConfigurationCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  type LifecycleRule,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { openS3BlobStore } from "../gateway/src/storage/s3/index.js";
import { startMotoServer } from "./support/moto-server.js";
import pg from "pg";
import { WebSocket } from "ws";
import { connection, RegistryError } from "@homer/sdk";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startChildGateway, type ChildGateway } from "./support/child-gateway.js";
import { gatewayServices, startComposeStack, type Stack } from "./support/compose-stack.js";
import { containerEnv, readCompose, readDockerfile } from "./support/image.js";
import { createPgDatabase, makeTempDir } from "./support/backends.js";
import { createModelParts } from "./support/multipart.mjs";
import { findNginx } from "./support/nginx.js";
import { bearer, multipartRequest, send, type RawRequest } from "./support/raw-request.js";
import { s3ClientOf } from "./support/s3-server.js";
import { waitFor } from "./support/wait.js";

/**
 * docker/compose.yml without Docker (the stack: test/support/compose-stack.ts):
 * PostgreSQL, an S3-compatible server in place of MinIO, two gateway replicas with
 * compose's environment, and real nginx with docker/nginx.conf in front of them.
 */
const NGINX = findNginx();
const UNAVAILABLE =
  "nginx is not installed (Debian: apt-get install -y nginx; .ci/run installs it), so the proxy of docker/compose.yml cannot run";
// CI installs nginx: there a missing nginx fails loudly instead of skipping.
const skip = NGINX === undefined && process.env.CI !== "true";

let stack: Stack;

/** GraphQL through the proxy with the admin key. */
function gql(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): RawRequest {
  return {
    method: "POST",
    path: "/graphql",
    headers: { "content-type": "application/json", ...bearer(stack.adminKey), ...headers },
    body: JSON.stringify({ query, variables }),
  };
}

/** The request-log lines a gateway wrote for request id `id`. */
function logLines(gateway: ChildGateway, id: string): { remoteAddress: string; url: string }[] {
  return gateway
    .output()
    .split("\n")
    .filter((line) => line.includes(`"reqId":"${id}"`) && line.includes('"msg":"request"'))
    .map((line) => JSON.parse(line) as { remoteAddress: string; url: string });
}

const CREATE = "mutation($input: CreateModelInput!) { createModel(input: $input) { version files { path sha256 sizeBytes downloadUrl } } }";

describe("docker/compose.yml wiring", () => {
  test("the replicas name the bucket the one-shot service creates, on MinIO, with MinIO's credentials, after it ran", async () => {
    const compose = await readCompose();
    const { minio, postgres } = compose.services;
    const bucketJob = Object.entries(compose.services).find(([, s]) => s.image?.startsWith("minio/mc"));
    expect(bucketJob, "a minio/mc service creating the bucket").toBeDefined();
    const [jobName, job] = bucketJob!;
    expect(job.depends_on).toEqual({ minio: { condition: "service_healthy" } });
    const script = [job.command].flat().join(" ");
    for (const name of gatewayServices(compose)) {
      const env = compose.services[name]!.environment!;
      const blobs = new URL(String(env.HOMER_BLOB_URL));
      expect(blobs.protocol).toBe("s3:");
      expect(script).toContain(`mb --ignore-existing homer/${blobs.hostname}`);
      expect(script).toContain(`version enable homer/${blobs.hostname}`);
      // Lifecycle rules name the store's own prefixes: <prefix>/blobs/ (by digest) and <prefix>/staging/.
      const rules = JSON.parse(/echo '(\{.*\})' \|/.exec(script)![1]!) as { Rules: { Filter: { Prefix: string } }[] };
      const prefix = blobs.pathname.replace(/^\/+|\/+$/g, "");
      expect(rules.Rules.map((r) => r.Filter.Prefix).sort()).toEqual([`${prefix}/blobs/`, `${prefix}/staging/`]);
      // MinIO's API listens on :9000 unless its command says otherwise.
      expect(minio!.command).not.toContain("--address");
      expect(env.AWS_ENDPOINT_URL).toBe("http://minio:9000");
      expect([env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY]).toEqual([
        minio!.environment!.MINIO_ROOT_USER,
        minio!.environment!.MINIO_ROOT_PASSWORD,
      ]);
      expect(compose.services[name]!.depends_on).toEqual({
        postgres: { condition: "service_healthy" },
        [jobName]: { condition: "service_completed_successfully" },
      });
      expect(String(env.HOMER_DATABASE_URL)).toContain("@postgres:5432/");
      expect(pgPassword(env as Record<string, string>)).toBe(postgres!.environment!.POSTGRES_PASSWORD);
    }
  });

  test("every image the stack pulls names a fixed tag (MinIO's by release), never `latest`; only the image it builds is its own", async () => {
    const compose = await readCompose();
    const pulled = Object.entries(compose.services).filter(([, s]) => !s.build);
    expect(pulled.length).toBeGreaterThanOrEqual(4);
    for (const [name, service] of pulled) {
      const tag = /^[^:@]+:([^@]+)$/.exec(service.image ?? "")?.[1];
      expect(tag, `${name}: ${service.image}`).toBeDefined();
      expect(tag, `${name}: ${service.image}`).not.toMatch(/^latest$|^(edge|nightly|main|dev)\b/);
      if (service.image!.startsWith("minio/")) expect(tag, name).toMatch(/^RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    }
    for (const stage of (await readDockerfile()).stages) expect(stage.from).not.toMatch(/:latest$|^[^:]+$/);
  });

  test("variables set for compose reach the services (passwords, the public URL, a chosen admin key)", async () => {
    const compose = await readCompose({ POSTGRES_PASSWORD: "s3cret", HOMER_PUBLIC_URL: "https://models.example.com" });
    expect(compose.services.postgres!.environment!.POSTGRES_PASSWORD).toBe("s3cret");
    for (const name of gatewayServices(compose)) {
      expect(compose.services[name]!.environment).toMatchObject({
        HOMER_DATABASE_URL: "postgres://homer@postgres:5432/homer",
        PGPASSWORD: "s3cret",
        HOMER_PUBLIC_URL: "https://models.example.com",
        HOMER_ADMIN_KEY: "generate",
      });
    }
  });
});

/** The lifecycle rules the create-bucket job imports (`mc ilm import`'s JSON: S3's, capitalised). */
function bucketRules(compose: Awaited<ReturnType<typeof readCompose>>): LifecycleRule[] {
  const job = Object.values(compose.services).find((s) => s.image?.startsWith("minio/mc"))!;
  const script = [job.command].flat().join(" ");
  return (JSON.parse(/echo '(\{.*\})' \|/.exec(script)![1]!) as { Rules: LifecycleRule[] }).Rules;
}

describe("docker/compose.yml's bucket, versioned as its create-bucket job makes it (against moto's S3 server)", () => {
  test("what the store deletes leaves no delete marker behind for good: the rules expire them", async () => {
    const compose = await readCompose();
    const rules = bucketRules(compose);
    const prefix = new URL(String(compose.services[gatewayServices(compose)[0]!]!.environment!.HOMER_BLOB_URL)).pathname.slice(1);
    const s3 = await startMotoServer();
    try {
      await s3.client.send(new PutBucketVersioningCommand({ Bucket: s3.bucket, VersioningConfiguration: { Status: "Enabled" } }));
      // An S3 server takes the rules as written (the SDK sends them as S3's XML).
      await s3.client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: s3.bucket, LifecycleConfiguration: { Rules: rules } }));
      const stored = await s3.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: s3.bucket }));
      expect(stored.Rules?.length).toBe(rules.length);

      // An upload (staged, then copied to its address, its staging object deleted), then its reclaim.
      const store = await openS3BlobStore(`s3://${s3.bucket}/${prefix}`, { env: s3.env });
      try {
        const blob = await store.stage(Readable.from([randomBytes(1000)]), { maxBytes: 2 ** 20 });
        await store.promote([blob]);
        await store.delete(blob.sha256);
      } finally {
        await store.close();
      }
      const versions = await s3.client.send(new ListObjectVersionsCommand({ Bucket: s3.bucket, Prefix: `${prefix}/` }));
      const markers = (versions.DeleteMarkers ?? []).map((m) => m.Key!);
      // Versioning keeps each deleted object as a noncurrent version under a delete marker.
      expect(markers.map((key) => key.slice(prefix.length + 1).split("/")[0]).sort()).toEqual(["blobs", "staging"]);
      // The noncurrent versions expire by the rules; a marker whose versions all expired is
      // an expired object delete marker, which stays (one per upload under staging/, listed
      // past by every scan of the prefix) unless a rule says ExpiredObjectDeleteMarker.
      for (const key of markers) {
        const rule = rules.find((r) => r.Status === "Enabled" && key.startsWith(r.Filter?.Prefix ?? ""));
        expect(rule?.NoncurrentVersionExpiration?.NoncurrentDays, key).toBeGreaterThan(0);
        expect(rule?.Expiration?.ExpiredObjectDeleteMarker, key).toBe(true);
      }
    } finally {
      await s3.stop();
    }
  }, 60_000);
});

/** The password node-postgres sends for `env` (the gateway's): the URL's, else PGPASSWORD. */
function pgPassword(env: Record<string, string>): string | undefined {
  const url = new URL(env.HOMER_DATABASE_URL!);
  return (url.password && decodeURIComponent(url.password)) || env.PGPASSWORD;
}

describe("docker/compose.yml's PostgreSQL password", () => {
  // As `openssl rand -base64 24` makes them (with / and +), and the other characters a URL reserves.
  const password = "Zq3/x+Sup3r=S#cr?t%41@x";

  test("any POSTGRES_PASSWORD reaches the replicas' connections as PostgreSQL was given it", async () => {
    const compose = await readCompose({ POSTGRES_PASSWORD: password });
    const image = (await readDockerfile()).final;
    expect(compose.services.postgres!.environment!.POSTGRES_PASSWORD).toBe(password);
    for (const name of gatewayServices(compose)) {
      const env = containerEnv(image, compose.services[name]!);
      const url = new URL(env.HOMER_DATABASE_URL!);
      expect([url.protocol, url.username, url.hostname, url.port, url.pathname]).toEqual([
        "postgres:",
        "homer",
        "postgres",
        "5432",
        "/homer",
      ]);
      expect(pgPassword(env)).toBe(password);
    }
  });

  test("a replica starts with such a password", async () => {
    const compose = await readCompose({ POSTGRES_PASSWORD: password });
    const image = (await readDockerfile()).final;
    const db = await createPgDatabase();
    const dataDir = await makeTempDir("homer-compose-password-");
    try {
      const env = containerEnv(image, compose.services[gatewayServices(compose)[0]!]!);
      // Only the server's address, the role and the database change (trust auth here: any password passes).
      const local = new URL(db.url);
      const url = env
        .HOMER_DATABASE_URL!.replace("postgres://homer", `postgres://${local.username}`)
        .replace("@postgres:5432/homer", `@${local.host}${local.pathname}`);
      expect(url).not.toBe(env.HOMER_DATABASE_URL);
      const gw = await startChildGateway({
        env: {
          ...env,
          HOMER_DATABASE_URL: url,
          HOMER_BLOB_URL: dataDir,
          HOMER_DATA_DIR: dataDir,
          HOST: "127.0.0.1",
          HOMER_DB_CONNECT_TIMEOUT_MS: "3000",
        },
      });
      const ready = await send(gw.origin, { path: "/readyz" });
      expect(ready.json).toMatchObject({ status: "ready", database: "postgres" });
      gw.kill("SIGTERM");
      await gw.exited;
    } finally {
      await db.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe.skipIf(skip)(`docker/compose.yml, each service run outside Docker${skip ? ` (skipped: ${UNAVAILABLE})` : ""}`, () => {
  beforeAll(async () => {
    if (!NGINX) throw new Error(UNAVAILABLE);
    stack = await startComposeStack(NGINX);
  }, 90_000);

  afterAll(() => stack?.stop());

  test("nginx -t accepts docker/nginx.conf", () => {
    expect(stack.nginxCheck).toMatch(/syntax is ok/);
    expect(stack.nginxCheck).toMatch(/test is successful/);
  });

  test("both replicas bootstrapped at once on one database: exactly one admin key, printed once", async () => {
    expect(Object.values(stack.gatewayEnv).map((env) => env.HOMER_ADMIN_KEY)).toEqual(["generate", "generate"]);
    expect(stack.keyPrinters).toHaveLength(1);
    expect(stack.adminKey).toMatch(/^hmr_/);
    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query("select k.id, g.project, g.role from api_keys k join api_key_grants g on g.key_id = k.id");
      expect(rows).toEqual([{ id: stack.adminKey.split("_")[1], project: "*", role: "admin" }]);
    } finally {
      await client.end();
    }
    // Keys are on: the proxy passes a request without one to a replica, which refuses it.
    const anonymous = await send(stack.nginx.origin, { ...gql("{ __typename }"), headers: { "content-type": "application/json" } });
    expect(anonymous.status).toBe(401);
  });

  test("/readyz answers through the proxy", async () => {
    const reply = await send(stack.nginx.origin, { path: "/readyz" });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status: "ready", database: "postgres", blobStore: "s3" });
  });

  test("requests are spread over both replicas, and each sees the client's address, not one it claims", async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `compose-rr-${i}-${randomBytes(4).toString("hex")}`);
    for (const id of ids) {
      const reply = await send(stack.nginx.origin, gql("{ __typename }", {}, { "x-request-id": id, "x-forwarded-for": "203.0.113.7" }));
      expect(reply.json).toEqual({ data: { __typename: "Query" } });
      expect(reply.headers["x-request-id"]).toBe(id);
    }
    const gateways = Object.values(stack.gateways);
    const servedBy = () => gateways.map((gw) => ids.filter((id) => logLines(gw, id).length === 1).length);
    // A request's log line is written as its response closes: wait for the last ones.
    await waitFor("every request's log line", () => servedBy().reduce((a, b) => a + b) === ids.length);
    // Each nginx worker alternates on its own: with two workers, a replica gets 4 to 6 of 10.
    const served = servedBy();
    for (const count of served) expect(count).toBeGreaterThanOrEqual(4);
    const addresses = new Set(gateways.flatMap((gw) => ids.flatMap((id) => logLines(gw, id).map((l) => l.remoteAddress))));
    expect([...addresses]).toEqual(["127.0.0.1"]);
  });

  test("an upload and its download stream through the proxy; links name the address the client used", async () => {
    const content = randomBytes(24 * 2 ** 20 + 17);
    const sha256 = createHash("sha256").update(content).digest("hex");
    const publicHost = "models.example.test:8443";
    const upload = multipartRequest(
      createModelParts(CREATE, { name: "compose-mnist", metrics: [{ key: "accuracy", value: 0.9 }] }, [["weights/model.bin", content]]),
      stack.adminKey,
    );
    const created = await send(stack.nginx.origin, { ...upload, headers: { ...upload.headers, host: publicHost } });
    expect([created.status, created.json?.errors], created.text).toEqual([200, undefined]);
    const [file] = created.json.data.createModel.files as { sha256: string; sizeBytes: number; downloadUrl: string }[];
    expect(file).toMatchObject({ sha256, sizeBytes: content.length });
    expect(file!.downloadUrl).toBe(`http://${publicHost}/files/default/compose-mnist/1/weights/model.bin`);

    // Every replica reads what one wrote (read-after-write: the state is in the database and the bucket).
    const target = new URL(file!.downloadUrl).pathname;
    for (let i = 0; i < 4; i++) {
      const download = await send(stack.nginx.origin, { path: target, headers: { ...bearer(stack.adminKey), host: publicHost } });
      expect(download.status).toBe(200);
      expect(download.body.equals(content)).toBe(true);
      expect(download.headers.etag).toContain(sha256);
    }
    const range = await send(stack.nginx.origin, { path: target, headers: { ...bearer(stack.adminKey), range: "bytes=100-199" } });
    expect(range.status).toBe(206);
    expect(range.body.equals(content.subarray(100, 200))).toBe(true);

    // In the bucket: the file at its content address under compose's prefix, where
    // compose's lifecycle rules expect it, and nothing left in staging.
    const prefix = new URL(Object.values(stack.gatewayEnv)[0]!.HOMER_BLOB_URL!).pathname.slice(1);
    const listed = await s3ClientOf(stack.s3).send(new ListObjectsV2Command({ Bucket: stack.s3.bucket, Prefix: `${prefix}/` }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys).toContain(`${prefix}/blobs/${sha256.slice(0, 2)}/${sha256}`);
    expect(keys.filter((k) => k.startsWith(`${prefix}/staging/`))).toEqual([]);
    // Streamed through: nginx buffered neither body to a file (it warns when it does).
    expect(stack.nginx.output()).not.toMatch(/buffered to a temporary file/);
  });

  test("behind a proxy that rewrites Host, links follow the trusted X-Forwarded-Host and -Proto", async () => {
    // The replicas trust one proxy hop (HOMER_TRUST_PROXY=1); this request is that hop.
    const gw = Object.values(stack.gateways)[0]!;
    const headers = { host: "gateway-a:4000", "x-forwarded-host": "models.example.test:8443", "x-forwarded-proto": "https" };
    const reply = await send(gw.origin, gql(`{ model(name: "compose-mnist", version: 1) { files { downloadUrl } } }`, {}, headers));
    expect(reply.json?.data?.model?.files).toEqual([
      { downloadUrl: "https://models.example.test:8443/files/default/compose-mnist/1/weights/model.bin" },
    ]);

    // The IDE subscribes at the address its page came from.
    const ide = await send(gw.origin, { path: "/ide/initial_options.js", headers });
    expect(ide.text).toContain("subscriptionsEndpoint: `wss://models.example.test:8443/graphql`");
    // And that page's WebSocket is its own origin's, not a foreign one.
    const upgrade = (origin: string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/graphql`, "graphql-transport-ws", { headers: { ...headers, origin } });
        ws.once("open", () => {
          ws.close();
          resolve(101);
        });
        ws.once("unexpected-response", (_req, res) => resolve(res.statusCode!));
        ws.once("error", reject);
      });
    expect(await upgrade("https://models.example.test:8443")).toBe(101);
    expect(await upgrade("https://elsewhere.example.test")).toBe(403);
  });

  test("the web app, the IDE and every asset they name load through the proxy", async () => {
    // The web app at /, its hashed assets cached for good.
    const root = await send(stack.nginx.origin, { path: "/", headers: { accept: "text/html" } });
    expect(root.status).toBe(200);
    expect(root.headers["content-type"]).toMatch(/text\/html/);
    const appAssets = [...root.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map(([, url]) => url!);
    expect(appAssets.length).toBeGreaterThan(0);
    for (const asset of appAssets) {
      const reply = await send(stack.nginx.origin, { path: asset });
      expect(reply.status, asset).toBe(200);
      expect(reply.headers["cache-control"], asset).toMatch(/immutable/);
    }
    const page = await send(stack.nginx.origin, { path: "/graphql", headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    const base = new URL(/<base href="([^"]+)"/.exec(page.text)?.[1] ?? "/graphql", `${stack.nginx.origin}/graphql`);
    const assets = [...page.text.replace(/<base [^>]*>/, "").matchAll(/(?:src|href)="([^"]+)"/g)]
      .map(([, url]) => url!)
      .filter((url) => !/^(https?:|data:|#)/.test(url));
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      const url = new URL(asset, base);
      const reply = await send(stack.nginx.origin, { path: url.pathname });
      expect(reply.status, asset).toBe(200);
      expect(reply.body.length, asset).toBeGreaterThan(0);
    }
  });

  test("with HOMER_PUBLIC_URL set, links name it whatever address the request used", async () => {
    const name = Object.keys(stack.gatewayEnv)[0]!;
    const gw = await startChildGateway({ env: { ...stack.gatewayEnv[name]!, HOMER_PUBLIC_URL: "https://models.example.com/" } });
    const reply = await send(gw.origin, gql(`{ model(name: "compose-mnist", version: 1) { files { downloadUrl } archiveUrl } }`));
    expect(reply.json?.data?.model).toEqual({
      files: [{ downloadUrl: "https://models.example.com/files/default/compose-mnist/1/weights/model.bin" }],
      archiveUrl: "https://models.example.com/archives/default/compose-mnist/1",
    });
    gw.kill("SIGTERM");
    await gw.exited;
  });

  test("a rolling restart of both replicas behind the proxy fails no request", async () => {
    const outcomes: number[] = [];
    let running = true;
    const load = (async () => {
      for (let i = 0; running; i++) {
        // Reads and registrations alike: a POST nginx must not send twice, nor lose.
        const reply =
          i % 3 === 0
            ? await send(
                stack.nginx.origin,
                multipartRequest(createModelParts(CREATE, { name: "compose-rolling" }, [["f.txt", `run ${i}`]]), stack.adminKey),
              )
            : await send(stack.nginx.origin, gql(`{ models(name: "compose-rolling") { totalCount } }`));
        outcomes.push(reply.json?.errors || reply.status !== 200 ? reply.status : 200);
      }
    })();
    const moreRequests = async (what: string) => {
      const seen = outcomes.length;
      await waitFor(what, () => outcomes.length > seen + 20);
    };
    const names = Object.keys(stack.gateways);
    for (const [name, old] of Object.entries(stack.gateways)) {
      await moreRequests(`requests before ${name} restarts`);
      // As the README's upgrade procedure (and an orchestrator) does: out of rotation
      // first, so no new connection can be caught in the kernel's accept queue of a
      // listener that is closing; requests it holds still finish (the drain).
      await stack.rotate(names.filter((other) => other !== name));
      old.kill("SIGTERM");
      expect(await old.exited).toEqual({ code: 0, signal: null });
      // The new release of this replica, at the address nginx knows.
      const fresh = await startChildGateway({ env: stack.gatewayEnv[name]!, args: ["--port", String(old.port)] });
      stack.gateways[name] = fresh;
      await stack.rotate(names);
    }
    await moreRequests("requests after the restarts");
    running = false;
    await load;
    expect(
      outcomes.filter((status) => status !== 200),
      stack.nginx.output().slice(0, 3000),
    ).toEqual([]);
    const models = await send(stack.nginx.origin, gql(`{ models(name: "compose-rolling") { totalCount } }`));
    expect(models.json?.data?.models?.totalCount, models.text).toBe(Math.ceil(outcomes.length / 3));
  });

  test("the proxy's access log names each request's path without its query string (no document, variables or stray key)", async () => {
    const secret = `hmr_${randomBytes(8).toString("hex")}`;
    const marker = randomBytes(6).toString("hex");
    const reply = await send(stack.nginx.origin, {
      path: `/graphql/${marker}?query=%7B__typename%7D&variables=%7B%22password%22%3A%22${marker}x%22%7D&api_key=${secret}`,
    });
    await waitFor("the request's access-log line", async () => (await stack.nginx.accessLog()).includes(marker));
    const line = (await stack.nginx.accessLog()).split("\n").find((l) => l.includes(marker))!;
    expect(line).toContain(`"GET /graphql/${marker} HTTP/1.1" ${reply.status} `);
    expect(line).not.toContain(secret);
    expect(line).not.toContain("?");
    expect(line).not.toContain(`${marker}x`);
  });

  test("a request that asks to upgrade to h2c (Java's HttpClient does over http://, as does curl --http2) is served as HTTP/1.1", async () => {
    const h2c = { upgrade: "h2c", connection: "Upgrade, HTTP2-Settings", "http2-settings": "AAMAAABkAAQCAAAAAAIAAAAA" };
    const query = await send(stack.nginx.origin, gql("{ __typename }", {}, h2c));
    expect([query.status, query.json], query.text).toEqual([200, { data: { __typename: "Query" } }]);
    const upload = multipartRequest(createModelParts(CREATE, { name: "compose-h2c" }, [["m.bin", "h2c"]]), stack.adminKey);
    const created = await send(stack.nginx.origin, { ...upload, headers: { ...upload.headers, ...h2c } });
    expect([created.status, created.json?.data?.createModel?.version], created.text).toEqual([200, 1]);
    const download = await send(stack.nginx.origin, {
      path: "/files/default/compose-h2c/1/m.bin",
      headers: { ...bearer(stack.adminKey), ...h2c },
    });
    expect([download.status, download.text]).toEqual([200, "h2c"]);
  });

  test("with no replica to take a request, the proxy answers as a replica would: 503 UNAVAILABLE in JSON, Retry-After", async () => {
    const registry = await connection({ url: `${stack.nginx.origin}/graphql`, apiKey: stack.adminKey }).getModelRegistry();
    const names = Object.keys(stack.gateways);
    // Every replica out (restarting, all recreated at once by `docker compose up -d`, gone).
    await stack.rotate([]);
    try {
      for (const request of [
        gql("{ __typename }"),
        { path: "/files/default/compose-mnist/1/weights/model.bin", headers: bearer(stack.adminKey) },
      ]) {
        const reply = await send(stack.nginx.origin, request);
        expect([reply.status, reply.headers["content-type"], reply.headers["retry-after"]], reply.text).toEqual([
          503,
          expect.stringMatching(/^application\/json/),
          expect.stringMatching(/^\d+$/),
        ]);
        expect(reply.json.errors[0].extensions.code).toBe("UNAVAILABLE");
      }
      // Scripts tell "retry later" from a failure of the registry's.
      const error = await registry.getModel({ name: "compose-mnist", version: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code).toBe("UNAVAILABLE");
    } finally {
      await stack.rotate(names);
    }
    expect((await send(stack.nginx.origin, gql("{ __typename }"))).status).toBe(200);
  });

  test("a graphql-ws subscription through the proxy hears creates on both replicas, with links at the client's address", async () => {
    const host = "models.example.test:8443";
    const { port } = new URL(stack.nginx.origin);
    // As the IDE opens it: a browser page of that host, so with its Origin too.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, "graphql-transport-ws", { headers: { host, origin: `http://${host}` } });
    const messages: { type: string; id?: string; payload?: any }[] = [];
    ws.on("message", (data: Buffer) => messages.push(JSON.parse(data.toString("utf8"))));
    await new Promise<void>((resolve, reject) => ws.once("open", () => resolve()).once("error", reject));
    try {
      ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${stack.adminKey}` } }));
      await waitFor("connection_ack", () => messages.some((m) => m.type === "connection_ack"));
      const query = `subscription { modelEvents(name: "compose-events") { type version model { files { downloadUrl } } } }`;
      ws.send(JSON.stringify({ type: "subscribe", id: "1", payload: { query } }));
      const events = () => messages.filter((m) => m.type === "next" && m.id === "1").map((m) => m.payload.data.modelEvents);
      // Registrations through the proxy alternate between the replicas; the subscriber is on one of them.
      // The subscription is set up asynchronously: register until the first event arrives, then two more.
      await waitFor("a first event", async () => {
        const upload = multipartRequest(createModelParts(CREATE, { name: "compose-events" }, [["m.bin", "x"]]), stack.adminKey);
        await send(stack.nginx.origin, { ...upload, headers: { ...upload.headers, host } });
        return events().length > 0;
      });
      const versions: number[] = [];
      for (let i = 0; i < 2; i++) {
        const upload = multipartRequest(createModelParts(CREATE, { name: "compose-events" }, [["m.bin", `y${i}`]]), stack.adminKey);
        const created = await send(stack.nginx.origin, { ...upload, headers: { ...upload.headers, host } });
        versions.push(created.json.data.createModel.version as number);
      }
      const ofThese = () => events().filter((e: { version: number }) => versions.includes(e.version));
      await waitFor("the events of both registrations", () => ofThese().length >= versions.length);
      expect(ofThese()).toEqual(
        versions.map((version) => ({
          type: "CREATED",
          version,
          model: { files: [{ downloadUrl: `http://${host}/files/default/compose-events/${version}/m.bin` }] },
        })),
      );
      expect(messages.filter((m) => m.type === "error")).toEqual([]);
    } finally {
      ws.close();
    }
  });
});
