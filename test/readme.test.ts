import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The README's "Using the SDK" block, exactly as written, run as a plain Node ESM script. */
describe("README", () => {
  let gw: ChildGateway;
  let work: string;
  const script = path.join(ROOT, "test", ".readme-sdk.mjs");

  beforeAll(async () => {
    work = await makeTempDir("homer-readme-");
    gw = await startChildGateway({ env: { HOMER_DATA_DIR: path.join(work, ".homer") } });
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(work, { recursive: true, force: true });
    await fs.rm(script, { force: true });
  });

  test("the SDK walkthrough runs as written with `node script.mjs`", async () => {
    const readme = await fs.readFile(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Using the SDK"));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    // Inside the repository, so '@homer/sdk' resolves as it does for a user's script.
    await fs.writeFile(script, code);
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [script], { cwd: work, env: { ...process.env, HOMER_URL: `${gw.origin}/graphql` } });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.once("exit", (exit) => resolve({ code: exit, out }));
    });
    expect(run.out).toMatch(/registered mnist@4/);
    expect(run.out).toMatch(/best: mnist@2, accuracy 0.97/);
    expect(run.out).toMatch(/downloaded to mnist-best/);
    expect(run.out).toMatch(/mnist@2 exists/);
    expect(run.code, run.out).toBe(0);
    expect(await fs.readFile(path.join(work, "mnist-best", "model.pt"), "utf8")).toBe("weights");
    const listed = await gw.gql(`{ models(name: "mnist") { nodes { version } } }`);
    expect(listed.data.models.nodes.map((n: { version: number }) => n.version)).toEqual([4, 3, 2]);
  });
});
