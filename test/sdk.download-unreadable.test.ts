import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { sha256 } from "./support/files.js";

const DOWNLOAD = fileURLToPath(new URL("../sdk/dist/node/download.js", import.meta.url));
const content = Buffer.from("weights from the registry");

/**
 * Downloads `w.bin` into `dir` as the user nobody (root reads any file), from a server that
 * answers every GET with `content`; resolves to how the download ended, as JSON.
 */
function downloadAsNobody(dir: string): { name: string; code?: string; message: string } {
  const script = `
    import http from "node:http";
    import { downloadModel } from ${JSON.stringify(DOWNLOAD)};
    const content = Buffer.from(${JSON.stringify(content.toString())});
    const server = http.createServer((req, res) => res.writeHead(200, { "content-length": content.length }).end(content));
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = "http://127.0.0.1:" + server.address().port;
    process.setgid(65534);
    process.setuid(65534);
    const file = { path: "w.bin", sizeBytes: content.length, sha256: ${JSON.stringify(sha256(content))}, downloadUrl: origin + "/w.bin" };
    const outcome = await downloadModel({ files: [file] }, ${JSON.stringify(dir)}, { headers: {}, origin }).then(
      () => ({ name: "ok", message: "" }),
      (e) => ({ name: e.constructor.name, code: e.code, message: e.message }),
    );
    server.close();
    console.log(JSON.stringify(outcome));
  `;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as { name: string; code?: string; message: string };
}

describe.skipIf(process.getuid?.() !== 0)("SDK download into a folder holding files it cannot read (run as nobody: needs root)", () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir("homer-sdk-unreadable-");
    await fs.chmod(root, 0o755);
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const folder = async (name: string) => {
    const dir = path.join(root, name);
    await fs.mkdir(dir);
    await fs.chmod(dir, 0o777);
    return dir;
  };

  test("a file already there of the right size that cannot be read is INTEGRITY_ERROR naming it, and left as it was", async () => {
    const dir = await folder("target");
    const there = path.join(dir, "w.bin");
    await fs.writeFile(there, "X".repeat(content.length));
    await fs.chmod(there, 0);
    const outcome = downloadAsNobody(dir);
    expect(outcome).toMatchObject({ name: "RegistryError", code: "INTEGRITY_ERROR" });
    expect(outcome.message).toContain(`cannot read ${there} to check its sha256: EACCES`);
    expect(await fs.readFile(there, "utf8")).toBe("X".repeat(content.length));
  });

  test("a part to resume that cannot be read is INTEGRITY_ERROR naming it", async () => {
    const dir = await folder("part");
    const part = path.join(dir, `w.bin.${sha256(content).slice(0, 16)}.homer-part`);
    await fs.writeFile(part, content.subarray(0, 5));
    await fs.chmod(part, 0);
    const outcome = downloadAsNobody(dir);
    expect(outcome).toMatchObject({ name: "RegistryError", code: "INTEGRITY_ERROR" });
    expect(outcome.message).toContain(`cannot read ${part} to check its sha256: EACCES`);
  });
});
