import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { HOMER, homer, type Run } from "./support/cli.js";
import { ConfigFileError, writeLogin } from "../cli/src/config-file.js";

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

  test("--api-key, --url or --project given empty is a usage error (exit 2), not a request without the stored key", async () => {
    for (const args of [
      ["ls", "--api-key", ""],
      ["--api-key=", "ls"],
      ["ls", "--url", ""],
      ["ls", "--project="],
    ]) {
      const run = await homer(args, clean);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(/^homer: --(api-key|url|project) was given an empty value/);
      expect(JSON.parse((await homer([...args, "--json"], clean)).stdout).error.code).toBe("USAGE");
    }
  });
});

describe("a stored login homer cannot read is refused naming the file (exit 2, CONFIG)", () => {
  let root: string;

  beforeAll(async () => {
    root = await makeTempDir("homer-cli-config-file-");
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  /** `homer ls` (text and --json) with the config file `write` makes, private as homer login leaves it. */
  async function lsWith(name: string, write: (file: string) => Promise<void>) {
    const config = path.join(root, name);
    const file = path.join(config, "homer", "config.json");
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await write(file);
    await fs.chmod(file, 0o600);
    const env = { XDG_CONFIG_HOME: config, HOMER_URL: "", HOMER_API_KEY: "", HOMER_PROJECT: "" };
    return { file, text: await homer(["ls"], env), json: await homer(["ls", "--json"], env) };
  }

  test("one far larger than a login (a few hundred bytes) is refused before it is read", async () => {
    // Sparse: no disk used. Read whole, it failed with "File size … is greater than 2 GiB" (exit 1),
    // and one of 600 MB took as much memory, then failed with "Invalid string length".
    const { file, text, json } = await lsWith("huge", (f) => fs.writeFile(f, "").then(() => fs.truncate(f, 3 * 2 ** 30)));
    expect(text.code).toBe(2);
    expect(text.stderr).toContain(`${file} is 3221225472 bytes`);
    expect(JSON.parse(json.stdout).error.code).toBe("CONFIG");
  });

  test("one that is not UTF-8 is refused as such; a UTF-8 byte order mark is no error", async () => {
    const latin1 = await lsWith("latin1", (f) =>
      fs.writeFile(f, Buffer.from('{"url":"http://127.0.0.1:9/graphql","apiKey":"hmr_caf\xe9"}', "latin1")),
    );
    expect(latin1.text.code).toBe(2);
    expect(latin1.text.stderr).toContain(`${latin1.file}: not UTF-8 text`);
    expect(JSON.parse(latin1.json.stdout).error.code).toBe("CONFIG");
    // As Notepad saves it: the key and URL are read (port 9 refuses: exit 6, not a config error).
    const bom = await lsWith("bom", (f) => fs.writeFile(f, '\ufeff{"url":"http://127.0.0.1:9/graphql","apiKey":"hmr_x"}'));
    expect(bom.text.code).toBe(6);
  });
});

/** `homer ARGS` run in `cwd` with HOME set to `home` and no XDG_CONFIG_HOME. */
function homerIn(cwd: string, home: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: "", HOMER_URL: "", HOMER_API_KEY: "hmr_mine", HOMER_PROJECT: "" };
    const child = spawn(HOMER, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

test("with HOME empty or relative (and no XDG_CONFIG_HOME) no login is read, and login and logout refuse: never the current directory's .config", async () => {
  // It was .config/homer/config.json under the current directory: a project's (a tarball keeps its
  // 0600), whose URL then got the key from HOMER_API_KEY, and where homer login wrote the key.
  const project = await makeTempDir("homer-cli-project-");
  try {
    const planted = path.join(project, ".config", "homer", "config.json");
    await fs.mkdir(path.dirname(planted), { recursive: true, mode: 0o700 });
    await fs.writeFile(planted, JSON.stringify({ url: "http://127.0.0.1:9/graphql", apiKey: "hmr_planted" }), { mode: 0o600 });
    for (const home of ["", "."]) {
      // No login is stored: the key from the environment goes to the default URL, not the planted one.
      expect((await homerIn(project, home, ["ls"])).stderr).not.toContain("127.0.0.1:9");
      for (const args of [["login"], ["logout"]]) {
        const run = await homerIn(project, home, args);
        expect(run.code, JSON.stringify([home, args])).toBe(2);
        expect(run.stderr).toMatch(/set HOME or XDG_CONFIG_HOME to an absolute path/);
      }
    }
    expect(await fs.readFile(planted, "utf8")).toContain("hmr_planted"); // logout left it
  } finally {
    await fs.rm(project, { recursive: true, force: true });
  }
});

test("a config path that is a directory: ls says to remove it; logout and login's write refuse it (exit 2), naming it", async () => {
  const config = await makeTempDir("homer-cli-config-dir-");
  try {
    const file = path.join(config, "homer", "config.json");
    await fs.mkdir(file, { recursive: true, mode: 0o700 });
    const env = { XDG_CONFIG_HOME: config, HOMER_URL: "", HOMER_API_KEY: "", HOMER_PROJECT: "" };
    expect((await homer(["ls"], env)).stderr).toContain(`${file} is not a file; remove it, then run homer login`);
    // It was EISDIR from unlink and rename: exit 1, with no word of what to do.
    const logout = await homer(["logout", "--json"], env);
    expect(logout.code).toBe(2);
    expect(JSON.parse(logout.stdout).error).toEqual({ code: "CONFIG", message: `${file} is not a file; remove it yourself` });
    const written = writeLogin({ url: "http://127.0.0.1:9/graphql", apiKey: "hmr_x" }, file);
    await expect(written).rejects.toThrow(ConfigFileError);
    await expect(written).rejects.toThrow(`${file} is not a file; remove it yourself`);
    expect(await fs.readdir(path.dirname(file))).toEqual(["config.json"]); // no temporary file left
  } finally {
    await fs.rm(config, { recursive: true, force: true });
  }
});
