import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection } from "@homer/sdk";
import { makeTempDir } from "./support/backends.js";
import { homer } from "./support/cli.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";

const DIGEST = `sha256:${"e".repeat(64)}`;

describe("homer push with lineage, and homer lineage", () => {
  let gw: ChildGateway;
  let root: string;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    root = await makeTempDir("homer-cli-lineage-");
    gw = await startChildGateway({ env: { HOMER_DATA_DIR: path.join(root, ".homer") } });
    env = { HOMER_URL: `${gw.origin}/graphql` };
    dir = path.join(root, "model");
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, "model.pt"), "weights");
    await fs.writeFile(path.join(dir, "requirements.txt"), "torch==2.3");
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("push records lineage from flags; lineage prints the facts, ancestors and descendants", async () => {
    expect((await homer(["push", dir, "--name", "base"], env)).code).toBe(0);
    const tuned = await homer(
      [
        "push",
        dir,
        "--name",
        "tuned",
        "--parent",
        "base@1",
        "--dataset",
        "squad@v2",
        "--dataset-uri",
        "hf://datasets/squad",
        "--dataset-digest",
        DIGEST,
        "--run-id",
        "run-7",
        "--git-commit",
        "abc1234",
        "--entry-point",
        "train.py",
        "--environment",
        "requirements.txt",
      ],
      env,
    );
    expect(tuned).toMatchObject({ code: 0, stderr: "" });
    expect((await homer(["push", dir, "--name", "tiny", "--parent", "tuned@1"], env)).code).toBe(0);

    const shown = await homer(["lineage", "tuned@1"], env);
    expect(shown).toMatchObject({ code: 0, stderr: "" });
    expect(shown.stdout).toBe(
      [
        "tuned@1",
        `  data set     squad@v2  hf://datasets/squad  ${DIGEST}`,
        "  run          run-7",
        "  program      abc1234  train.py",
        "  environment  requirements.txt",
        "ancestors:",
        "  base@1",
        "descendants:",
        "  tiny@1",
        "",
      ].join("\n"),
    );
    // Two operands work as well; the trees go as deep as asked.
    const base = await homer(["lineage", "base", "1", "--depth", "1"], env);
    expect(base.stdout).toBe(["base@1", "ancestors:", "  (none)", "descendants:", "  tuned@1 …", ""].join("\n"));
    const deep = await homer(["lineage", "base@1"], env);
    expect(deep.stdout).toContain("descendants:\n  tuned@1\n    tiny@1\n");

    const json = JSON.parse((await homer(["--json", "lineage", "tiny@1"], env)).stdout);
    expect(json).toMatchObject({
      name: "tiny",
      version: 1,
      lineage: { parents: [{ project: "default", name: "tuned", version: 1 }] },
      ancestors: [{ name: "tuned", state: "ok", children: [{ name: "base", state: "ok", children: [] }] }],
      descendants: [],
    });

    // A deleted ancestor shows as such; the child keeps naming it.
    expect((await homer(["rm", "base@1"], env)).code).toBe(0);
    expect((await homer(["lineage", "tiny@1"], env)).stdout).toContain("ancestors:\n  tuned@1\n    base@1 (deleted)\n");
  });

  test("edit replaces the lineage whole from the same flags; --clear-lineage removes it", async () => {
    expect((await homer(["push", dir, "--name", "ed", "--run-id", "r1", "--environment", "requirements.txt"], env)).code).toBe(0);
    expect((await homer(["push", dir, "--name", "edp"], env)).code).toBe(0);
    const edited = await homer(["--json", "edit", "ed@1", "--parent", "edp@1", "--git-commit", "ABCDEF0"], env);
    expect(edited.code).toBe(0);
    expect(JSON.parse(edited.stdout)).toMatchObject({
      revision: 2,
      lineage: { run: null, environment: null, program: { gitCommit: "abcdef0" }, parents: [{ name: "edp", version: 1 }] },
    });
    expect((await homer(["lineage", "edp@1"], env)).stdout).toContain("descendants:\n  ed@1\n");
    const refused = await homer(["edit", "ed@1", "--environment", "nope.txt"], env);
    expect(refused.code).toBe(2);
    const cleared = await homer(["--json", "edit", "ed@1", "--clear-lineage"], env);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ revision: 3, lineage: null });
    const both = await homer(["edit", "ed@1", "--clear-lineage", "--parent", "edp@1"], { HOMER_URL: "http://127.0.0.1:9/graphql" });
    expect(both.code).toBe(2);
  });

  test.each([
    ["a parent without a version", ["--parent", "base"], 2],
    ["a missing parent", ["--parent", "never@1"], 3],
    ["an environment that is not a file", ["--environment", "conda.yaml"], 2],
    ["a bad digest", ["--dataset", "d", "--dataset-digest", "sha256:xyz"], 2],
    ["a javascript: data set URI", ["--dataset", "d", "--dataset-uri", "javascript:alert(1)"], 2],
    ["a short git commit", ["--git-commit", "abc"], 2],
    ["a run id with an escape sequence", ["--run-id", "\u001b[2Jgone"], 2],
    ["a data set URI without a data set", ["--dataset-uri", "s3://b/d"], 2],
    ["a run URI without a run id", ["--run-uri", "https://x"], 2],
  ])("push refuses %s and registers nothing", async (_, flags, code) => {
    const run = await homer(["push", dir, "--name", "victim", ...flags], env);
    expect(run.code).toBe(code);
    expect(run.stderr).not.toContain("\u001b");
    expect((await homer(["ls", "victim"], env)).stdout).toBe("no versions of victim\n");
  });

  test.each([
    [["lineage"]],
    [["lineage", "base"]],
    [["lineage", "base@X!"]],
    [["lineage", "a", "b", "c"]],
    [["lineage", "base@1", "--depth", "0"]],
    [["lineage", "base@1", "--max-children", "0"]],
    [["lineage", "base@1", "--max-children", "1.5"]],
    [["lineage", "base@1", "--max-children=-3"]],
    [["lineage", "base@1", "--max-children", "1001"]],
    [["lineage", "base@1", "--max-children", "99999999999999999999"]],
  ])("usage errors exit 2 without touching the registry: %j", async (args) => {
    const run = await homer(args, { HOMER_URL: "http://127.0.0.1:9/graphql" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(args.some((a) => a.startsWith("--max-children")) ? /^homer: --max-children must be .+\n$/ : /\S/);
  });

  test("lineage of an absent version exits 3; completion offers the command and push's lineage flags", async () => {
    expect((await homer(["lineage", "absent@1"], env)).code).toBe(3);
    const script = await homer(["completion", "bash"], {});
    for (const word of ["lineage", "--parent", "--run-id", "--dataset", "--git-commit", "--environment", "--depth", "--max-children"]) {
      expect(script.stdout).toContain(word);
    }
  });

  /** DerivedModels operations the gateway has answered so far (its Prometheus counter). */
  async function derivedRequests(): Promise<number> {
    const text = await (await fetch(`${gw.origin}/metrics`)).text();
    let sum = 0;
    for (const [, value] of text.matchAll(/^homer_graphql_operations_total\{[^}]*operation="DerivedModels"[^}]*\} (\d+)$/gm))
      sum += Number(value);
    return sum;
  }

  test("a wide base lists --max-children per version, says where it cut, and reads no page beyond what it prints", async () => {
    const mr = await connection({ url: env.HOMER_URL! }).getModelRegistry();
    await mr.createModel({ name: "wide", modelPath: dir });
    // 120 children; the first also has 120 of its own.
    for (let i = 0; i < 120; i++) await mr.createModel({ name: "kid", modelPath: dir, lineage: { parents: ["wide@1"] } });
    for (let i = 0; i < 120; i++) await mr.createModel({ name: "grandkid", modelPath: dir, lineage: { parents: ["kid@1"] } });

    let before = await derivedRequests();
    const shown = await homer(["lineage", "wide@1"], env);
    expect(shown).toMatchObject({ code: 0, stderr: "" });
    const tree = shown.stdout.slice(shown.stdout.indexOf("descendants:\n"));
    const grandkids = Array.from({ length: 25 }, (_, i) => `    grandkid@${i + 1}\n`).join("");
    const kids = Array.from({ length: 24 }, (_, i) => `  kid@${i + 2}\n`).join("");
    expect(tree).toBe(`descendants:\n  kid@1\n${grandkids}    … more (use --max-children)\n${kids}  … more (use --max-children)\n`);
    // One page for wide@1, one for each of the 25 kids listed, one for each of kid@1's 25 grandkids: 51, not 241.
    expect((await derivedRequests()) - before).toBe(51);

    before = await derivedRequests();
    const json = await homer(["--json", "lineage", "wide@1", "--max-children", "3", "--depth", "1"], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      descendants: [
        { name: "kid", version: 1, state: "deeper", children: [] },
        { name: "kid", version: 2, state: "deeper", children: [] },
        { name: "kid", version: 3, state: "deeper", children: [] },
      ],
      moreDescendants: true,
    });
    expect(JSON.parse(json.stdout).descendants).toHaveLength(3);
    expect((await derivedRequests()) - before).toBe(1);

    // Room for all: every child listed, nothing marked, one page each.
    before = await derivedRequests();
    const all = JSON.parse((await homer(["--json", "lineage", "wide@1", "--max-children", "200", "--depth", "2"], env)).stdout);
    expect(all.moreDescendants).toBe(false);
    expect(all.descendants).toHaveLength(120);
    expect(all.descendants[0].children).toHaveLength(120);
    expect(all.descendants[0].more).toBeUndefined();
    expect((await derivedRequests()) - before).toBe(121);

    const cut = JSON.parse((await homer(["--json", "lineage", "wide@1", "--max-children", "2", "--depth", "2"], env)).stdout);
    expect(cut.descendants[0]).toMatchObject({ name: "kid", version: 1, more: true, children: [{ version: 1 }, { version: 2 }] });
    expect(cut.descendants[1].more).toBeUndefined();
    expect(cut.moreDescendants).toBe(true);
  }, 120_000);

  test("--max-nodes bounds the versions read for the whole tree, however wide each level is, and says where it cut", async () => {
    const mr = await connection({ url: env.HOMER_URL! }).getModelRegistry();
    await mr.createModel({ name: "bush", modelPath: dir });
    // Every version has four children, three levels down: 4 + 16 + 64 under bush@1.
    const level = async (parent: string, n: number) => {
      const kids: string[] = [];
      for (let i = 0; i < n; i++) {
        const m = await mr.createModel({ name: `bush-${parent.replace(/\W/g, "")}`, modelPath: dir, lineage: { parents: [parent] } });
        kids.push(`${m.name}@${m.version}`);
      }
      return kids;
    };
    const second = await level("bush@1", 4);
    const third = (await Promise.all(second.map((k) => level(k, 4)))).flat();
    for (const k of third) await level(k, 4);

    const before = await derivedRequests();
    const json = JSON.parse((await homer(["--json", "lineage", "bush@1", "--max-nodes", "10"], env)).stdout);
    const count = (nodes: { children: unknown[] }[]): number => nodes.reduce((n, c) => n + 1 + count(c.children as never), 0);
    expect(count(json.descendants)).toBe(10);
    expect(json.moreDescendants).toBe(true);
    // One page for bush@1 and one for each version listed but the last levels': at most one more than the budget.
    expect((await derivedRequests()) - before).toBeLessThanOrEqual(11);
    const text = (await homer(["lineage", "bush@1", "--max-nodes", "10"], env)).stdout;
    expect(text).toContain("… more (use --max-nodes)");

    const usage = await homer(["lineage", "bush@1", "--max-nodes", "10001"], env);
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringContaining("--max-nodes must be from 1 to 10000, got 10001") });
  }, 120_000);

  test("a deep chain is read one request per level, down to --depth", async () => {
    const mr = await connection({ url: env.HOMER_URL! }).getModelRegistry();
    await mr.createModel({ name: "chain0", modelPath: dir });
    for (let i = 1; i <= 60; i++) await mr.createModel({ name: `chain${i}`, modelPath: dir, lineage: { parents: [`chain${i - 1}@1`] } });

    let before = await derivedRequests();
    const shown = await homer(["lineage", "chain0@1"], env);
    const levels = Array.from({ length: 10 }, (_, i) => `${"  ".repeat(i + 1)}chain${i + 1}@1${i === 9 ? " …" : ""}\n`).join("");
    expect(shown.stdout.slice(shown.stdout.indexOf("descendants:\n"))).toBe(`descendants:\n${levels}`);
    expect((await derivedRequests()) - before).toBe(10);

    before = await derivedRequests();
    const json = JSON.parse((await homer(["--json", "lineage", "chain0@1", "--depth", "50", "--max-children", "1"], env)).stdout);
    let depth = 0;
    for (let node = json.descendants[0]; node; node = node.children[0]) depth++;
    expect(depth).toBe(50);
    expect(json.moreDescendants).toBe(false);
    expect((await derivedRequests()) - before).toBe(50);
  }, 120_000);
});
