import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RegistryError } from "@homer/sdk";
import { EXIT, reportError } from "../cli/src/output.js";
import { makeTempDir } from "./support/backends.js";
import { homer } from "./support/cli.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";

describe("homer edit", () => {
  let gw: ChildGateway;
  let root: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    root = await makeTempDir("homer-cli-edit-");
    gw = await startChildGateway({ env: { HOMER_DATA_DIR: path.join(root, ".homer") } });
    env = { HOMER_URL: `${gw.origin}/graphql` };
    await fs.mkdir(path.join(root, "model"), { recursive: true });
    await fs.writeFile(path.join(root, "model", "model.pt"), "weights");
    const pushed = await homer(
      ["push", path.join(root, "model"), "--name", "mnist", "-m", "acc=0.9", "-m", "loss=0.3", "--tag", "stage=dev", "--tag", "team=cv"],
      env,
    );
    expect(pushed.code).toBe(0);
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("edits description, tags and metrics in place and prints the new revision", async () => {
    const run = await homer(
      ["edit", "mnist@1", "--description", "tuned", "--tag", "stage=prod", "--untag", "team", "--metric", "acc=0.95", "--unmetric", "loss"],
      env,
    );
    expect(run).toMatchObject({ code: 0, stdout: "edited mnist@1 (revision 2)\n", stderr: "" });
    const json = await homer(["edit", "mnist@1", "--metric", "f1=0.8", "--json"], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: "mnist",
      version: 1,
      revision: 3,
      description: "tuned",
      tags: { stage: "prod" },
      metrics: { acc: 0.95, f1: 0.8 },
    });
    // --force skips the revision check; an empty description clears it.
    const forced = await homer(["edit", "mnist@1", "--description", "", "--force", "--json"], env);
    expect(JSON.parse(forced.stdout)).toMatchObject({ revision: 4, description: null });
    // The files are the pushed ones, untouched.
    const ls = await homer(["ls", "mnist", "--json"], env);
    expect(JSON.parse(ls.stdout)).toEqual([expect.objectContaining({ version: 1, files: 1, metrics: { acc: 0.95, f1: 0.8 } })]);
  });

  test("errors: a missing version exits 3, bad values from the server exit 2, nothing changes", async () => {
    expect((await homer(["edit", "mnist@9", "--description", "x"], env)).code).toBe(3);
    expect((await homer(["edit", "mnist@9", "--description", "x", "--force"], env)).code).toBe(3);
    const bad = await homer(["edit", "mnist@1", "--unmetric", "no spaces allowed", "--json"], env);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: "BAD_USER_INPUT" } });
    expect((await homer(["edit", "mnist@1", "--tag", "k\u0007=v"], env)).code).toBe(2);
    const ls = await homer(["ls", "mnist", "--json"], env);
    expect(JSON.parse(ls.stdout)[0].metrics).toEqual({ acc: 0.95, f1: 0.8 });
  });

  test.each([
    [["edit"]],
    [["edit", "mnist"]],
    [["edit", "mnist@1"]],
    [["edit", "mnist@1", "--metric", "acc=high"]],
    [["edit", "mnist@1", "--tag", "novalue"]],
    [["edit", "mnist@1", "--tag", "a=1", "--untag", "a"]],
    [["edit", "mnist@1", "--metric", "a=1", "--unmetric", "a"]],
    [["edit", "mnist@1", "--nope"]],
  ])("usage errors exit 2 without touching the registry: %j", async (args) => {
    const run = await homer(args, { HOMER_URL: "http://127.0.0.1:9/graphql" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/usage|homer:/);
  });

  test("a conflict (the version was edited meanwhile) exits 11; edit and its options are completed", async () => {
    expect(reportError(new RegistryError("CONFLICT", "edited meanwhile"), true)).toBe(EXIT.CONFLICT);
    expect(EXIT.CONFLICT).toBe(11);
    const script = await homer(["completion", "bash"], {});
    for (const word of ["edit", "--untag", "--unmetric", "--force"]) expect(script.stdout).toContain(word);
  });
});
