/**
 * Terminal escapes in server-supplied strings (issue 7, item 7). The server refuses
 * control characters in key and project names, but an older server's database may
 * still hold them: rows written straight into the database stand for that legacy
 * data, and `homer` run as a child process must never print them raw.
 */
import fs from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { makeTempDir } from "./support/backends.js";
import { homer } from "./support/cli.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";

/** Cursor up, erase line, red; a C1 CSI; an OSC title ending in BEL; an RTL override; a line break. */
const KEY_NAME = "ci\u001b[1A\u001b[2K\u001b[31mhidden\u009b2J\u202egnp.exe\nfake row";
const PROJECT = "legacy\u001b]0;pwned\u0007";
const METRIC = "acc\u001b[8m";
const FAMILY = "fam\u001b[2Jily\u202e";
/** Characters a terminal acts on; none may reach it. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe("homer never prints a server's control characters raw", () => {
  const admin = generateKey().token;
  let root: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    root = await makeTempDir("homer-cli-terminal-");
    const dataDir = path.join(root, ".homer");
    const gw = await startChildGateway({ env: { HOMER_DATA_DIR: dataDir, HOMER_ADMIN_KEY: admin } });
    env = { HOMER_URL: `${gw.origin}/graphql`, HOMER_API_KEY: admin, HOMER_PROJECT: "default" };
    await fs.mkdir(path.join(root, "model"));
    await fs.writeFile(path.join(root, "model", "w.bin"), "weights");
    expect((await homer(["push", path.join(root, "model"), "--name", "legacy-model", "--metric", "acc=0.5"], env)).code).toBe(0);
    expect((await homer(["push", path.join(root, "model"), "--name", "legacy-family"], env)).code).toBe(0);
    // Legacy rows, as an older server without today's rule may have stored them.
    const db = new Database(path.join(dataDir, "registry.sqlite"));
    try {
      db.prepare("insert into projects (name, created_at, created_by) values (?, ?, null)").run(PROJECT, Date.now());
      db.prepare("insert into api_keys (id, name, secret_sha256, created_at, created_by, revoked_at) values (?, ?, ?, ?, null, null)").run(
        "Legacy0000000001",
        KEY_NAME,
        "0".repeat(64),
        Date.now(),
      );
      db.prepare("insert into api_key_grants (key_id, project, role, position) values (?, ?, 'read', 0)").run("Legacy0000000001", PROJECT);
      db.prepare("update metrics set key = ? where key = 'acc'").run(METRIC);
      db.prepare("update families set name = ? where name = 'legacy-family'").run(FAMILY);
    } finally {
      db.close();
    }
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("the server refuses a key name with terminal escapes", async () => {
    const run = await homer(["keys", "create", "--name", "ci\u001b[1A\u001b[2K\u001b[31mhidden", "--grant", "default:read"], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/control character.*\[BAD_USER_INPUT\]/);
    expect(run.stderr).not.toMatch(UNSAFE);
  });

  test("keys list, projects list and ls show every control character escaped", async () => {
    const keys = await homer(["keys", "list"], env);
    expect(keys.code).toBe(0);
    expect(keys.stdout).not.toMatch(UNSAFE);
    expect(keys.stdout).toContain("ci\\x1b[1A\\x1b[2K\\x1b[31mhidden\\x9b2J\\u202egnp.exe\\x0afake row");
    expect(keys.stdout).toContain("legacy\\x1b]0;pwned\\x07:read");
    // The line break in the name did not make a row of its own.
    expect(keys.stdout.trim().split("\n")).toHaveLength(3);
    const projects = await homer(["projects", "list"], env);
    expect(projects.stdout).not.toMatch(UNSAFE);
    expect(projects.stdout).toContain("legacy\\x1b]0;pwned\\x07");
    const ls = await homer(["ls", "legacy-model"], env);
    expect(ls.code).toBe(0);
    expect(ls.stdout).not.toMatch(UNSAFE);
    expect(ls.stdout).toMatch(/^VERSION\s+ACC\\x1b\[8M\s+FRAMEWORK/);
    const models = await homer(["ls"], env);
    expect(models.code).toBe(0);
    expect(models.stdout).not.toMatch(UNSAFE);
    expect(models.stdout).toContain("fam\\x1b[2Jily\\u202e ");
  });

  test("--json stays JSON with the original strings, and still nothing raw reaches the terminal", async () => {
    const parsed: unknown[] = [];
    for (const args of [["keys", "list"], ["projects", "list"], ["ls", "legacy-model"], ["ls"]]) {
      const run = await homer(["--json", ...args], env);
      expect(run.code).toBe(0);
      expect(run.stdout).not.toMatch(UNSAFE);
      parsed.push(JSON.parse(run.stdout));
    }
    const [keys, projects, versions, models] = parsed as [
      { name: string }[],
      { name: string }[],
      { metrics: Record<string, number> }[],
      { name: string }[],
    ];
    expect(models.map((m) => m.name)).toEqual([FAMILY, "legacy-model"]);
    expect(keys.map((k) => k.name)).toContain(KEY_NAME);
    expect(projects.map((p) => p.name)).toContain(PROJECT);
    expect(versions[0]!.metrics).toEqual({ [METRIC]: 0.5 });
  });
});
