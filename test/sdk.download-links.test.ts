import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RegistryError } from "@homer/sdk";
import { downloadModel } from "../sdk/dist/node/download.js";
import { makeTempDir } from "./support/backends.js";
import { sha256 } from "./support/files.js";

const content = Buffer.from("weights from the registry");

describe("SDK download into a folder holding symlinks", () => {
  let root: string;
  let origin: string;
  let server: http.Server;
  const asked: string[] = [];
  beforeAll(async () => {
    root = await makeTempDir("homer-sdk-links-");
    server = http.createServer((req, res) => {
      asked.push(req.url!);
      res.writeHead(200, { "content-length": content.length }).end(content);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await fs.rm(root, { recursive: true, force: true });
  });

  const fileAt = (p: string) => ({ path: p, sizeBytes: content.length, sha256: sha256(content), downloadUrl: `${origin}/files/${p}` });
  const download = (paths: string[], dir: string) => downloadModel({ files: paths.map(fileAt) }, dir, { headers: {}, origin });

  test("a folder of the target that is a symlink out of it, at any depth or leading nowhere, is INTEGRITY_ERROR naming it; nothing is asked or written through it", async () => {
    const outside = await fs.mkdtemp(path.join(root, "outside-"));
    for (const [link, files] of [
      ["a", ["a/x", "a/deep/y"]],
      ["real/b", ["real/ok", "real/b/x"]],
      ["gone", ["gone/x"]],
    ] as const) {
      const dir = await fs.mkdtemp(path.join(root, "target-"));
      await fs.mkdir(path.join(dir, "real"));
      await fs.symlink(link === "gone" ? path.join(outside, "absent") : outside, path.join(dir, link));
      const error = await download([...files], dir).catch((e: unknown) => e);
      expect(error, link).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code).toBe("INTEGRITY_ERROR");
      expect((error as RegistryError).message).toContain(`refusing to write into "${link}"`);
      expect(await fs.readdir(outside)).toEqual([]);
      expect(await fs.readdir(path.join(dir, "real"))).toEqual(link === "real/b" ? ["b"] : []);
    }
    expect(asked).toEqual([]);
  });

  test("a folder of the target that is a symlink to another of its folders is followed", async () => {
    const dir = await fs.mkdtemp(path.join(root, "target-"));
    await fs.mkdir(path.join(dir, "real"));
    await fs.symlink("real", path.join(dir, "a"));
    await download(["a/x"], dir);
    expect(await fs.readFile(path.join(dir, "real", "x"))).toEqual(content);
  });

  test("a part file that is a symlink, to a file outside the folder or to one inside, is INTEGRITY_ERROR saying so; the file it names is neither written nor truncated", async () => {
    for (const inside of [false, true]) {
      const outside = await fs.mkdtemp(path.join(root, "outside-"));
      const dir = await fs.mkdtemp(path.join(root, "target-"));
      const victim = path.join(inside ? dir : outside, "victim");
      // Shorter than the file, as a part to resume would be.
      await fs.writeFile(victim, "precious");
      const part = path.join(dir, `x.${sha256(content).slice(0, 16)}.homer-part`);
      await fs.symlink(victim, part);
      const error = await download(["x"], dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code).toBe("INTEGRITY_ERROR");
      expect((error as RegistryError).message).toMatch(/cannot write .*homer-part \(a symlink is in its place.*ELOOP/);
      expect(await fs.readFile(victim, "utf8")).toBe("precious");
      expect((await fs.lstat(part)).isSymbolicLink()).toBe(true);
      await expect(fs.lstat(path.join(dir, "x"))).rejects.toThrow();
    }
  });

  test("a part file that is a hard link to another file (shorter, as a part to resume; or longer) is INTEGRITY_ERROR saying so; that file is neither written nor truncated", async () => {
    for (const text of ["precious", "precious and longer than the file the registry holds"]) {
      const outside = await fs.mkdtemp(path.join(root, "outside-"));
      const dir = await fs.mkdtemp(path.join(root, "target-"));
      const victim = path.join(outside, "victim");
      await fs.writeFile(victim, text);
      const part = path.join(dir, `x.${sha256(content).slice(0, 16)}.homer-part`);
      await fs.link(victim, part);
      const error = await download(["x"], dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code).toBe("INTEGRITY_ERROR");
      expect((error as RegistryError).message).toMatch(
        /cannot write .*homer-part: .*is a hard link \(2 names\), which is never written through/,
      );
      expect(await fs.readFile(victim, "utf8")).toBe(text);
      await expect(fs.lstat(path.join(dir, "x"))).rejects.toThrow();
    }
  });
});
