import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir } from "./support/backends.js";
import { homer } from "./support/cli.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";

describe("homer ls with filters", () => {
  let gw: ChildGateway;
  let root: string;
  let env: Record<string, string>;
  const versions = (stdout: string) => (JSON.parse(stdout) as { version: number }[]).map((m) => m.version);

  beforeAll(async () => {
    root = await makeTempDir("homer-cli-filters-");
    gw = await startChildGateway({ env: { HOMER_DATA_DIR: path.join(root, ".homer") } });
    env = { HOMER_URL: `${gw.origin}/graphql` };
    await fs.mkdir(path.join(root, "model"), { recursive: true });
    await fs.writeFile(path.join(root, "model", "model.pt"), "weights");
    const rows: [string, string, string, string][] = [
      ["0.90", "30", "vision", "sklearn"],
      ["0.95", "10", "vision", "pytorch"],
      ["0.97", "19", "nlp", "sklearn"],
      ["0.99", "25", "vision", "sklearn"],
    ];
    for (const [acc, latency, team, framework] of rows) {
      const pushed = await homer(
        [
          "push",
          path.join(root, "model"),
          "--name",
          "mnist",
          "-m",
          `accuracy=${acc}`,
          "-m",
          `latency=${latency}`,
          "--tag",
          `team=${team}`,
          "--framework",
          framework,
        ],
        env,
      );
      expect(pushed.code).toBe(0);
    }
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("--where, --tag, --framework, --since/--until with --sort and --asc", async () => {
    const table = await homer(["ls", "mnist", "--where", "latency<20", "--sort", "accuracy"], env);
    expect(table.code).toBe(0);
    expect(
      table.stdout
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(/\s+/).slice(0, 2)),
    ).toEqual([
      ["3", "0.97"],
      ["2", "0.95"],
    ]);
    const run = (args: string[]) => homer(["ls", "mnist", "--json", ...args], env);
    expect(versions((await run(["--where", "latency>=10", "-w", "latency <= 25", "--sort", "latency", "--asc"])).stdout)).toEqual([
      2, 3, 4,
    ]);
    expect(versions((await run(["--where", "accuracy>0.92", "--tag", "team=vision"])).stdout)).toEqual([4, 2]);
    expect(versions((await run(["--framework", "sklearn", "--tag", "team=vision"])).stdout)).toEqual([4, 1]);
    expect(versions((await run(["--since", "2000-01-01", "--until", new Date(Date.now() + 60_000).toISOString()])).stdout)).toEqual([
      4, 3, 2, 1,
    ]);
    expect(versions((await run(["--since", new Date(Date.now() + 60_000).toISOString()])).stdout)).toEqual([]);
    const none = await homer(["ls", "mnist", "--where", "accuracy>1"], env);
    expect(none).toMatchObject({ code: 0, stdout: "no versions of mnist match\n" });
  });

  test("parse errors exit with the usage code and say what is wrong; nothing is asked of the server", async () => {
    const bad: [string[], RegExp][] = [
      [["--where", "latency"], /not a metric condition/],
      [["--where", "latency<fast"], /not a finite number/],
      [["--where", "latency<1e999"], /not a finite number/],
      [["--where", "latency>1", "--where", "latency>2"], /already has a condition/],
      [["--since", "yesterday"], /--since takes an ISO 8601 date/],
      [["--until", ""], /--until takes an ISO 8601 date/],
      [["--tag", "team"], /--tag takes KEY=VALUE/],
    ];
    for (const [args, message] of bad) {
      const run = await homer(["ls", "mnist", ...args], env);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe("");
    }
    const unnamed = await homer(["ls", "--where", "latency<20"], env);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toMatch(/filter the versions of one model: name it/);
  });

  test("values the server refuses exit with the usage code too", async () => {
    for (const args of [
      ["--where", "bad key<1"],
      ["--tag", "team=a\u0007b"],
      ["--framework", "nope"],
    ]) {
      const run = await homer(["ls", "mnist", ...args], env);
      expect(run.code, args.join(" ")).toBe(2);
    }
  });
});
