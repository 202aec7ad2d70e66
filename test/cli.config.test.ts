import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { homer } from "./support/cli.js";

/** The CLI's settings before any request: what it refuses, and how it says so. No gateway is needed. */
describe("homer's gateway URL and stored login, checked before any request", () => {
  let root: string;
  let clean: Record<string, string>;

  beforeAll(async () => {
    root = await makeTempDir("homer-cli-config-");
    clean = { XDG_CONFIG_HOME: path.join(root, "xdg"), HOMER_URL: "", HOMER_API_KEY: "", HOMER_PROJECT: "" };
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  test("a URL that is not absolute http(s), or that holds user:password@, is a usage error (exit 2) that never shows the password", async () => {
    for (const [args, env, from] of [
      [["ls"], { HOMER_URL: "localhost:4000/graphql" }, "HOMER_URL"],
      [["ls"], { HOMER_URL: "ftp://registry.example/graphql" }, "HOMER_URL"],
      [["ls", "--url", ""], {}, "--url"],
      [["ls", "--url", "http://alice:s3cret@127.0.0.1:9/graphql"], {}, "--url"],
      [["ls"], { HOMER_URL: "https://alice:s3cret@127.0.0.1:9/graphql" }, "HOMER_URL"],
      [["login", "--api-key", "hmr_x"], { HOMER_URL: "http://alice:s3cret@127.0.0.1:9/graphql" }, "HOMER_URL"],
      [["login", "--url", "alice:s3cret@127.0.0.1:9/graphql", "--api-key", "hmr_x"], {}, "--url"],
    ] as const) {
      const run = await homer([...args], { ...clean, ...env });
      const what = JSON.stringify([args, env]);
      expect(run.code, what).toBe(2);
      expect(run.stderr, what).toContain(`homer: ${from} must be`);
      expect(run.stderr, what).not.toContain("s3cret");
      const json = await homer([...args, "--json"], { ...clean, ...env });
      expect(JSON.parse(json.stdout).error.code, what).toBe("USAGE");
      expect(json.stdout, what).not.toContain("s3cret");
    }
  });
});
