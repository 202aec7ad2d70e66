import fs from "node:fs/promises";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const SDK = fileURLToPath(new URL("../sdk/", import.meta.url));
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s+["']([^"']+)["']/g;

/** Every module the compiled entry reaches, split into the SDK's own files and packages. */
async function importGraph(entry: string) {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = async (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = await fs.readFile(file, "utf8");
    for (const match of source.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (specifier.startsWith(".")) await visit(path.resolve(path.dirname(file), specifier));
      else packages.add(specifier);
    }
  };
  await visit(path.join(SDK, entry));
  return { files, packages };
}

describe("the SDK's browser entry", () => {
  test("package.json routes browsers to it", async () => {
    const pkg = JSON.parse(await fs.readFile(path.join(SDK, "package.json"), "utf8"));
    // First, so a bundler's browser condition wins over node/default; TypeScript with
    // customConditions ["browser"] gets the browser entry's types too.
    expect(Object.keys(pkg.exports["."])[0]).toBe("browser");
    expect(pkg.exports["."].browser).toEqual({ types: "./dist/browser.d.ts", default: "./dist/browser.js" });
    expect(pkg.exports["./browser"]).toEqual({ types: "./dist/browser.d.ts", default: "./dist/browser.js" });
  });

  test("never reaches a Node built-in or the Node-only parts", async () => {
    const { files, packages } = await importGraph("dist/browser.js");
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    expect([...packages].filter((p) => builtins.has(p) || p.startsWith("node:"))).toEqual([]);
    expect([...packages].sort()).toEqual(["@urql/core", "graphql-ws/client"]);
    expect([...files].filter((f) => f.includes(`${path.sep}node${path.sep}`))).toEqual([]);
  });

  test("the Node entry does reach the file-system parts (the scan sees imports)", async () => {
    const { packages } = await importGraph("dist/node/index.js");
    expect(packages).toContain("node:fs/promises");
    expect(packages).toContain("yaml");
  });
});
