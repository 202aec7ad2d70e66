import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";

/**
 * No Docker engine runs here, so this runs what the image runs: the final stage's
 * ENV and CMD, from the repository root (the image's WORKDIR), with /data mapped
 * to a temporary directory.
 */
const root = path.resolve(import.meta.dirname, "..");

async function finalStage() {
  const text = (await fs.readFile(path.join(root, "docker/Dockerfile"), "utf8")).replace(/\\\n\s*/g, " ");
  const stages = text.split(/^FROM /m);
  const last = stages.at(-1)!;
  const env: Record<string, string> = {};
  for (const [, body] of last.matchAll(/^ENV (.+)$/gm)) {
    for (const [, key, value] of body!.matchAll(/([A-Z_]+)=(\S+)/g)) env[key!] = value!;
  }
  const cmd = JSON.parse(/^CMD (\[.+\])$/m.exec(last)![1]!) as string[];
  const health = JSON.parse(/HEALTHCHECK .*?CMD (\[.+\])$/m.exec(last)![1]!) as string[];
  const copies = [...text.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap(([, args]) => args!.split(/\s+/).slice(0, -1));
  return { env, cmd, health, copies };
}

describe("docker/Dockerfile", () => {
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

  test("every COPY source exists in the repository", async () => {
    const { copies } = await finalStage();
    expect(copies.length).toBeGreaterThan(3);
    for (const source of copies) await expect(fs.stat(path.join(root, source))).resolves.toBeDefined();
  });

  test("the image's CMD with the image's ENV serves, and its HEALTHCHECK passes", async () => {
    const { env, cmd, health } = await finalStage();
    const dataDir = await makeTempDir("homer-docker-");
    const port = String(40000 + Math.floor(Math.random() * 20000));
    const childEnv = { ...process.env, ...env, PORT: port, HOMER_DATA_DIR: env.HOMER_DATA_DIR!.replace("/data", dataDir) };
    expect(env.HOST).toBe("0.0.0.0");
    const child = spawn(cmd[0] === "node" ? process.execPath : cmd[0]!, cmd.slice(1), { cwd: root, env: childEnv });
    children.push(child);
    let stderr = "";
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (d) => {
        stderr += d;
        if (stderr.includes("serving GraphQL")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    expect(stderr).toContain(`:${port}/graphql`);
    const check = spawn(process.execPath, health.slice(1), { env: childEnv });
    expect(await new Promise((resolve) => check.once("exit", resolve))).toBe(0);
    expect(await fs.stat(path.join(dataDir, "registry.sqlite"))).toBeDefined();
    child.kill("SIGTERM");
    expect(await new Promise((resolve) => child.once("exit", resolve))).toBe(0);
    await fs.rm(dataDir, { recursive: true, force: true });
  });
});
