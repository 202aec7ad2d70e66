import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { HOMER, homer, NO_LOGIN } from "./support/cli.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";
import { sha256 } from "./support/files.js";
import { waitFor } from "./support/wait.js";

/**
 * A proxy in front of the gateway at `origin` that the CLI is pointed at: `files` passes each
 * download's answer on (`answer.pipe(res)` as it is, or held, or cut); it counts the downloads
 * in flight and keeps the Range each asked for.
 */
async function downloadProxy(origin: string, files: (answer: http.IncomingMessage, res: http.ServerResponse) => void) {
  const ranges: (string | undefined)[] = [];
  let open = 0;
  let most = 0;
  const proxy = http.createServer((req, res) => {
    const file = req.url!.startsWith("/files/");
    if (file) {
      ranges.push(req.headers.range);
      most = Math.max(most, ++open);
      res.once("close", () => open--);
    }
    const upstream = http.request(`${origin}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      if (file) files(answer, res);
      else answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return {
    env: { HOMER_URL: `http://127.0.0.1:${(proxy.address() as { port: number }).port}/graphql` },
    ranges,
    /** The most downloads in flight at once since the last call. */
    most: () => [most, (most = 0)][0]!,
    close: () => {
      proxy.closeAllConnections();
      proxy.close();
    },
  };
}

describe("homer CLI", () => {
  let gw: ChildGateway;
  let root: string;
  let env: Record<string, string>;
  const weights = randomBytes(300_000);

  beforeAll(async () => {
    root = await makeTempDir("homer-cli-");
    gw = await startChildGateway({ env: { HOMER_DATA_DIR: path.join(root, ".homer") } });
    env = { HOMER_URL: `${gw.origin}/graphql` };
    await fs.mkdir(path.join(root, "model", "sub"), { recursive: true });
    await fs.writeFile(path.join(root, "model", "model.onnx"), weights);
    await fs.writeFile(path.join(root, "model", "sub", "vocab.txt"), "a b c");
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("push registers a directory with metrics; --json is machine-readable", async () => {
    const first = await homer(
      ["push", path.join(root, "model"), "--name", "mnist", "--metric", "accuracy=0.91", "-m", "loss=0.3", "--description", "baseline"],
      env,
    );
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(first.stdout).toMatch(/pushed mnist@1 \(2 files/);
    const second = await homer(
      ["push", path.join(root, "model"), "--name", "mnist", "--metric", "accuracy=0.97", "--tag", "owner=ml", "--json"],
      env,
    );
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      name: "mnist",
      version: 2,
      metrics: { accuracy: 0.97 },
      framework: "ONNX",
      files: 2,
    });
    const third = await homer(["--json", "push", path.join(root, "model"), "--name", "mnist", "--metric", "loss=0.1"], env);
    expect(JSON.parse(third.stdout).version).toBe(3);
  });

  test("counts read as English: 1 file, 2 files", async () => {
    await fs.mkdir(path.join(root, "single"), { recursive: true });
    await fs.writeFile(path.join(root, "single", "model.pt"), "w");
    const pushed = await homer(["push", path.join(root, "single"), "--name", "single"], env);
    expect(pushed.stdout).toMatch(/pushed single@1 \(1 file, 1 B\)/);
  });

  test("ls prints a table sorted by a metric, missing last; --asc flips it", async () => {
    const table = await homer(["ls", "mnist", "--sort", "accuracy"], env);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^VERSION\s+ACCURACY\s+LOSS\s+FRAMEWORK\s+SIZE\s+CREATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ["2", "0.97", "-"],
      ["1", "0.91", "0.3"],
      ["3", "-", "0.1"],
    ]);
    const asc = await homer(["ls", "mnist", "--sort", "accuracy", "--asc", "--json"], env);
    expect(JSON.parse(asc.stdout).map((m: { version: number }) => m.version)).toEqual([1, 2, 3]);
    expect((await homer(["ls", "nothing-here"], env)).stdout).toMatch(/no versions of nothing-here/);
  });

  test("ls without a name lists the project's models; --search finds them by a name prefix in any case", async () => {
    const listed = await homer(["ls"], env);
    expect(listed).toMatchObject({ code: 0, stderr: "" });
    const lines = listed.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+VERSIONS\s+LATEST\s+CREATED\s+UPDATED$/);
    const stamp = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
      ["mnist", "3", "3", stamp, stamp],
      ["single", "1", "1", stamp, stamp],
    ]);
    const json = await homer(["ls", "--search", "MN", "--json"], env);
    const iso = expect.stringMatching(/Z$/);
    expect(JSON.parse(json.stdout)).toEqual([
      { project: "default", name: "mnist", versionCount: 3, latestVersion: 3, latestCreatedAt: iso, createdAt: iso, updatedAt: iso },
    ]);
    expect(await homer(["ls", "--search", "mnist%"], env)).toMatchObject({ code: 0, stdout: 'no models start with "mnist%"\n' });
    const contains = await homer(["ls", "--contains", "NGL", "--json"], env);
    expect(JSON.parse(contains.stdout).map((f: { name: string }) => f.name)).toEqual(["single"]);
    expect(await homer(["ls", "--contains", "x%"], env)).toMatchObject({ code: 0, stdout: 'no models contain "x%"\n' });
    // single was registered after mnist's last version: the most recently changed comes first.
    const recent = await homer(["ls", "--sort", "updated", "--json"], env);
    expect(JSON.parse(recent.stdout).map((f: { name: string }) => f.name)).toEqual(["single", "mnist"]);
    const byName = await homer(["ls", "--sort", "name", "--json"], env);
    expect(JSON.parse(byName.stdout).map((f: { name: string }) => f.name)).toEqual(["mnist", "single"]);
    expect((await homer(["ls", "--project", "empty-project"], env)).stdout).toBe("no models in project empty-project\n");
    const hostile = await homer(["ls", "--search", "mn\u202Eist"], env);
    expect(hostile.code).toBe(2);
    expect(hostile.stderr).toMatch(/search .*control character.*\[BAD_USER_INPUT\]/);
    expect(hostile.stderr).not.toContain("\u202E");
    expect((await homer(["ls", "--search", "m".repeat(10_000)], env)).code).toBe(2);
  });

  test("pull fetches @best:METRIC, @VERSION or the latest, byte for byte", async () => {
    const out = path.join(root, "pulled");
    const best = await homer(["pull", "mnist@best:accuracy", "--out", out], env);
    expect(best).toMatchObject({ code: 0 });
    expect(best.stdout).toMatch(/pulled mnist@2 into/);
    expect(sha256(await fs.readFile(path.join(out, "model.onnx")))).toBe(sha256(weights));
    expect(await fs.readFile(path.join(out, "sub", "vocab.txt"), "utf8")).toBe("a b c");
    const latest = await homer(["pull", "mnist", "--out", path.join(root, "latest"), "--json"], env);
    expect(JSON.parse(latest.stdout)).toMatchObject({ version: 3, dir: path.join(root, "latest") });
    const exact = await homer(["pull", "mnist@1", "--out", path.join(root, "v1")], env);
    expect(exact.stdout).toMatch(/mnist@1/);
  });

  test("pull --jobs takes a whole number from 1 to 16 (else it asks nothing) and is how many files download at once", async () => {
    for (const jobs of ["0", "17", "x", "-1", "2.5", "", "99999999999999999999", "1e1", "\u001b[2J4"]) {
      const run = await homer(["pull", "mnist", "--jobs", jobs, "--out", path.join(root, "never")], env);
      expect(run.code, jobs).toBe(2);
      expect(run.stderr, jobs).toMatch(/--jobs/);
      expect(run.stderr, jobs).not.toContain("\u001b");
    }
    await expect(fs.stat(path.join(root, "never"))).rejects.toThrow();
    // mnist@2 has two files; each answer held 150 ms, so that files asked at once overlap.
    const proxy = await downloadProxy(gw.origin, (answer, res) => void setTimeout(() => answer.pipe(res), 150));
    try {
      const one = await homer(["pull", "mnist@2", "-j", "1", "--out", path.join(root, "one-job")], proxy.env);
      expect(one.code).toBe(0);
      expect(proxy.most()).toBe(1);
      expect(sha256(await fs.readFile(path.join(root, "one-job", "model.onnx")))).toBe(sha256(weights));
      expect((await homer(["pull", "mnist@2", "--out", path.join(root, "default-jobs")], proxy.env)).code).toBe(0);
      expect(proxy.most()).toBe(2);
    } finally {
      proxy.close();
    }
  });

  test("Ctrl-C stops a pull with exit 130 and keeps what arrived; the same pull resumes after it", async () => {
    const big = randomBytes(8 * 1024 * 1024);
    await fs.mkdir(path.join(root, "big-model"));
    await fs.writeFile(path.join(root, "big-model", "weights.bin"), big);
    expect((await homer(["push", path.join(root, "big-model"), "--name", "bigpull"], env)).code).toBe(0);
    // While `stall` holds, a file's first 2 MiB go through and then nothing.
    let stall = true;
    let sent = 0;
    const proxy = await downloadProxy(gw.origin, (answer, res) => {
      if (!stall) return void answer.pipe(res);
      answer.on("data", (chunk: Buffer) => {
        if (sent >= 2 * 1024 * 1024) return void answer.pause();
        sent += chunk.length;
        res.write(chunk);
      });
    });
    const { ranges, env: through } = proxy;
    const out = path.join(root, "interrupted");
    const part = path.join(out, `weights.bin.${sha256(big).slice(0, 16)}.homer-part`);
    try {
      const child = spawn(HOMER, ["pull", "bigpull", "--out", out], { env: { ...process.env, XDG_CONFIG_HOME: NO_LOGIN, ...through } });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      // Stalled: the first 2 MiB are through, the first MiB of them written.
      await waitFor("the part's first batch", async () => ((await fs.stat(part).catch(() => null))?.size ?? 0) >= 1024 * 1024);
      await waitFor("the stall", () => sent >= 2 * 1024 * 1024);
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/was aborted; what arrived is kept, and a download into the same folder resumes it \[ABORTED\]/);
      const kept = (await fs.stat(part)).size;
      expect(kept).toBeGreaterThanOrEqual(1024 * 1024);
      expect(kept).toBeLessThanOrEqual(sent);
      await expect(fs.stat(path.join(out, "weights.bin"))).rejects.toThrow();

      stall = false;
      const again = await homer(["pull", "bigpull", "--out", out], through);
      expect(again.code).toBe(0);
      expect(ranges).toEqual([undefined, `bytes=${kept}-`]);
      expect(sha256(await fs.readFile(path.join(out, "weights.bin")))).toBe(sha256(big));
    } finally {
      proxy.close();
    }
  });

  test("rm deletes a version; errors have meaningful exit codes", async () => {
    expect(await homer(["rm", "mnist@1"], env)).toMatchObject({ code: 0, stdout: "deleted mnist@1\n" });
    const again = await homer(["rm", "mnist@1"], env);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/not found \[NOT_FOUND\]/);
    const json = await homer(["rm", "mnist@1", "--json"], env);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: "NOT_FOUND", message: expect.stringMatching(/not found/) } });
    expect((await homer(["pull", "mnist@best:f1"], env)).code).toBe(3);
    expect((await homer(["push", path.join(root, "model"), "--name", "mnist", "--version", "2"], env)).code).toBe(4);
    expect((await homer(["ls", "mnist"], { HOMER_URL: "http://127.0.0.1:9/graphql" })).code).toBe(6);
  });

  test.each([
    [["push", "dir-only"]],
    [["push", "a", "b", "--name", "x"]],
    [["push", "d", "--name", "x", "--metric", "acc"]],
    [["push", "d", "--name", "x", "--metric", "acc=high"]],
    [["push", "d", "--name", "x", "--version", "v2"]],
    [["push", "d", "--name", "x", "--version", "0"]],
    [["push", "d", "--name", "x", "--version", "99999999999999999999"]],
    [["alias", "set", "mnist", "prod", "99999999999999999999"]],
    [["alias", "set", "mnist", "prod", "0"]],
    [["lineage", "mnist", "0"]],
    [["lineage", "mnist", "9007199254740993"]],
    [["watch", "mnist", "--count", "0"]],
    [["rm", "mnist"]],
    [["ls", "mnist", "--nope"]],
    [["ls", "mnist", "--search", "m"]],
    [["ls", "--sort", "accuracy"]],
    [["ls", "--asc"]],
    [["ls", "--search", "m", "--contains", "n"]],
    [["ls", "mnist", "--contains", "m"]],
    [["ls", "a", "b"]],
    [["completion"]],
    [["completion", "fish"]],
    [["login", "extra"]],
    [["login", "--url", "ftp://example.com/graphql", "--api-key", "k"]],
    [["logout", "extra"]],
    [["ls", "--version"]],
    [["frobnicate"]],
    [[]],
  ])("usage errors exit 2 without touching the registry: %j", async (args) => {
    const run = await homer(args, { HOMER_URL: "http://127.0.0.1:9/graphql" });
    expect(run.code).toBe(2);
    expect(run.stderr + run.stdout).toMatch(/usage|unknown command|Usage|homer:/);
  });

  test("watch prints events line by line (NDJSON with --json) and stops after --count", async () => {
    const child = spawn(HOMER, ["watch", "watched", "--count", "2", "--json"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    let running = true;
    void exited.then(() => (running = false));
    // No subscribe is acknowledged: push until two events were printed and watch exits.
    for (let i = 0; running && i < 40; i++) {
      await homer(["push", path.join(root, "model"), "--name", "watched", "--metric", `acc=${i}`], env);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await exited).toBe(0);
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ type: "CREATED", project: "default", name: "watched", metrics: { acc: expect.any(Number) } });
    expect(lines[1].version).toBe(lines[0].version + 1);
    const bad = await homer(["watch", "not a name"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/BAD_USER_INPUT/);
  });

  test("global options anywhere, but never taken from a command's values", async () => {
    const pushed = await homer(["push", path.join(root, "model"), "--name", "flags", "--description=--json -h", "--json"], env);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ name: "flags", version: 1 });
    const listed = await homer(["ls", "flags", "--json", "--url", env.HOMER_URL!], {});
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({ name: "flags" });
    const ambiguous = await homer(["push", path.join(root, "model"), "--name", "flags", "--description", "-h"], env);
    expect(ambiguous.code).toBe(2);
    const bare = await homer(["--json"], env);
    expect(bare.code).toBe(2);
    expect(JSON.parse(bare.stdout).error.code).toBe("USAGE");
  });

  test("a config file that is a FIFO is refused at once, not waited on", async () => {
    const config = path.join(root, "xdg-fifo");
    const file = path.join(config, "homer", "config.json");
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    spawnSync("mkfifo", ["-m", "600", file]);
    const run = homer(["ls"], { ...env, XDG_CONFIG_HOME: config });
    const settled = await Promise.race([run, new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000))]);
    // A run still waiting to open it for reading is let go by a writer.
    if (settled === null) await (await fs.open(file, "w")).close();
    expect(settled).not.toBeNull();
    expect(await run).toMatchObject({ code: 2, stdout: "" });
    expect((await run).stderr).toMatch(/config\.json is not a file/);
  });

  test("--help everywhere", async () => {
    const top = await homer(["--help"]);
    expect(top.code).toBe(0);
    for (const command of ["push", "ls", "pull", "rm", "serve", "login", "logout", "completion"]) expect(top.stdout).toContain(command);
    for (const command of ["push", "ls", "pull", "rm", "login", "logout", "completion"]) {
      const help = await homer([command, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`usage: homer ${command}`));
    }
    const login = await homer(["login", "--help"]);
    expect(login.stdout).toMatch(
      /1\. flags.*\n.*2\. environment variables \(HOMER_URL, HOMER_API_KEY, HOMER_PROJECT.*\n.*3\. this config file\n.*4\. defaults/,
    );
    const serve = await homer(["serve", "--help"]);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toMatch(/HOMER_DATABASE_URL/);
  });

  test("--version and -V print the CLI's version from its package.json, with no registry", async () => {
    const { version } = JSON.parse(await fs.readFile(new URL("../cli/package.json", import.meta.url), "utf8"));
    const dead = { HOMER_URL: "http://127.0.0.1:9/graphql" };
    expect(await homer(["--version"], dead)).toEqual({ code: 0, stdout: `homer ${version}\n`, stderr: "" });
    expect(await homer(["-V"], dead)).toEqual({ code: 0, stdout: `homer ${version}\n`, stderr: "" });
    expect(JSON.parse((await homer(["--json", "-V"], dead)).stdout)).toEqual({ version });
  });

  test("bash completes commands, options, actions, directories and model names with the script homer prints", async () => {
    // As bash calls it: the line up to the cursor, and its words (which bash also splits at : and =).
    const asBash = `COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))`;
    const complete = (...words: string[]) => completeWith(asBash, ...words);
    // As the brief's one-liner does: the words alone.
    const completeWords = (...words: string[]) => completeWith(`COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))`, ...words);
    const completeWith = (setup: string, ...words: string[]) =>
      new Promise<string[]>((resolve, reject) => {
        const script = `source <("$HOMER" completion bash); ${setup}; _homer; printf '%s\\n' "\${COMPREPLY[@]}"`;
        const child = spawn("bash", ["-c", script, "complete", "homer", ...words], {
          env: { ...process.env, ...env, HOMER, PATH: `${path.dirname(HOMER)}:${process.env.PATH}` },
          cwd: root,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.once("error", reject);
        child.once("exit", (code) => (code === 0 && err === "" ? resolve(out.split("\n").filter(Boolean).sort()) : reject(new Error(err))));
      });
    expect(await complete("p")).toEqual(["projects", "pull", "push"]);
    expect(await completeWords("p")).toEqual(["projects", "pull", "push"]);
    expect(await completeWords("keys", "")).toEqual(["create", "list", "revoke"]);
    expect(await complete("lo")).toEqual(["login", "logout"]);
    expect(await complete("--pro")).toEqual(["--project"]);
    expect(await complete("--project", "x", "l")).toEqual(["lineage", "login", "logout", "ls"]);
    expect(await complete("ls", "--s")).toEqual(["--search", "--since", "--sort"]);
    expect(await complete("push", "model", "--me")).toEqual(["--metric"]);
    expect(await complete("keys", "")).toEqual(["create", "list", "revoke"]);
    expect(await complete("completion", "")).toEqual(["bash", "zsh"]);
    expect(await complete("push", "mo")).toEqual(["model"]);
    expect(await complete("pull", "mnist", "--out", "sin")).toEqual(["single"]);
    // Model names come from the registry this line (or the environment) names.
    expect(await complete("pull", "")).toEqual(expect.arrayContaining(["mnist", "single"]));
    expect(await complete("--url", env.HOMER_URL!, "rm", "mn")).toEqual(["mnist"]);
    expect(await complete(`--url=${env.HOMER_URL!}`, "rm", "mn")).toEqual(["mnist"]);
    expect(await complete("--url", "http://127.0.0.1:9/graphql", "rm", "mn")).toEqual([]);
    expect(await complete("push", "--name", "")).toEqual([]);
  });

  test("the zsh script parses (when zsh is installed)", async () => {
    const zsh = ["/usr/bin/zsh", "/bin/zsh"].find((p) => existsSync(p));
    const script = await homer(["completion", "zsh"]);
    expect(script.stdout).toMatch(/^#compdef homer\n/);
    expect(script.stdout).toContain("'*--metric:metric:'");
    // CI installs zsh (.ci/run); elsewhere the script's text is all that is checked.
    if (!zsh && !process.env.CI) return;
    expect(zsh, "zsh is installed in CI").toBeDefined();
    const parsed = spawnSync(zsh!, ["-n"], { input: script.stdout, encoding: "utf8" });
    expect(parsed.status, parsed.stderr).toBe(0);
    // Loaded as a user's ~/.zshrc would: compinit, then the script defines and registers _homer.
    const file = path.join(root, "_homer.zsh");
    await fs.writeFile(file, script.stdout);
    const loaded = spawnSync(
      zsh!,
      ["-f", "-c", `autoload -U compinit && compinit -u -D && source ${file} && whence -w _homer && print -r -- $_comps[homer]`],
      {
        encoding: "utf8",
        env: { ...process.env, HOME: root },
      },
    );
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(loaded.stdout).toBe("_homer: function\n_homer\n");
  });

  test("serve runs the gateway and drains on SIGTERM", async () => {
    const child = spawn(HOMER, ["serve", "--port", "0"], {
      env: { ...process.env, HOMER_DATA_DIR: path.join(root, "served") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let err = "";
      child.stderr.on("data", (d) => {
        err += d;
        const match = /serving GraphQL at (\S+)/.exec(err);
        if (match) resolve(match[1]!);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const ls = await homer(["ls", "anything", "--json"], { HOMER_URL: url });
    expect(JSON.parse(ls.stdout)).toEqual([]);
    child.kill("SIGTERM");
    expect(await new Promise((resolve) => child.once("exit", resolve))).toBe(0);
  });
});

describe("homer with API keys", () => {
  let root: string;
  let admin: string;
  let env: Record<string, string>;
  let openUrl: string;

  beforeAll(async () => {
    const { generateKey } = await import("../gateway/src/access/api-key.js");
    admin = generateKey().token;
    root = await makeTempDir("homer-cli-keys-");
    const gw = await startChildGateway({ env: { HOMER_DATA_DIR: path.join(root, ".homer"), HOMER_ADMIN_KEY: admin } });
    env = { HOMER_URL: `${gw.origin}/graphql`, HOMER_API_KEY: "" };
    // A second gateway, without keys: a key sent to it by mistake is refused (UNAUTHENTICATED).
    openUrl = `${(await startChildGateway({ env: { HOMER_DATA_DIR: path.join(root, ".homer-open") } })).origin}/graphql`;
    await fs.mkdir(path.join(root, "model"));
    await fs.writeFile(path.join(root, "model", "w.bin"), "weights");
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("projects and keys: create, use, list, revoke; UNAUTHENTICATED and FORBIDDEN exit 5", async () => {
    const noKey = await homer(["ls", "m"], env);
    expect(noKey.code).toBe(5);
    expect(noKey.stderr).toMatch(/API key is required.*\[UNAUTHENTICATED\]/);
    expect((await homer(["--api-key", admin, "projects", "create", "vision"], env)).stdout).toBe("created project vision\n");
    const created = await homer(["--api-key", admin, "--json", "keys", "create", "--name", "ci", "--grant", "vision:write"], env);
    expect(created.code).toBe(0);
    const { id, secret, grants } = JSON.parse(created.stdout);
    expect(grants).toEqual([{ project: "vision", role: "write" }]);
    const withKey = { ...env, HOMER_API_KEY: secret };
    expect((await homer(["push", path.join(root, "model"), "--name", "detector"], withKey)).stdout).toMatch(/pushed detector@1/);
    expect((await homer(["ls", "detector", "--json"], withKey)).stdout).toMatch(/"project":"vision"/);
    const forbidden = await homer(["--project", "default", "ls", "detector"], withKey);
    expect(forbidden.code).toBe(5);
    expect(forbidden.stderr).toMatch(/\[FORBIDDEN\]/);
    expect((await homer(["projects", "create", "other"], withKey)).code).toBe(5);
    const list = await homer(["--api-key", admin, "keys", "list"], env);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+ci\\s+vision:write\\s+active`));
    expect(list.stdout).not.toContain(secret);
    expect((await homer(["--api-key", admin, "keys", "revoke", id], env)).stdout).toBe(`revoked key ${id}\n`);
    const revoked = await homer(["ls", "detector"], withKey);
    expect(revoked.code).toBe(5);
    expect(revoked.stderr).toMatch(/revoked/);
    expect((await homer(["--api-key", admin, "keys", "create", "--name", "x", "--grant", "vision:owner"], env)).code).toBe(2);
  });

  test("login checks the key, then stores URL, key and project privately; flags > env > file; logout forgets", async () => {
    const created = await homer(["--api-key", admin, "--json", "keys", "create", "--name", "laptop", "--grant", "vision:read"], env);
    const { secret } = JSON.parse(created.stdout);
    const config = path.join(root, "xdg");
    const file = path.join(config, "homer", "config.json");
    const url = env.HOMER_URL!;
    // No URL, key or project from the environment unless a run says so.
    const clean = { XDG_CONFIG_HOME: config, HOMER_URL: "", HOMER_API_KEY: "", HOMER_PROJECT: "" };
    const absent = () =>
      fs.stat(file).then(
        () => "present",
        (e) => e.code,
      );

    const unknownKey = await homer(["login", "--url", url, "--api-key", `${secret.slice(0, -4)}AAAA`], clean);
    expect(unknownKey.code).toBe(5);
    expect(unknownKey.stderr).toMatch(/unknown API key \[UNAUTHENTICATED\]/);
    const notItsProject = await homer(["login", "--url", url, "--project", "default"], clean, `${secret}\n`);
    expect(notItsProject.code).toBe(5);
    expect(notItsProject.stderr).toMatch(/\[FORBIDDEN\]/);
    expect((await homer(["login", "--url", url], clean)).code).toBe(2); // no key anywhere: stdin is empty
    for (const [args, input] of [
      [["--api-key", "hmr_\u001b[2Jx"], undefined],
      [["--api-key", "hmr_a b"], undefined],
      [[], "hmr_a\u0000b\n"],
      [[], "hmr_a\nhmr_b\n"],
    ] as const) {
      const refused = await homer(["login", "--url", url, ...args], clean, input);
      expect(refused.code, JSON.stringify([args, input])).toBe(2);
      expect(refused.stderr).toMatch(/not an API key/);
    }
    expect((await homer(["login", "--url", "http://127.0.0.1:9/graphql", "--api-key", secret], clean)).code).toBe(6);
    expect(await absent()).toBe("ENOENT");

    // The key piped on stdin; never printed.
    const login = await homer(["login", "--url", url, "--project", "vision"], clean, `${secret}\n`);
    expect(login).toMatchObject({ code: 0, stderr: "" });
    expect(login.stdout).toBe(`logged in to ${url} (project vision); saved to ${file}\n`);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await fs.readFile(file, "utf8"))).toEqual({ url, apiKey: secret, project: "vision" });
    expect((await fs.readdir(path.dirname(file))).filter((f) => f !== "config.json")).toEqual([]); // no temporary file left

    // Logging in again replaces the key; URL and project default to the stored ones.
    const again = await homer(["login", "--json"], clean, secret);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ url, project: "vision", config: file });

    // The file alone: its URL, key and project.
    const listed = await homer(["ls", "--json"], clean);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((f: { name: string }) => f.name)).toEqual(["detector"]);
    // The environment wins over the file: its key (unknown), its project (not the key's).
    expect((await homer(["ls"], { ...clean, HOMER_API_KEY: "hmr_bogus" })).code).toBe(5);
    expect((await homer(["ls"], { ...clean, HOMER_PROJECT: "default" })).stderr).toMatch(/may not read project "default" \[FORBIDDEN\]/);
    // Flags win over the environment.
    expect((await homer(["ls", "--api-key", secret], { ...clean, HOMER_API_KEY: "hmr_bogus" })).code).toBe(0);
    expect((await homer(["ls", "--project", "vision"], { ...clean, HOMER_PROJECT: "default" })).code).toBe(0);
    // Another URL gets no stored key (the open gateway would refuse one), nor the stored project.
    const elsewhere = await homer(["ls", "--json"], { ...clean, HOMER_URL: openUrl });
    expect(elsewhere).toMatchObject({ code: 0, stdout: "[]\n" });
    expect((await homer(["--url", openUrl, "ls", "--json"], clean)).code).toBe(0);

    // Others may read it: refused, as ssh refuses such a key file; so is a corrupt file.
    await fs.chmod(file, 0o644);
    const exposed = await homer(["ls"], clean);
    expect(exposed.code).toBe(2);
    expect(exposed.stderr).toContain(`${file} is accessible by others (mode 0644) and holds an API key: run chmod 600 ${file}`);
    expect(JSON.parse((await homer(["ls", "--json"], clean)).stdout).error.code).toBe("CONFIG");
    // Commands that need no registry do not read it.
    expect((await homer(["completion", "bash"], clean)).code).toBe(0);
    await fs.chmod(file, 0o600);
    await fs.writeFile(file, '{"url": "http://x", ');
    const corrupt = await homer(["ls"], clean);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/config\.json: not valid JSON .*homer logout/);
    // login replaces a file the commands refuse.
    expect((await homer(["login", "--url", url, "--api-key", secret], clean)).code).toBe(0);
    expect(JSON.parse(await fs.readFile(file, "utf8"))).toEqual({ url, apiKey: secret });
    await fs.writeFile(file, JSON.stringify({ url: "file:///etc/passwd", apiKey: secret }));
    expect((await homer(["ls"], clean)).stderr).toMatch(/"url" must be an http\(s\) URL/);
    await fs.rm(file);
    await fs.mkdir(file);
    expect((await homer(["ls"], clean)).stderr).toMatch(/config\.json is not a file/);
    await fs.rmdir(file);
    await fs.writeFile(file, "{}", { mode: 0o600 });

    expect(await homer(["logout"], clean)).toEqual({ code: 0, stdout: `logged out: removed ${file}\n`, stderr: "" });
    expect(await absent()).toBe("ENOENT");
    expect((await homer(["logout", "--json"], clean)).stdout).toBe(`${JSON.stringify({ removed: false, config: file })}\n`);
    expect((await homer(["ls"], { ...clean, HOMER_URL: url })).code).toBe(5); // no key any more
  });

  // util-linux script(1) gives homer a pseudo-terminal.
  test.skipIf(!existsSync("/usr/bin/script"))("on a terminal, login prompts for the key without echoing it", async () => {
    const created = await homer(["--api-key", admin, "--json", "keys", "create", "--name", "tty", "--grant", "vision:read"], env);
    const { secret } = JSON.parse(created.stdout);
    const config = path.join(root, "xdg-tty");
    // Our writes to script's stdin are what is typed on homer's terminal.
    const child = spawn("script", ["-qec", `${HOMER} login --url ${env.HOMER_URL}`, "/dev/null"], {
      env: { ...process.env, XDG_CONFIG_HOME: config, HOMER_API_KEY: "", HOMER_PROJECT: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    const prompted = new Promise<void>((resolve) =>
      child.stdout.on("data", (d) => {
        output += d;
        if (output.includes("API key for")) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await prompted;
    // Typed once raw mode is on: an arrow key, a key pasted in a terminal with bracketed
    // paste on, left and right (Ctrl+Left too), Home as SS3, then Enter. The keys' escape
    // sequences are no part of the key.
    child.stdin.write(`\u001b[A\u001b[200~${secret.slice(0, 6)}`);
    child.stdin.write(`\u001b[D\u001b[1;5D\u001b[C\u001bOH${secret.slice(6)}\u001b[201~\r`);
    expect(await exited).toBe(0);
    expect(output).toMatch(/logged in to /);
    expect(output).not.toContain(secret);
    expect(JSON.parse(await fs.readFile(path.join(config, "homer", "config.json"), "utf8")).apiKey).toBe(secret);
  });

  test.skipIf(!existsSync("/usr/bin/script"))(
    "on a terminal, Enter and Ctrl+C right after Esc (or in an unfinished sequence) still end the hidden prompt",
    async () => {
      expect((await homer(["--api-key", admin, "projects", "create", "tty-esc"], env)).code).toBe(0);
      const created = await homer(["--api-key", admin, "--json", "keys", "create", "--name", "tty-esc", "--grant", "tty-esc:read"], env);
      const { secret } = JSON.parse(created.stdout) as { secret: string };
      expect(secret).toMatch(/^hmr_/);
      /** `homer login` on a pseudo-terminal, typed `typed` once it prompts: its exit code, or "hung" if it is still waiting after 10 s. */
      const login = async (config: string, typed: string) => {
        const child = spawn("script", ["-qec", `${HOMER} login --url ${env.HOMER_URL}`, "/dev/null"], {
          env: { ...process.env, XDG_CONFIG_HOME: config, HOMER_API_KEY: "", HOMER_PROJECT: "" },
          stdio: ["pipe", "pipe", "pipe"],
        });
        let output = "";
        await new Promise<void>((resolve) =>
          child.stdout.on("data", (d) => {
            output += d;
            if (output.includes("API key for")) resolve();
          }),
        );
        const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
        child.stdin.write(typed);
        let timer: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([exited, new Promise<"hung">((resolve) => (timer = setTimeout(resolve, 10_000, "hung")))]);
        clearTimeout(timer);
        if (outcome === "hung") {
          child.kill();
          await exited;
        }
        return { outcome, output };
      };
      // Esc pressed (alone: no sequence follows), then Enter: the key typed before it is taken.
      const escaped = path.join(root, "xdg-tty-esc");
      expect((await login(escaped, `${secret}\u001b\r`)).outcome).toBe(0);
      expect(JSON.parse(await fs.readFile(path.join(escaped, "homer", "config.json"), "utf8")).apiKey).toBe(secret);
      // Ctrl+C in the middle of a sequence cancels, as it does anywhere else; nothing is stored.
      const cancelled = path.join(root, "xdg-tty-cancel");
      const run = await login(cancelled, `${secret.slice(0, 4)}\u001b[\u0003`);
      expect(run.outcome).not.toBe("hung");
      expect(run.output).toMatch(/login cancelled/);
      expect(existsSync(path.join(cancelled, "homer", "config.json"))).toBe(false);
    },
    40_000,
  );
});
