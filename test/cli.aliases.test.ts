import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { makeTempDir } from "./support/backends.js";
import { HOMER, homer } from "./support/cli.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";

describe("homer alias, and references everywhere a version is", () => {
  const admin = generateKey().token;
  let root: string;
  let env: Record<string, string>;
  let writer: Record<string, string>;

  beforeAll(async () => {
    root = await makeTempDir("homer-cli-alias-");
    const gw = await startChildGateway({ env: { HOMER_DATA_DIR: path.join(root, ".homer"), HOMER_ADMIN_KEY: admin } });
    env = { HOMER_URL: `${gw.origin}/graphql`, HOMER_API_KEY: admin };
    const created = await homer(["--json", "keys", "create", "--name", "ci", "--grant", "default:write"], env);
    expect(created.code).toBe(0);
    writer = { ...env, HOMER_API_KEY: JSON.parse(created.stdout).secret };
    await fs.mkdir(path.join(root, "model"));
    for (const accuracy of ["0.5", "0.9", "0.7"]) {
      await fs.writeFile(path.join(root, "model", "w.bin"), `weights ${accuracy}`);
      expect((await homer(["push", path.join(root, "model"), "--name", "mnist", "-m", `accuracy=${accuracy}`], writer)).code).toBe(0);
    }
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("alias set, ls and rm; set takes a version or a reference; ls NAME shows the aliases", async () => {
    expect(await homer(["alias", "set", "mnist", "champion", "2"], writer)).toMatchObject({ code: 0, stdout: "mnist@champion -> 2\n" });
    expect((await homer(["alias", "set", "mnist", "best-acc-copy", "1"], writer)).code).toBe(2);
    expect(await homer(["alias", "set", "mnist", "top", "mnist@best:accuracy:asc"], writer)).toMatchObject({ stdout: "mnist@top -> 1\n" });
    // A bare word is a reference of the same model: another alias, or latest.
    expect(await homer(["alias", "set", "mnist", "staging", "champion"], writer)).toMatchObject({ stdout: "mnist@staging -> 2\n" });
    expect(await homer(["alias", "set", "mnist", "top", "latest"], writer)).toMatchObject({ stdout: "mnist@top -> 3\n" });
    const listed = await homer(["alias", "ls", "mnist"], writer);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ALIAS +VERSION +PROTECTED +UPDATED +BY\nchampion +2 +no +\S+Z +\S+\nstaging +2 +no/);
    const json = JSON.parse((await homer(["alias", "ls", "mnist", "--json"], writer)).stdout);
    expect(json.map((a: { alias: string; version: number }) => [a.alias, a.version])).toEqual([
      ["champion", 2],
      ["staging", 2],
      ["top", 3],
    ]);
    const versions = await homer(["ls", "mnist"], writer);
    expect(versions.stdout).toMatch(/^VERSION +ALIASES +ACCURACY/);
    expect(versions.stdout).toMatch(/\n2 +champion,staging +0\.9/);
    expect(JSON.parse((await homer(["ls", "mnist", "--json"], writer)).stdout)[0]).toMatchObject({ version: 3, aliases: ["top"] });
    expect(await homer(["alias", "rm", "mnist", "top"], writer)).toMatchObject({ code: 0, stdout: "removed mnist@top\n" });
    expect((await homer(["alias", "rm", "mnist", "top"], writer)).code).toBe(3);
    expect((await homer(["alias", "ls", "nothing"], writer)).stdout).toBe("no aliases of nothing\n");
  });

  test("pull and edit follow an alias; rm of an aliased version exits 11 unless --force", async () => {
    await homer(["alias", "set", "mnist", "prod", "1"], writer);
    const out = path.join(root, "pulled");
    const pulled = await homer(["pull", "mnist@prod", "--out", out], writer);
    expect(pulled).toMatchObject({ code: 0, stdout: `pulled mnist@1 into ${out}\n` });
    expect(await fs.readFile(path.join(out, "w.bin"), "utf8")).toBe("weights 0.5");
    expect(JSON.parse((await homer(["pull", "mnist@latest", "--out", path.join(root, "l"), "--json"], writer)).stdout)).toMatchObject({
      version: 3,
    });
    const missing = await homer(["pull", "mnist@nobody"], writer);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/mnist has no alias nobody/);

    expect(await homer(["edit", "mnist@prod", "--description", "in production"], writer)).toMatchObject({
      code: 0,
      stdout: "edited mnist@1 (revision 2)\n",
    });
    const refused = await homer(["rm", "mnist@1"], writer);
    expect(refused.code).toBe(11);
    expect(refused.stderr).toMatch(/alias "prod" points at.*force/);
    expect(await homer(["rm", "mnist@prod", "--force"], writer)).toMatchObject({ code: 0, stdout: "deleted mnist@1\n" });
    expect(await homer(["pull", "mnist@prod"], writer)).toMatchObject({ code: 3 });
  });

  test("protect needs an admin key (exit 5 for a write key); a protected alias moves only with admin", async () => {
    await homer(["alias", "set", "mnist", "guarded", "2"], writer);
    expect((await homer(["alias", "protect", "mnist", "guarded"], writer)).code).toBe(5);
    expect(await homer(["alias", "protect", "mnist", "guarded"], env)).toMatchObject({
      code: 0,
      stdout: "mnist@guarded -> 2 (protected)\n",
    });
    const moved = await homer(["alias", "set", "mnist", "guarded", "3"], writer);
    expect(moved.code).toBe(5);
    expect(moved.stderr).toMatch(/protected: moving it needs admin/);
    expect((await homer(["alias", "rm", "mnist", "guarded"], writer)).code).toBe(5);
    expect((await homer(["alias", "set", "mnist", "also", "3", "--protect"], writer)).code).toBe(5);
    expect(await homer(["alias", "set", "mnist", "guarded", "3"], env)).toMatchObject({ stdout: "mnist@guarded -> 3 (protected)\n" });
    expect(await homer(["alias", "unprotect", "mnist", "guarded"], env)).toMatchObject({ stdout: "mnist@guarded -> 3\n" });
    expect((await homer(["alias", "rm", "mnist", "guarded"], writer)).code).toBe(0);
  });

  test.each([
    [["alias"]],
    [["alias", "frob", "mnist"]],
    [["alias", "set", "mnist", "x"]],
    [["alias", "set", "mnist", "x", "1", "2"]],
    [["alias", "ls"]],
    [["alias", "rm", "mnist", "x", "--protect"]],
    [["alias", "set", "mnist", "Champion", "1"]],
    [["alias", "set", "mnist", "latest", "1"]],
    [["alias", "set", "mnist", "best", "1"]],
    [["alias", "set", "mnist", "a/b", "1"]],
    [["alias", "rm", "mnist", "x\u0007"]],
    [["alias", "protect", "mnist", "chämpion"]],
    [["alias", "set", "mnist", "ok", "mnist@"]],
    [["pull", "mnist@"]],
    [["pull", "mnist@Champion"]],
    [["pull", "mnist@best:"]],
    [["pull", "mnist@best:acc:up"]],
    [["pull", "mnist@0"]],
    [["pull", `mnist@${"a".repeat(64)}`]],
    [["rm", "mnist"]],
    [["rm", "mnist@bad alias"]],
    [["edit", "mnist", "--description", "x"]],
  ])("bad input exits 2 before any request: %j", async (args) => {
    const run = await homer(args, { HOMER_URL: "http://127.0.0.1:9/graphql" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/homer:|usage/);
  });

  test("set's reference must be of the same model: another model's version number is refused (exit 2), nothing moves", async () => {
    for (const name of ["own", "own", "other"]) {
      await fs.writeFile(path.join(root, "model", "w.bin"), `${name} weights`);
      expect((await homer(["push", path.join(root, "model"), "--name", name, "-m", "accuracy=0.1"], writer)).code).toBe(0);
    }
    expect(await homer(["alias", "set", "own", "held", "2"], writer)).toMatchObject({ code: 0, stdout: "own@held -> 2\n" });
    for (const target of ["other@1", "other@latest", "other@best:accuracy"]) {
      const run = await homer(["alias", "set", "own", "held", target], writer);
      expect(run).toMatchObject({ code: 2, stdout: "" });
      expect(run.stderr).toContain(`"${target}" names model other, not own`);
    }
    expect(JSON.parse((await homer(["alias", "ls", "own", "--json"], writer)).stdout)).toMatchObject([{ alias: "held", version: 2 }]);
    // Its own name, spelled out, is the same model.
    expect(await homer(["alias", "set", "own", "held", "own@1"], writer)).toMatchObject({ code: 0, stdout: "own@held -> 1\n" });
  });

  test("values only the registry can judge exit 2 or 3", async () => {
    expect((await homer(["alias", "set", "mnist", "ok", "0"], writer)).code).toBe(2);
    expect((await homer(["alias", "set", "mnist", "ok", "99999999999"], writer)).code).toBe(2);
    expect((await homer(["alias", "set", "mnist", "ok", "99"], writer)).code).toBe(3);
    expect((await homer(["alias", "set", "nothing", "ok", "1"], writer)).code).toBe(3);
  });

  test("watch prints alias moves with their alias", async () => {
    const child = spawn(HOMER, ["watch", "mnist", "--count", "1", "--json"], {
      env: { ...process.env, ...writer },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    let running = true;
    void exited.then(() => (running = false));
    // No subscribe is acknowledged: move the alias back and forth until watch prints one event.
    for (let i = 0; running && i < 40; i++) {
      await homer(["alias", "set", "mnist", "watched", String(2 + (i % 2))], writer);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await exited).toBe(0);
    expect(JSON.parse(stdout.trim())).toMatchObject({ type: "ALIAS_SET", name: "mnist", alias: "watched" });
    await homer(["alias", "rm", "mnist", "watched"], writer);
  });

  test("bash completes NAME@ with latest and the model's aliases", async () => {
    await homer(["alias", "set", "mnist", "champion", "2"], writer);
    const complete = (...words: string[]) =>
      new Promise<string[]>((resolve, reject) => {
        const setup = `COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))`;
        const script = `source <("$HOMER" completion bash); ${setup}; _homer; printf '%s\\n' "\${COMPREPLY[@]}"`;
        const child = spawn("bash", ["-c", script, "complete", "homer", ...words], {
          env: { ...process.env, ...writer, HOMER, PATH: `${path.dirname(HOMER)}:${process.env.PATH}` },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.once("error", reject);
        child.once("exit", (code) => (code === 0 && err === "" ? resolve(out.split("\n").filter(Boolean).sort()) : reject(new Error(err))));
      });
    expect(await complete("pull", "mnist@")).toEqual(["mnist@champion", "mnist@latest", "mnist@staging"]);
    expect(await complete("rm", "mnist@ch")).toEqual(["mnist@champion"]);
    expect(await complete("alias", "")).toEqual(["ls", "protect", "rm", "set", "unprotect"]);
    expect(await complete("alias", "set", "mn")).toEqual(["mnist"]);
    expect(await complete("pull", "no$(touch x)@")).toEqual([]);
  });
});
