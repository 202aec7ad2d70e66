import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import { constants } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { createPgDatabase, makeTempDir } from "./support/backends.js";
import { dockerignoreMatcher, readDockerfile, ROOT } from "./support/image.js";
import { freePort } from "./support/ports.js";
import { MAIN_JS } from "./support/child-gateway.js";
import { createModelParts } from "./support/multipart.mjs";
import { bearer, multipartRequest, send } from "./support/raw-request.js";
import { startS3Server } from "./support/s3-server.js";

/** Debian's `nobody`: the image's non-root user stands in for it when the tests run as root. */
const NOBODY = 65534;

/** Every file and directory under `dir` (relative), with its size and modification time. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries.map(async (e) => {
      const file = path.join(e.parentPath, e.name);
      const stats = await fs.lstat(file);
      return `${path.relative(dir, file)} ${stats.size} ${stats.mtimeMs}`;
    }),
  ).then((rows) => rows.sort());
}

/**
 * The image's application directory, built as its final stage builds it: the files
 * it copies from the repository and gateway/dist, with node_modules linked to this
 * repository's (its own is a production-only install, checked below). Made
 * read-only, as the image's files are to its user.
 */
async function imageAppDir(): Promise<string> {
  const app = await makeTempDir("homer-image-app-");
  const { final } = await readDockerfile();
  for (const copy of final.copies) {
    const [source, target] = copy.replace(/^--from=\S+\s+/, "").split(/\s+/) as [string, string];
    const from = copy.startsWith("--from") ? source.replace(/^\/app\//, "") : source;
    const to = path.join(app, target.endsWith("/") ? path.join(target, path.basename(from)) : target);
    await fs.mkdir(path.dirname(to), { recursive: true });
    if (from === "node_modules") await fs.symlink(path.join(ROOT, "node_modules"), to);
    else await fs.cp(path.join(ROOT, from), to, { recursive: true });
  }
  await fs.chmod(app, 0o555);
  for (const entry of await fs.readdir(app, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (!entry.isSymbolicLink()) await fs.chmod(file, entry.isDirectory() ? 0o555 : 0o444);
  }
  return app;
}

describe("docker/Dockerfile", () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    children.forEach((c) => c.kill("SIGKILL"));
    for (const cleanup of cleanups) await cleanup();
    for (const dir of dirs) {
      await fs.chmod(dir, 0o755).catch(() => {});
      for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
        if (entry.isDirectory()) await fs.chmod(path.join(entry.parentPath, entry.name), 0o755);
      }
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test("every COPY source exists in the repository", async () => {
    const { contextSources } = await readDockerfile();
    expect(contextSources.length).toBeGreaterThan(3);
    for (const source of contextSources) await expect(fs.stat(path.join(ROOT, source))).resolves.toBeDefined();
  });

  test("the build context leaves out what a local build made, so the build stage compiles afresh", async () => {
    const ignored = dockerignoreMatcher(await fs.readFile(path.join(ROOT, ".dockerignore"), "utf8"));
    // What a checkout holds once `npm ci` (its prepare script) or `npm run build` ran, as the tests do.
    const local: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(path.join(ROOT, dir), { withFileTypes: true })) {
        const file = path.posix.join(dir, entry.name);
        if (entry.name === ".git" || entry.name === "node_modules") continue;
        if (entry.name === "dist" || entry.name.endsWith(".tsbuildinfo")) local.push(file);
        else if (entry.isDirectory()) await walk(file);
      }
    };
    await walk("");
    expect(local).toEqual(expect.arrayContaining(["gateway/dist", "gateway/tsconfig.tsbuildinfo", "sdk/tsconfig.tsbuildinfo"]));
    expect(local.filter((file) => !ignored(file))).toEqual([]);
    for (const file of [
      "node_modules",
      "gateway/node_modules",
      "web/node_modules/x",
      ".git/HEAD",
      ".homer/registry.sqlite",
      "docker/.env",
      "web/.env.local",
    ]) {
      expect(ignored(file), file).toBe(true);
    }
    for (const file of ["gateway/src/main.ts", "gateway/tsconfig.json", "package-lock.json", "web/index.html"]) {
      expect(ignored(file), file).toBe(false);
    }

    // The build stage's compile, on the gateway as the context delivers it: a build-info
    // file from this checkout beside no dist/ would make `tsc -b` call it up to date and
    // emit nothing, and the final stage's COPY of gateway/dist would fail.
    const context = await makeTempDir("homer-docker-context-");
    dirs.push(context);
    await fs.cp(path.join(ROOT, "gateway"), path.join(context, "gateway"), {
      recursive: true,
      filter: (source) => !ignored(path.relative(ROOT, source).split(path.sep).join("/")),
    });
    await fs.symlink(path.join(ROOT, "node_modules"), path.join(context, "node_modules"));
    await promisify(execFile)(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-b", "gateway"], { cwd: context });
    await expect(fs.stat(path.join(context, "gateway/dist/main.js"))).resolves.toBeDefined();
  }, 120_000);

  test("the image runs on a supported Node LTS as a non-root user, with production dependencies only", async () => {
    const { stages, final } = await readDockerfile();
    // One Node for every stage: the native addon is built for the Node that runs it.
    for (const stage of stages) expect(stage.from).toMatch(/^node:(22|24)-bookworm-slim$/);
    expect(new Set(stages.map((s) => s.from)).size).toBe(1);
    expect(final.user).toBe("node");
    const modules = final.copies.find((c) => / \/app\/node_modules node_modules$/.test(c));
    const from = /^--from=(\S+)/.exec(modules ?? "")?.[1];
    const deps = stages.find((s) => s.name === from);
    expect(deps?.runs.some((r) => /npm ci --omit=dev --workspace gateway/.test(r))).toBe(true);
    // Nothing in the final stage installs or builds: it copies.
    expect(final.runs.every((r) => !/npm|apt-get/.test(r))).toBe(true);
  });

  test.each([
    { stores: "embedded (SQLite + /data/blobs)", team: false },
    { stores: "PostgreSQL + S3, as docker/compose.yml runs it", team: true },
  ])("the image's CMD, ENV and HEALTHCHECK, as a non-root user with the application read-only: $stores", async ({ team }) => {
    const { final } = await readDockerfile();
    // The team's stores: a fresh database and a real S3-compatible server.
    const stores: Record<string, string> = {};
    if (team) {
      const db = await createPgDatabase();
      const s3 = await startS3Server();
      cleanups.push(db.drop, () => s3.stop());
      Object.assign(stores, { HOMER_DATABASE_URL: db.url, HOMER_BLOB_URL: s3.blobUrl, ...s3.env });
    }
    const app = await imageAppDir();
    const dataDir = await makeTempDir("homer-docker-data-");
    const tmpDir = await makeTempDir("homer-docker-tmp-");
    dirs.push(app, dataDir, tmpDir);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) for (const dir of [dataDir, tmpDir]) await fs.chown(dir, NOBODY, NOBODY);
    const appBefore = await snapshot(app);

    const port = String(await freePort());
    expect(final.env.HOST).toBe("0.0.0.0");
    expect(final.env.HOMER_DATA_DIR).toBe("/data");
    // The image's ENV with /data and /tmp mapped to writable directories; HOME (/home/node) is read-only there, and here.
    const env = { PATH: process.env.PATH!, ...final.env, ...stores, PORT: port, HOMER_DATA_DIR: dataDir, TMPDIR: tmpDir, HOME: app };
    const user = asRoot ? { uid: NOBODY, gid: NOBODY } : {};
    const node = (args: readonly string[]) => (args[0] === "node" ? process.execPath : args[0]!);
    const child = spawn(node(final.cmd), final.cmd.slice(1), { cwd: app, env, ...user });
    children.push(child);
    let stderr = "";
    child.stdout.resume();
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (d) => {
        stderr += d;
        if (stderr.includes("serving GraphQL")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    expect(stderr).toContain(`:${port}/graphql`);
    const adminKey = /\n\s*(hmr_\S+)\n/.exec(stderr)?.[1];
    expect(adminKey, "the first start prints the generated admin key").toBeDefined();

    const check = spawn(node(final.healthcheck), final.healthcheck.slice(1), { env, ...user });
    expect(await new Promise((resolve) => check.once("exit", resolve))).toBe(0);

    // A registration and a download: every write the gateway makes.
    const origin = `http://127.0.0.1:${port}`;
    const content = randomBytes(256 * 1024);
    const created = await send(
      origin,
      multipartRequest(
        createModelParts("mutation($input: CreateModelInput!) { createModel(input: $input) { version } }", { name: "image" }, [
          ["model.bin", content],
        ]),
        adminKey!,
      ),
    );
    expect(created.json).toEqual({ data: { createModel: { version: 1 } } });
    const download = await send(origin, { path: "/files/default/image/1/model.bin", headers: bearer(adminKey) });
    expect(download.body.equals(content)).toBe(true);

    child.kill("SIGTERM");
    expect(await new Promise((resolve) => child.once("exit", resolve))).toBe(0);
    expect(stderr).not.toMatch(/EACCES|EROFS|permission denied/i);
    expect(await snapshot(app)).toEqual(appBefore);
    // The embedded store lives in /data; with PostgreSQL and S3 nothing is written there at all.
    if (team) expect(await fs.readdir(dataDir)).toEqual([]);
    else expect(await fs.readdir(dataDir)).toEqual(expect.arrayContaining(["registry.sqlite", "blobs"]));
    expect(await fs.readdir(tmpDir)).toEqual([]);
  });
});

/** Whether this machine lets a test run a process as PID 1 of a new PID namespace, as a container does. */
const PID_NAMESPACES =
  process.platform === "linux" && spawnSync("unshare", ["--pid", "--fork", "--kill-child", "true"], { stdio: "ignore" }).status === 0;

describe.skipIf(!PID_NAMESPACES)("the gateway as PID 1 (the image's exec-form CMD)", () => {
  // PID 1 of a PID namespace gets only the signals it handles: without a handler, `docker stop`'s
  // SIGTERM (and Ctrl-C's SIGINT under `docker run -it`) is dropped, and the container is killed
  // after its grace period (compose: 40 s).
  test.each(["SIGTERM", "SIGINT"] as const)(
    "%s while start-up waits for PostgreSQL ends the process at once",
    async (signal) => {
      const dataDir = await makeTempDir("homer-pid1-");
      const unreachable = await freePort();
      const env = {
        PATH: process.env.PATH!,
        HOMER_DATA_DIR: dataDir,
        HOMER_DATABASE_URL: `postgres://homer@127.0.0.1:${unreachable}/homer`,
        HOMER_DB_CONNECT_TIMEOUT_MS: "30000",
      };
      const wrapper = spawn("unshare", ["--pid", "--fork", "--kill-child", process.execPath, MAIN_JS], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      wrapper.stdout.on("data", (d) => (output += d));
      wrapper.stderr.on("data", (d) => (output += d));
      const exited = new Promise<number | null>((resolve) => wrapper.once("exit", (code) => resolve(code)));
      try {
        await new Promise<void>((resolve, reject) => {
          const poll = setInterval(() => {
            if (output.includes("PostgreSQL is not reachable yet")) {
              clearInterval(poll);
              resolve();
            }
          }, 20);
          void exited.then(() => reject(new Error(`exited early: ${output}`)));
        });
        // The gateway: unshare's forked child, PID 1 inside its namespace.
        const { stdout } = await promisify(execFile)("ps", ["-o", "pid=", "--ppid", String(wrapper.pid)]);
        const gateway = Number(stdout.trim());
        expect(await fs.readFile(`/proc/${gateway}/status`, "utf8")).toMatch(/^NSpid:\s+\d+\s+1$/m);
        const sent = Date.now();
        process.kill(gateway, signal);
        const code = await Promise.race([
          exited,
          new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 5_000)),
        ]);
        expect(code, output).not.toBe("still running");
        expect(Date.now() - sent).toBeLessThan(5_000);
        // The code a shell reports for a process that signal ended (143, 130).
        expect(code).toBe(128 + constants.signals[signal]);
        expect(output).not.toMatch(/failed to start/);
      } finally {
        wrapper.kill("SIGKILL");
        await exited;
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    },
    20_000,
  );
});
