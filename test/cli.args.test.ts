import fs from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import type { Globals } from "../cli/src/args.js";
import { HelpRequested, parse, splitCommand } from "../cli/src/args.js";
import { UsageError } from "../cli/src/output.js";
import { resolveSettings } from "../cli/src/settings.js";

describe("CLI argument parsing keeps no state of its own", () => {
  test("global options after the command go to the caller's receiver, each to its own", () => {
    const first: Partial<Globals>[] = [];
    const second: Partial<Globals>[] = [];
    const parsed = parse(["m1", "--url", "http://a/graphql", "--json"], { out: { type: "string" } }, "usage", {
      useGlobals: (g) => first.push(g),
    });
    parse(["--project", "p"], {}, "usage", { useGlobals: (g) => second.push(g) });
    expect(parsed.positionals).toEqual(["m1"]);
    expect(first).toEqual([{ url: "http://a/graphql", json: true }]);
    expect(second).toEqual([{ project: "p" }]);
  });

  test("--api-key, --url and --project given empty (an unset shell variable) are usage errors, before or after the command", () => {
    for (const args of [["--api-key", ""], ["--api-key="], ["--url", ""], ["--project="]]) {
      expect(() => parse(["m1", ...args], {}, "usage", { useGlobals: () => {} }), args.join(" ")).toThrow(/was given an empty value/);
      expect(() => splitCommand([...args, "ls"]), args.join(" ")).toThrow(UsageError);
    }
  });

  test("--help after the command stops it with its usage", () => {
    expect(() => parse(["--help"], {}, "homer rm NAME@VERSION", { useGlobals: () => {} })).toThrow(HelpRequested);
  });
});

describe("settings: flags, then the environment, then the stored login, then defaults", () => {
  const stored = { url: "http://registry.example:80/graphql", apiKey: "stored-key", project: "stored-project" };

  test("each setting from the first that has it; empty variables count as unset", () => {
    expect(resolveSettings({}, {}, stored)).toEqual(stored);
    expect(resolveSettings({}, { HOMER_API_KEY: "env-key", HOMER_PROJECT: "" }, stored)).toEqual({ ...stored, apiKey: "env-key" });
    expect(resolveSettings({ apiKey: "flag-key", project: "p" }, { HOMER_API_KEY: "env-key" }, stored)).toEqual({
      ...stored,
      apiKey: "flag-key",
      project: "p",
    });
    expect(resolveSettings({}, {}, null)).toEqual({ url: undefined, apiKey: undefined, project: undefined });
  });

  test("the stored key and project go only to the stored URL (compared as URLs)", () => {
    expect(resolveSettings({ url: "http://REGISTRY.example/graphql" }, {}, stored)).toMatchObject({ apiKey: "stored-key" });
    expect(resolveSettings({}, { HOMER_URL: "http://other.example/graphql" }, stored)).toEqual({
      url: "http://other.example/graphql",
      apiKey: undefined,
      project: undefined,
    });
    expect(resolveSettings({ url: "not a url" }, {}, stored)).toMatchObject({ url: "not a url", apiKey: undefined });
  });
});

test("--version reads the package.json beside the built code, as an installed package has it", async () => {
  // The built module in a package of another version: the answer is that package's.
  const root = await makeTempDir("homer-cli-version-");
  try {
    await fs.mkdir(path.join(root, "dist"));
    const built = await fs.readFile(new URL("../cli/dist/version.js", import.meta.url), "utf8");
    await fs.writeFile(path.join(root, "dist", "version.js"), built.replace(/^\/\/# sourceMappingURL=.*$/m, ""));
    await fs.writeFile(path.join(root, "package.json"), JSON.stringify({ name: "@homer/cli", version: "9.8.7-rc.1", type: "module" }));
    const { cliVersion } = (await import(pathToFileURL(path.join(root, "dist", "version.js")).href)) as {
      cliVersion: () => Promise<string>;
    };
    expect(await cliVersion()).toBe("9.8.7-rc.1");
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
