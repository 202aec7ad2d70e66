/**
 * A model directory holding a file whose name is not UTF-8 (any bytes but "/" and NUL
 * name a file on Linux): the SDK refuses it as BAD_USER_INPUT naming the file, a
 * RegistryError as every failure is, not a raw ENOENT from a stat of the name with
 * U+FFFD in place of its bytes.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { listFiles, RegistryError } from "@homer/sdk";
import { makeTempDir } from "./support/backends.js";

describe("listFiles and file names that are not UTF-8", () => {
  let root = "";
  let made = false;

  beforeAll(async () => {
    root = await makeTempDir("homer-names-");
    await fs.mkdir(path.join(root, "model", "sub"), { recursive: true });
    await fs.writeFile(path.join(root, "model", "good.bin"), "ok");
    // Latin-1 "é" (0xE9), as an old archive or a Windows share leaves it: not UTF-8.
    const bad = Buffer.concat([Buffer.from(path.join(root, "model", "sub", "caf")), Buffer.from([0xe9]), Buffer.from(".txt")]);
    made = await fs
      .writeFile(bad, "latin-1")
      .then(() => true)
      .catch(() => false); // file systems that only hold UTF-8 names refuse it
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  test("is BAD_USER_INPUT on modelPath, naming the file's bytes", async (ctx) => {
    if (!made) ctx.skip();
    const error = await listFiles(path.join(root, "model")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code: "BAD_USER_INPUT", field: "modelPath" });
    expect((error as Error).message).toContain("caf\\xe9.txt");
  });

  test("UTF-8 names, in any script, are listed as they are", async () => {
    const dir = path.join(root, "utf8");
    await fs.mkdir(dir);
    for (const name of ["café.txt", "模型.bin", "😀"]) await fs.writeFile(path.join(dir, name), name);
    expect((await listFiles(dir)).map((f) => f.path)).toEqual(["café.txt", "模型.bin", "😀"]);
  });
});
