import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { sha256 } from "./support/files.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/** GNU tar's listing of `archive`: each entry's size and name. */
const gnuList = (archive: string) =>
  execFileSync("tar", ["--utc", "-tvf", archive], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((line) => /^\S+ \S+\s+(\d+) \S+ \S+ (.*)$/.exec(line)!.slice(1, 3));

describe("a version's archive, read back by GNU tar", () => {
  let gw: TestGateway;
  let root: string;
  beforeAll(async () => {
    gw = await startTestGateway();
    root = await makeTempDir("homer-archive-tar-");
  });
  afterAll(async () => {
    await gw.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("names past ustar's 100 bytes (flat, deep, at the prefix's 155), non-ASCII names and empty files list and extract as registered", async () => {
    const files: Record<string, string> = {
      ["a".repeat(101)]: "long flat",
      [`${"d".repeat(60)}/${"e".repeat(60)}/${"f".repeat(90)}.bin`]: "long deep",
      [`${"p".repeat(160)}/x`]: "long prefix",
      [`${"q".repeat(155)}/${"r".repeat(100)}`]: "at both edges",
      ["z".repeat(100)]: "100",
      ["é".repeat(120)]: "two bytes a character, 240 in all",
      ["日本/モデル.bin"]: "cjk",
      ["empty"]: "",
      ["nested/empty"]: "",
    };
    const up = await gw.upload({ name: "tar-names" }, files, "archiveUrl");
    expect(up.errors).toBeUndefined();
    const res = await fetch(up.data.createModel.archiveUrl);
    expect(res.status).toBe(200);
    const archive = path.join(root, "names.tar");
    await fs.writeFile(archive, Buffer.from(await res.arrayBuffer()));
    const expected = Object.entries(files).map(([name, content]) => [String(Buffer.byteLength(content)), name]);
    expect(gnuList(archive).sort()).toEqual(expected.sort());
    const out = path.join(root, "names");
    await fs.mkdir(out);
    execFileSync("tar", ["-xf", archive, "-C", out]);
    for (const [name, content] of Object.entries(files))
      expect(sha256(await fs.readFile(path.join(out, name))), name).toBe(sha256(content));
  });

  test("an entry of 8 GiB and more: the header's size (base-256 past 11 octal digits) is read back by GNU tar", async () => {
    const size = 2 ** 33 + 5;
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on("data", (chunk) => chunks.push(chunk as Buffer));
    // As the archive route makes its entries; only the header (the first 512 bytes) is kept.
    pack.entry({ name: "big.bin", size, mode: 0o644 });
    await new Promise((resolve) => setImmediate(resolve));
    const header = Buffer.concat(chunks).subarray(0, 512);
    expect(header[124]).toBe(0x80);
    const archive = path.join(root, "big.tar");
    await fs.writeFile(archive, header);
    // GNU tar lists the header, then finds no data: it prints the entry and fails on the rest.
    const listed = (() => {
      try {
        return execFileSync("tar", ["--utc", "-tvf", archive], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      } catch (error) {
        return String((error as { stdout: string }).stdout);
      }
    })();
    expect(listed).toMatch(new RegExp(`\\s${size} .* big\\.bin\\n`));
    pack.destroy();
  });
});
