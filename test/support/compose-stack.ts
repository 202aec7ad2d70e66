/**
 * docker/compose.yml's stack run without Docker (test/compose.test.ts): each
 * service's command and environment, as compose.yml and the image declare them.
 * PostgreSQL is a fresh database on this machine's server in place of the
 * `postgres` service; the gateway replicas run the image's CMD with the image's
 * ENV and compose's environment (service names rewritten to 127.0.0.1 and free
 * ports); MinIO is a real S3-compatible server (s3rver) with compose's bucket
 * prefix in its bucket, which it creates (in place of the `create-bucket` job),
 * and its own credentials (s3rver accepts no others); real nginx runs
 * docker/nginx.conf with its upstream and listen addresses rewritten the same way.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { expect } from "vitest";
import { createPgDatabase, makeTempDir } from "./backends.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./child-gateway.js";
import { containerEnv, readCompose, readDockerfile, ROOT, type Compose } from "./image.js";
import { checkNginxConfig, freePort, startNginx, type Nginx } from "./nginx.js";
import { startS3Server, type S3Server } from "./s3-server.js";

export interface Stack {
  readonly compose: Compose;
  /** The replicas by service name; a test restarting one puts the new process here. */
  readonly gateways: Record<string, ChildGateway>;
  readonly nginx: Nginx;
  /** What `nginx -t` said of the configuration. */
  readonly nginxCheck: string;
  readonly databaseUrl: string;
  /** Each replica's environment, as the container's with the addresses rewritten. */
  readonly gatewayEnv: Readonly<Record<string, Record<string, string>>>;
  /** The admin key the bootstrap printed ("" when none did). */
  readonly adminKey: string;
  /** The replicas that printed a generated admin key. */
  readonly keyPrinters: readonly string[];
  readonly s3: S3Server;
  /** Reloads nginx with only `inRotation` of the replicas taking requests (the others `down`). */
  rotate(inRotation: readonly string[]): Promise<void>;
  /** Stops nginx and the replicas, drops the database, stops the S3 server, removes the directories. */
  stop(): Promise<void>;
}

/** The gateway services: those built from docker/Dockerfile. */
export function gatewayServices(compose: Compose): string[] {
  return Object.entries(compose.services)
    .filter(([, s]) => s.build?.dockerfile === "docker/Dockerfile")
    .map(([name]) => name);
}

/** Starts the stack with the nginx at `nginxBinary`; checks compose's wiring on the way. */
export async function startComposeStack(nginxBinary: string): Promise<Stack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    await killAllChildren();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    return { ...(await start(nginxBinary, cleanups)), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function start(nginxBinary: string, cleanups: (() => Promise<unknown>)[]): Promise<Omit<Stack, "stop">> {
  const compose = await readCompose();
  const image = (await readDockerfile()).final;
  expect(image.cmd).toEqual(["node", "gateway/dist/main.js"]);
  const names = gatewayServices(compose);
  expect(names.length, "two gateway replicas").toBe(2);

  // postgres: a fresh database here; the gateways' URL must name that service with its credentials.
  const postgres = compose.services.postgres!.environment!;
  const db = await createPgDatabase();
  cleanups.push(db.drop);
  const s3 = await startS3Server();
  cleanups.push(() => s3.stop());

  const gatewayEnv: Record<string, Record<string, string>> = {};
  for (const name of names) {
    // The image's read-only root filesystem (test/docker.test.ts runs it so): only /tmp and /data are writable.
    expect([compose.services[name]!.read_only, compose.services[name]!.tmpfs]).toEqual([true, ["/tmp"]]);
    const env = containerEnv(image, compose.services[name]!);
    const dbUrl = new URL(env.HOMER_DATABASE_URL!);
    expect([
      dbUrl.hostname,
      dbUrl.port,
      decodeURIComponent(dbUrl.username),
      decodeURIComponent(dbUrl.password) || env.PGPASSWORD,
      dbUrl.pathname,
    ]).toEqual(["postgres", "5432", postgres.POSTGRES_USER, postgres.POSTGRES_PASSWORD, `/${postgres.POSTGRES_DB}`]);
    const blobUrl = new URL(env.HOMER_BLOB_URL!);
    expect([blobUrl.protocol, new URL(env.AWS_ENDPOINT_URL!).hostname]).toEqual(["s3:", "minio"]);
    const dataDir = await makeTempDir(`homer-compose-${name}-`);
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
    gatewayEnv[name] = {
      ...env,
      HOMER_DATABASE_URL: db.url,
      // The service name and port become the test server's; the prefix stays compose's.
      HOMER_BLOB_URL: `s3://${s3.bucket}${blobUrl.pathname}`,
      ...s3.env,
      // The image's /data volume and the service's tmpfs /tmp.
      HOMER_DATA_DIR: dataDir,
      TMPDIR: dataDir,
    };
  }

  // Both replicas start at once on the empty database, as `docker compose up` starts them.
  const started = await Promise.all(names.map((name) => startChildGateway({ env: gatewayEnv[name]!, timeoutMs: 60_000 })));
  const gateways = Object.fromEntries(names.map((name, i) => [name, started[i]!]));
  const printed = names.filter((name) => /generated the first admin key/.test(gateways[name]!.output()));
  const adminKey = /generated the first admin key[^\n]*\n\s*(hmr_\S+)/.exec(gateways[printed[0] ?? names[0]!]!.output())?.[1] ?? "";

  // nginx: docker/nginx.conf with the replicas' and its own addresses rewritten.
  const proxy = Object.values(compose.services).find((s) => s.volumes?.some((v) => v.startsWith("./nginx.conf:/etc/nginx/nginx.conf")));
  expect(proxy, "a proxy service mounting docker/nginx.conf").toBeDefined();
  const [published, listened] = proxy!.ports![0]!.split(":");
  let config = await fs.readFile(path.join(ROOT, "docker/nginx.conf"), "utf8");
  const upstreams = [...config.matchAll(/^\s*server ([\w.-]+):(\d+)/gm)];
  expect(upstreams.map(([, host, port]) => `${host}:${port}`).sort()).toEqual(names.map((n) => `${n}:${gatewayEnv[n]!.PORT}`).sort());
  for (const name of names) config = config.replace(`server ${name}:${gatewayEnv[name]!.PORT}`, `server 127.0.0.1:${gateways[name]!.port}`);
  expect(config).toMatch(new RegExp(`^\\s*listen ${listened};$`, "m"));
  const port = await freePort();
  config = config.replace(`listen ${listened};`, `listen 127.0.0.1:${port};`);
  const prefix = await makeTempDir("homer-compose-nginx-");
  cleanups.push(() => fs.rm(prefix, { recursive: true, force: true }));
  const nginxCheck = await checkNginxConfig(nginxBinary, config, prefix);
  const nginx = await startNginx(nginxBinary, config, prefix, `http://127.0.0.1:${port}`);
  cleanups.push(() => nginx.stop());
  expect(published).toBe(listened);
  /** Takes replicas out of nginx's rotation (`down`) or back, as an orchestrator does around a restart. */
  const rotate = (inRotation: readonly string[]) => {
    let next = config;
    for (const name of names.filter((n) => !inRotation.includes(n))) {
      const line = new RegExp(`(server 127\\.0\\.0\\.1:${gateways[name]!.port}\\b[^;]*);`);
      expect(next).toMatch(line);
      next = next.replace(line, "$1 down;");
    }
    return nginx.reload(next);
  };
  return { compose, gateways, nginx, nginxCheck, databaseUrl: db.url, gatewayEnv, adminKey, keyPrinters: printed, s3, rotate };
}
