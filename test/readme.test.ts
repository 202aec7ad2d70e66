import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { helpText } from "../gateway/src/config.js";
import { sha256 } from "./support/files.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The address the README's examples use; the test's gateway listens elsewhere. */
const README_ORIGIN = "http://localhost:4000";

interface Run {
  readonly code: number | null;
  readonly out: string;
}

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, out }));
  });
}

/** The fenced blocks of `lang` in the README section that starts with `heading`. */
async function readmeBlocks(heading: string, lang: string): Promise<string[]> {
  const section = await readmeSection(heading);
  return [...section.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
}

/** The README section that starts with `heading`, up to the next section of its level. */
async function readmeSection(heading: string): Promise<string> {
  const readme = await fs.readFile(path.join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, `README has a "${heading}" section`).toBeGreaterThan(0);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** A fresh gateway over a fresh data directory, and a working directory for the README's commands. */
async function fresh(): Promise<{ gw: ChildGateway; work: string }> {
  const work = await makeTempDir("homer-readme-");
  const gw = await startChildGateway({ env: { HOMER_DATA_DIR: path.join(work, ".homer") } });
  cleanups.push(() => fs.rm(work, { recursive: true, force: true }));
  return { gw, work };
}

const cleanups: (() => Promise<unknown>)[] = [];

/** The README's walkthroughs, exactly as written, run as a user pastes them. */
describe("README", () => {
  afterAll(async () => {
    await killAllChildren();
    await Promise.all(cleanups.map((cleanup) => cleanup()));
  });

  // Both ways the README names; the script sits inside the repository, so '@homer/sdk'
  // resolves as it does for a user's script there.
  test.each([
    { file: ".readme-sdk.mjs", command: process.execPath, args: [] as string[] },
    // What `npx jiti` runs inside the repository (the test's working directory is elsewhere).
    { file: ".readme-sdk.ts", command: path.join(ROOT, "node_modules", ".bin", "jiti"), args: [] as string[] },
  ])("the SDK walkthrough runs as written: $file", async ({ file, command, args }) => {
    const [code] = await readmeBlocks("## Using the SDK", "ts");
    const script = path.join(ROOT, "test", file);
    await fs.writeFile(script, code!);
    cleanups.push(() => fs.rm(script, { force: true }));
    const { gw, work } = await fresh();
    const result = await run(command, [...args, script], { cwd: work, env: { HOMER_URL: `${gw.origin}/graphql` } });
    expect(result.out).toMatch(/registered mnist@4/);
    expect(result.out).toMatch(/best: mnist@2, accuracy 0.97/);
    expect(result.out).toMatch(/downloaded to mnist-best/);
    expect(result.out).toMatch(/mnist@2 exists/);
    expect(result.code, result.out).toBe(0);
    expect(await fs.readFile(path.join(work, "mnist-best", "model.pt"), "utf8")).toBe("weights");
    const listed = await gw.gql(`{ models(name: "mnist") { nodes { version } } }`);
    expect(listed.data.models.nodes.map((n: { version: number }) => n.version)).toEqual([4, 3, 2]);
  });

  test("Running Homer for a team names every setting the gateway has", async () => {
    const section = await readmeSection("## Running Homer for a team");
    const settings = [...helpText().matchAll(/env (\w+)/g)].map(([, name]) => name!);
    expect(settings.length).toBeGreaterThan(30);
    expect(settings.filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
  });

  test("the curl walkthrough runs as written, block by block, in a fresh directory", async () => {
    const blocks = await readmeBlocks("## Walkthrough with curl", "sh");
    expect(blocks).toHaveLength(4);
    const { gw, work } = await fresh();
    // Only the address changes: the README's gateway is on port 4000.
    const outputs: string[] = [];
    for (const block of blocks) {
      const result = await run("bash", ["-e", "-o", "pipefail", "-c", block.replaceAll(README_ORIGIN, gw.origin)], { cwd: work });
      expect(result.code, `${block}\n${result.out}`).toBe(0);
      outputs.push(result.out);
    }
    const [register, list, download, remove] = outputs.map((out) => out.trim());
    expect(JSON.parse(register!.split("\n").at(-1)!)).toMatchObject({ data: { createModel: { version: 1 } } });
    expect(JSON.parse(list!)).toMatchObject({
      data: { models: { totalCount: 1, nodes: [{ version: 1, metric: 0.98 }] }, bestModel: { version: 1 } },
    });
    expect(download).toBe("1024");
    const original = await fs.readFile(path.join(work, "mnist-model", "model.pt"));
    expect(await fs.readFile(path.join(work, "model.pt"))).toEqual(original);
    expect(sha256(await fs.readFile(path.join(work, "restored", "model.pt")))).toBe(sha256(original));
    expect(await fs.readFile(path.join(work, "restored", "conf", "params.json"), "utf8")).toBe('{"epochs": 5}\n');
    expect(JSON.parse(remove!)).toEqual({ data: { deleteModel: true } });
  });
});
