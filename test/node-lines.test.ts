/**
 * The SDK's and the CLI's own test files, run by vitest on newer Node lines (22 and
 * 24, binaries from the npm registry). Their gateways stay on this machine's Node
 * (HOMER_TEST_GATEWAY_NODE): the gateway's native SQLite module is built for it. Test
 * files that start a gateway in-process (sdk.watch, cli, cli.terminal) load that module
 * into the test's own Node, so they run on the machine's Node only; the install test
 * (test/install.test.ts) also runs the packed SDK and CLI on these lines.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { NODE_LINES, NODE_LINES_RUN_HERE, nodeBinary } from "./support/node-lines.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FILES = ["test/sdk.test.ts", "test/sdk.browser.test.ts", "test/cli.args.test.ts"];

function vitestOn(node: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOMER_TEST_GATEWAY_NODE: process.execPath, NO_COLOR: "1", FORCE_COLOR: "0" };
    delete env.VITEST;
    delete env.VITEST_POOL_ID;
    delete env.VITEST_WORKER_ID;
    const child = spawn(node, [path.join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", ...FILES], { cwd: ROOT, env });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, out }));
  });
}

describe.skipIf(!NODE_LINES_RUN_HERE)("the SDK and CLI tests on newer Node lines", () => {
  test.each(NODE_LINES)(
    "Node %s passes them",
    async (version) => {
      const node = await nodeBinary(version);
      const { code, out } = await vitestOn(node);
      expect(code, out).toBe(0);
      const summary = /Tests\s+(\d+) passed/.exec(out);
      expect(summary, out).not.toBeNull();
      expect(Number(summary![1])).toBeGreaterThan(20);
      // Each file ran, none skipped (a renamed file would simply not match).
      for (const file of FILES) expect(out, file).toMatch(new RegExp(`✓ ${file.replace(/\./g, "\\.")} \\(\\d+ tests?\\)`));
      expect(out).not.toMatch(/\d+ (failed|skipped)/);
    },
    300_000,
  );
});
