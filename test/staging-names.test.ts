import { execFile, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { isDeadLocalUpload, STAGING_HOST } from "../gateway/src/storage/staging-name.js";

/** The built module, as a child process in a PID namespace of its own loads it. */
const BUILT = fileURLToPath(new URL("../gateway/dist/storage/staging-name.js", import.meta.url));

/** Whether this machine lets a test run a process as PID 1 of a new PID namespace, as a container does. */
const PID_NAMESPACES =
  process.platform === "linux" && spawnSync("unshare", ["--pid", "--fork", "--kill-child", "true"], { stdio: "ignore" }).status === 0;

/** `script` run by Node as PID 1 of a new PID namespace (a container's gateway), with the module as `m`. */
async function asPid1(script: string, ...args: string[]): Promise<string> {
  const code = `const m = await import(${JSON.stringify(BUILT)}); ${script}`;
  const { stdout } = await promisify(execFile)("unshare", [
    "--pid",
    "--fork",
    "--kill-child",
    process.execPath,
    "--input-type=module",
    "-e",
    code,
    "--",
    ...args,
  ]);
  return stdout.trim();
}

describe("staging names: whose upload a leftover is", () => {
  test("a dead process of this host is judged dead; a live one, and another host's, are not", () => {
    expect(isDeadLocalUpload(`${STAGING_HOST}.999999999.upload`)).toBe(true);
    expect(isDeadLocalUpload(`${STAGING_HOST}.${process.ppid}.upload`)).toBe(false);
    expect(isDeadLocalUpload(`another-host.999999999.upload`)).toBe(false);
  });

  test.skipIf(!PID_NAMESPACES)(
    "two containers with one host name, each its gateway as PID 1: neither takes the other's upload for its own crash's",
    async () => {
      const theirs = await asPid1("console.log(m.newStagingName())");
      expect(theirs).toMatch(/^[^.]+\.1\./);
      // The second container starts, and reclaims what it takes for its own previous life's leftovers.
      expect(await asPid1("console.log(m.isDeadLocalUpload(process.argv[1]))", theirs)).toBe("false");
      // In its own namespace a name of its own PID is a previous life's (nothing of its own is in flight at start-up).
      expect(await asPid1("console.log(m.isDeadLocalUpload(m.newStagingName()))")).toBe("true");
    },
  );
});
