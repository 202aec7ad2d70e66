import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";

const DIRECTORY = fileURLToPath(new URL("../sdk/dist/node/directory.js", import.meta.url));

/** `listFiles(dir)`, what createModel({ modelPath }) and save(dir) read, as the user nobody (root reads any folder). */
function listAsNobody(dir: string): { name: string; code?: string; field?: string; message: string } {
  const script = `
    import { listFiles } from ${JSON.stringify(DIRECTORY)};
    process.setgid(65534);
    process.setuid(65534);
    const outcome = await listFiles(${JSON.stringify(dir)}).then(
      (files) => ({ name: "ok", message: JSON.stringify(files.map((f) => f.path)) }),
      (e) => ({ name: e.constructor.name, code: e.code, field: e.field, message: e.message }),
    );
    console.log(JSON.stringify(outcome));
  `;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as { name: string; code?: string; field?: string; message: string };
}

describe.skipIf(process.getuid?.() !== 0)("SDK save(dir) of a folder it cannot read all of (run as nobody: needs root)", () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir("homer-sdk-save-unreadable-");
    await fs.chmod(root, 0o755);
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  test("a folder that cannot be listed, or whose files cannot be reached, is BAD_USER_INPUT on modelPath naming it, not fs's bare EACCES", async () => {
    for (const [name, mode, named] of [
      ["locked", 0o000, "locked"],
      ["no-search", 0o444, "no-search/w.bin"],
    ] as const) {
      const model = path.join(root, name, "model");
      await fs.mkdir(path.join(model, name), { recursive: true });
      await fs.chmod(path.join(root, name), 0o755);
      await fs.chmod(model, 0o755);
      await fs.writeFile(path.join(model, "config.json"), "{}");
      await fs.writeFile(path.join(model, name, "w.bin"), "weights");
      await fs.chmod(path.join(model, name), mode);
      const outcome = listAsNobody(model);
      expect(outcome, name).toMatchObject({ name: "RegistryError", code: "BAD_USER_INPUT", field: "modelPath" });
      expect(outcome.message).toContain(`modelPath holds ${path.join(model, named)}`);
      expect(outcome.message).toContain("EACCES");
    }
  });
});
