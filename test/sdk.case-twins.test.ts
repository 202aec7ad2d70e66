import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError, type ModelRegistry } from "@homer/sdk";
import { makeTempDir } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { waitFor } from "./support/wait.js";

const PYTHON = "/usr/bin/python3";
const CASEFOLD_FS = fileURLToPath(new URL("./support/casefold-fs.py", import.meta.url));
/** A FUSE file system needs /dev/fuse, libfuse and Debian's python3-fusepy (`.ci/run` installs it). */
const canMount = existsSync("/dev/fuse") && spawnSync(PYTHON, ["-c", "import fusepy"]).status === 0;

const mounted = (at: string) =>
  readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[1] === at);

/** Every file under `dir`, relative, with its text. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = await fs.readFile(full, "utf8");
  }
  return out;
}

/**
 * A version may hold files whose names differ only in case (`A.bin`, `a.bin`): the registry
 * and Linux's file systems tell them apart, macOS's and Windows' default disks do not, where
 * one would silently replace the other. The download asks the folder's own file system, before
 * writing anything: here a case-insensitive one (test/support/casefold-fs.py, over FUSE).
 */
describe("downloading names that differ only in case", () => {
  let gw: TestGateway;
  let mr: ModelRegistry;
  let root: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    mr = await connection({ url: gw.url }).getModelRegistry();
    root = await makeTempDir("homer-case-twins-");
    const register = async (name: string, files: Record<string, string>) =>
      expect((await gw.upload({ name }, files)).errors).toBeUndefined();
    await register("twins", { "A.bin": "upper", "a.bin": "lower", "other.txt": "other" });
    await register("nested-twins", { "Data/x.txt": "upper x", "data/x.txt": "lower x" });
    await register("file-and-folder", { Data: "a file", "data/x.txt": "x" });
    await register("folders-only", { "Data/x.txt": "x", "data/y.txt": "y", "sub/ß.txt": "eszett" });
  });
  afterAll(async () => {
    await gw?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("on a case-sensitive file system every file downloads apart", async () => {
    const out = path.join(root, "sensitive");
    await (await mr.getModel({ name: "twins", version: 1 }))!.download(out);
    expect(await tree(out)).toEqual({ "A.bin": "upper", "a.bin": "lower", "other.txt": "other" });
    await (await mr.getModel({ name: "file-and-folder", version: 1 }))!.download(path.join(root, "sensitive-2"));
    expect(await tree(path.join(root, "sensitive-2"))).toEqual({ Data: "a file", "data/x.txt": "x" });
  });

  describe.skipIf(!canMount)("on a case-insensitive one", () => {
    let backing: string;
    let mountpoint: string;
    let fuse: ChildProcess;

    beforeAll(async () => {
      backing = path.join(root, "backing");
      mountpoint = path.join(root, "mnt");
      await fs.mkdir(backing);
      await fs.mkdir(mountpoint);
      fuse = spawn(PYTHON, [CASEFOLD_FS, backing, mountpoint], { stdio: ["ignore", "ignore", "inherit"] });
      await waitFor("the case-folding file system to be mounted", async () => mounted(mountpoint), 10_000);
      // It is one: a name made in one case is found in another.
      await fs.writeFile(path.join(mountpoint, "Probe"), "");
      expect(existsSync(path.join(mountpoint, "PROBE"))).toBe(true);
      await fs.rm(path.join(mountpoint, "Probe"));
    });
    afterAll(async () => {
      if (mountpoint && mounted(mountpoint)) spawnSync("umount", [mountpoint]);
      fuse?.kill();
    });

    const refused = async (name: string, out: string) => {
      const error = await (await mr.getModel({ name, version: 1 }))!.download(out).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code).toBe("UNSUPPORTED");
      return (error as RegistryError).message;
    };

    test("two files: UNSUPPORTED naming both, and nothing written", async () => {
      const out = path.join(mountpoint, "twins");
      expect(await refused("twins", out)).toMatch(/"A\.bin" and "a\.bin".*takes for one/);
      expect(await fs.readdir(out)).toEqual([]);
    });

    test("two files in folders that differ in case, and a file where another's folder is: the same", async () => {
      expect(await refused("nested-twins", path.join(mountpoint, "nested"))).toMatch(/"Data\/x\.txt" and "data\/x\.txt"/);
      expect(await refused("file-and-folder", path.join(mountpoint, "file-folder"))).toMatch(/"Data" and "data"/);
      expect(await tree(path.join(mountpoint, "nested"))).toEqual({});
      expect(await tree(path.join(mountpoint, "file-folder"))).toEqual({});
    });

    test("folders that differ only in case merge, and a version without twins downloads whole", async () => {
      const out = path.join(mountpoint, "merged");
      await (await mr.getModel({ name: "folders-only", version: 1 }))!.download(out);
      const files = await tree(out);
      expect(Object.values(files).sort()).toEqual(["eszett", "x", "y"]);
      expect(
        Object.keys(files)
          .map((p) => p.toLowerCase())
          .sort(),
      ).toEqual(["data/x.txt", "data/y.txt", "sub/ß.txt"]);
      // And the probe left nothing behind.
      expect((await fs.readdir(out)).filter((e) => e.startsWith(".homer"))).toEqual([]);
    });
  });
});
