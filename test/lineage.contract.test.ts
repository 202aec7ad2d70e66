import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Caller } from "../gateway/src/access/caller.js";
import { ALL_PARTS, type ModelRef } from "../gateway/src/domain/records.js";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { file } from "./support/files.js";
import { registryOver } from "./support/registry.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

/** Lineage's contract on every metadata backend: create, read both ways, edit, delete, overwrite, access. */
describe.each(BACKENDS)("lineage on %s", (backend) => {
  let storage: TestStorage;
  let registry: ReturnType<typeof registryOver>;
  const alice = Caller.forKey("alice", [{ project: "a", role: "write" }]);
  const both = Caller.forKey("both", [
    { project: "a", role: "write" },
    { project: "b", role: "read" },
  ]);

  beforeAll(async () => {
    storage = await openTestStorage(backend);
    registry = registryOver(storage);
  });
  afterAll(() => storage?.cleanup());

  const ref = (name: string, version: number, project = "default"): ModelRef => ({ project, name, version });
  const derived = async (caller: Caller, parent: ModelRef, first = 50, after: string | null = null) =>
    registry.service.listDerived(caller, parent, { first, after });

  test("a version records its data set, run, program, environment file and parents, and reads them back", async () => {
    await registry.createModel({ name: "base", files: [file("w.bin", "base")] });
    const created = await registry.createModel({
      name: "tuned",
      files: [file("w.bin", "tuned"), file("env/requirements.txt", "torch==2.3")],
      lineage: {
        trainingDataset: { name: "imagenet", version: "2012", uri: "S3://data/imagenet", digest: DIGEST.toUpperCase() },
        run: { id: "0f3c9a", uri: "https://mlflow.example/#/runs/0f3c9a" },
        program: { gitCommit: "ABCDEF1", entryPoint: "train.py:main", repository: "git@github.com:org/repo.git" },
        environment: "env/requirements.txt",
        parents: [{ name: "base", version: 1 }],
      },
    });
    const expected = {
      trainingDataset: { name: "imagenet", version: "2012", uri: "s3://data/imagenet", digest: DIGEST },
      run: { id: "0f3c9a", uri: "https://mlflow.example/#/runs/0f3c9a" },
      program: { gitCommit: "abcdef1", entryPoint: "train.py:main", repository: "git@github.com:org/repo.git" },
      environment: "env/requirements.txt",
      parents: [ref("base", 1)],
    };
    expect(created.lineage).toEqual(expected);
    expect((await registry.getModel(ref("tuned", 1)))!.lineage).toEqual(expected);
    expect((await registry.getModel(ref("base", 1)))!.lineage).toBeNull();
    const page = await derived(Caller.open(), ref("base", 1));
    expect(page.nodes.map((m) => `${m.name}@${m.version}`)).toEqual(["tuned@1"]);
    expect(page.nodes[0]!.lineage).toEqual(expected);
    expect(page.hasNextPage).toBe(false);
  });

  test("parents keep their order; derivedModels pages by keyset and a cursor resumes only its own listing", async () => {
    await registry.createModel({ name: "p1" });
    await registry.createModel({ name: "p2" });
    for (let i = 0; i < 5; i++) {
      await registry.createModel({
        name: "kid",
        lineage: {
          parents:
            i % 2
              ? [
                  { name: "p2", version: 1 },
                  { name: "p1", version: 1 },
                ]
              : [
                  { name: "p1", version: 1 },
                  { name: "p2", version: 1 },
                ],
        },
      });
    }
    expect((await registry.getModel(ref("kid", 2)))!.lineage!.parents).toEqual([ref("p2", 1), ref("p1", 1)]);
    const first = await derived(Caller.open(), ref("p1", 1), 2);
    expect(first.nodes.map((m) => m.version)).toEqual([1, 2]);
    expect(first.hasNextPage).toBe(true);
    const second = await derived(Caller.open(), ref("p1", 1), 2, first.endCursor);
    expect(second.nodes.map((m) => m.version)).toEqual([3, 4]);
    const third = await derived(Caller.open(), ref("p1", 1), 2, second.endCursor);
    expect(third.nodes.map((m) => m.version)).toEqual([5]);
    expect(third.hasNextPage).toBe(false);
    await expect(derived(Caller.open(), ref("p2", 1), 2, first.endCursor)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(derived(Caller.open(), ref("p1", 1), 2, "garbage!")).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(derived(Caller.open(), ref("p1", 1), 501)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect((await derived(Caller.open(), ref("p1", 1), 0)).nodes).toEqual([]);
  });

  test("the first pages of many versions' derived versions are read together: each its own, limited, filtered by project before the limit", async () => {
    // 120 parents: more than one statement reads (100 each). Parent i has i % 4 children in "a",
    // every third one more in "b" (which alice may not read), and one child names parents 1 and 2.
    const parents = Array.from({ length: 120 }, (_, i) => ref(`many${i}`, 1, "a"));
    const inA = new Map<number, string[]>();
    const inB = new Map<number, string[]>();
    for (const [i, parent] of parents.entries()) {
      await registry.createModel({ project: "a", name: parent.name });
      if (i % 3 === 0) {
        await registry.createModel({
          project: "b",
          name: `b${i}`,
          lineage: { parents: [{ project: "a", name: parent.name, version: 1 }] },
        });
        inB.set(i, [`b/b${i}`]);
      }
      const names: string[] = [];
      for (let j = 0; j < i % 4; j++) {
        await registry.createModel({
          project: "a",
          name: `k${i}-${j}`,
          lineage: { parents: [{ project: "a", name: parent.name, version: 1 }] },
        });
        names.push(`a/k${i}-${j}`);
      }
      inA.set(i, names);
    }
    await registry.createModel({
      project: "a",
      name: "twice",
      lineage: { parents: [parents[1]!, parents[2]!].map(({ name }) => ({ project: "a", name, version: 1 })) },
    });
    inA.get(1)!.push("a/twice");
    inA.get(2)!.push("a/twice");
    const names = (page: { nodes: readonly { project: string; name: string }[] }) => page.nodes.map((n) => `${n.project}/${n.name}`);

    const alices = await registry.service.listDerivedOf(alice, parents, { first: 2 });
    const boths = await registry.service.listDerivedOf(both, parents, { first: 2 });
    // A key granted 2,000 projects: its statements read fewer parents each, within every driver's bound parameters.
    const wide = Caller.forKey("wide", [
      ...Array.from({ length: 2000 }, (_, i) => ({ project: `p${i}`, role: "read" as const })),
      { project: "a", role: "read" },
    ]);
    const wides = await registry.service.listDerivedOf(wide, parents, { first: 2 });
    for (const [i, parent] of parents.entries()) {
      const own = inA.get(i)!;
      // Created in order b, then a's: "b" rows come first by row id.
      const all = [...(inB.get(i) ?? []), ...own];
      expect(names(alices[i]!), `alice, parent ${i}`).toEqual(own.slice(0, 2));
      expect(alices[i]!.hasNextPage, `alice, parent ${i}`).toBe(own.length > 2);
      expect(names(wides[i]!), `wide, parent ${i}`).toEqual(own.slice(0, 2));
      expect(names(boths[i]!), `both, parent ${i}`).toEqual(all.slice(0, 2));
      expect(boths[i]!.hasNextPage, `both, parent ${i}`).toBe(all.length > 2);
      if (i < 8) {
        // The same as each read alone, cursor included, and the cursor resumes that listing.
        const alone = await derived(both, parent, 2);
        expect(alone).toEqual(boths[i]);
        if (alone.hasNextPage) expect(names(await derived(both, parent, 2, alone.endCursor))).toEqual(all.slice(2, 4));
      }
    }
    expect((await registry.service.listDerivedOf(both, parents, { first: 0 })).every((page) => page.nodes.length === 0)).toBe(true);
    await expect(registry.service.listDerivedOf(both, parents, { first: 501 })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(registry.service.listDerivedOf(alice, [parents[0]!, ref("secret", 1, "b")], { first: 2 })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  test("a missing parent is NOT_FOUND and nothing is stored", async () => {
    await expect(registry.createModel({ name: "orphan", lineage: { parents: [{ name: "nope", version: 1 }] } })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "parent model version default/nope@1 not found",
    });
    expect(await registry.getModel(ref("orphan", 1))).toBeNull();
    const w = file("w.bin", "x");
    await expect(
      registry.createModel({ name: "orphan", files: [w], lineage: { parents: [{ name: "p1", version: 99 }] } }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await registry.getModel(ref("orphan", 1))).toBeNull();
  });

  test("a deleted parent stays named by its children, resolves to nothing, and a new version of that number takes its place", async () => {
    await registry.createModel({ name: "gone", version: 1 });
    await registry.createModel({ name: "heir", lineage: { parents: [{ name: "gone", version: 1 }] } });
    await registry.deleteModel(ref("gone", 1));
    expect((await registry.getModel(ref("heir", 1)))!.lineage!.parents).toEqual([ref("gone", 1)]);
    expect(await registry.service.getParent(Caller.open(), ref("gone", 1))).toBeNull();
    // The children are still listed from the reference: the version number is what a child names.
    expect((await derived(Caller.open(), ref("gone", 1))).nodes.map((m) => m.name)).toEqual(["heir"]);
    await registry.createModel({ name: "gone", version: 1, description: "again" });
    expect((await registry.service.getParent(Caller.open(), ref("gone", 1)))!.description).toBe("again");
  });

  test("overwriting a parent keeps its children's references; overwriting a child replaces its lineage", async () => {
    await registry.createModel({ name: "ow", version: 1 });
    await registry.createModel({ name: "owkid", version: 1, lineage: { parents: [{ name: "ow", version: 1 }] } });
    await registry.createModel({ name: "ow", version: 1, overwrite: true, description: "new" });
    expect((await derived(Caller.open(), ref("ow", 1))).nodes.map((m) => m.name)).toEqual(["owkid"]);
    await registry.createModel({ name: "owkid", version: 1, overwrite: true });
    expect((await registry.getModel(ref("owkid", 1)))!.lineage).toBeNull();
    expect((await derived(Caller.open(), ref("ow", 1))).nodes).toEqual([]);
  });

  test("a version cannot be its own parent or ancestor (create, overwrite and edit)", async () => {
    await registry.createModel({ name: "cy", version: 1 });
    await expect(
      registry.createModel({ name: "cy", version: 1, overwrite: true, lineage: { parents: [{ name: "cy", version: 1 }] } }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "input.lineage.parents[0]" } });
    await registry.createModel({ name: "cy2", lineage: { parents: [{ name: "cy", version: 1 }] } });
    await registry.createModel({ name: "cy3", lineage: { parents: [{ name: "cy2", version: 1 }] } });
    await expect(registry.updateModel(ref("cy", 1), { lineage: { parents: [{ name: "cy3", version: 1 }] } })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      message: "input.lineage.parents would make default/cy@1 its own ancestor",
    });
    await expect(
      registry.createModel({ name: "cy", version: 1, overwrite: true, lineage: { parents: [{ name: "cy3", version: 1 }] } }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect((await registry.getModel(ref("cy", 1)))!.lineage).toBeNull();
    expect((await registry.getModel(ref("cy", 1)))!.revision).toBe(1);
  });

  test("an edit replaces the lineage whole, {} removes it, and omitted keeps it; the environment must be a stored file", async () => {
    await registry.createModel({ name: "edl", files: [file("requirements.txt", "numpy")], lineage: { run: { id: "r1" } } });
    await registry.createModel({ name: "edp" });
    const edited = await registry.updateModel(ref("edl", 1), {
      lineage: { environment: "requirements.txt", parents: [{ name: "edp", version: 1 }] },
    });
    expect(edited.lineage).toEqual({
      trainingDataset: null,
      run: null,
      program: null,
      environment: "requirements.txt",
      parents: [ref("edp", 1)],
    });
    expect((await registry.updateModel(ref("edl", 1), { description: "kept" })).lineage).toEqual(edited.lineage);
    expect((await derived(Caller.open(), ref("edp", 1))).nodes.map((m) => m.name)).toEqual(["edl"]);
    await expect(registry.updateModel(ref("edl", 1), { lineage: { environment: "conda.yaml" } })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { field: "input.lineage.environment" },
    });
    await expect(registry.updateModel(ref("edl", 1), { lineage: { parents: [{ name: "edp", version: 7 }] } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    // Refused edits changed nothing.
    const read = (await registry.getModel(ref("edl", 1)))!;
    expect(read.lineage).toEqual(edited.lineage);
    const cleared = await registry.updateModel(ref("edl", 1), { lineage: {} });
    expect(cleared.lineage).toBeNull();
    expect((await derived(Caller.open(), ref("edp", 1))).nodes).toEqual([]);
  });

  test("access: a parent in a project the caller cannot read is refused exactly as a missing one; a readable one is allowed", async () => {
    const admin = registryOver(storage);
    await admin.createModel({ project: "b", name: "secret", version: 1 });
    const asAlice = registryOver(storage, undefined, alice);
    const hidden = asAlice.createModel({ project: "a", name: "m", lineage: { parents: [{ project: "b", name: "secret", version: 1 }] } });
    const missing = asAlice.createModel({ project: "a", name: "m", lineage: { parents: [{ project: "b", name: "absent", version: 1 }] } });
    const [h, m] = await Promise.allSettled([hidden, missing]);
    expect(h.status === "rejected" && m.status === "rejected").toBe(true);
    const reasonOf = (r: PromiseSettledResult<unknown>) => (r as PromiseRejectedResult).reason as { code: string; message: string };
    expect(reasonOf(h).code).toBe("NOT_FOUND");
    expect(reasonOf(h).message.replace("secret", "X")).toBe(reasonOf(m).message.replace("absent", "X"));
    // On update too.
    await asAlice.createModel({ project: "a", name: "m" });
    await expect(
      asAlice.updateModel(
        { project: "a", name: "m", version: 1 },
        { lineage: { parents: [{ project: "b", name: "secret", version: 1 }] } },
      ),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });

    const asBoth = registryOver(storage, undefined, both);
    const child = await asBoth.createModel({
      project: "a",
      name: "m2",
      lineage: { parents: [{ project: "b", name: "secret", version: 1 }] },
    });
    expect(child.lineage!.parents).toEqual([ref("secret", 1, "b")]);
    // Alice reads the reference (it is the child's metadata) but not the parent itself.
    expect((await registry.service.getModel(alice, { project: "a", name: "m2", version: 1 }))!.lineage!.parents).toEqual([
      ref("secret", 1, "b"),
    ]);
    expect(await registry.service.getParent(alice, ref("secret", 1, "b"))).toBeNull();
    expect(await registry.service.getParent(both, ref("secret", 1, "b"), ALL_PARTS)).not.toBeNull();
    // derivedModels lists only children the caller may read, and needs read on the parent's project.
    const bOnly = Caller.forKey("bonly", [{ project: "b", role: "read" }]);
    expect((await derived(bOnly, ref("secret", 1, "b"))).nodes).toEqual([]);
    expect((await derived(both, ref("secret", 1, "b"))).nodes.map((n) => `${n.project}/${n.name}`)).toEqual(["a/m2"]);
    await expect(derived(alice, ref("secret", 1, "b"))).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  test("the cycle check follows only versions the caller may read: a hidden version's lineage, or its existence, changes no answer", async () => {
    // c/hid@1 (a project `both` cannot read) derives from a/top@1; b/mid@1 (readable) names c/hid@1.
    const admin = registryOver(storage);
    const asBoth = registryOver(storage, undefined, both);
    await admin.createModel({ project: "a", name: "top", version: 1 });
    await admin.createModel({ project: "a", name: "top", version: 2 });
    await admin.createModel({ project: "c", name: "hid", version: 1, lineage: { parents: [{ project: "a", name: "top", version: 1 }] } });
    await admin.createModel({ project: "c", name: "hid", version: 2 });
    await admin.createModel({ project: "b", name: "mid", version: 1, lineage: { parents: [{ project: "c", name: "hid", version: 1 }] } });
    await admin.createModel({ project: "b", name: "mid", version: 2, lineage: { parents: [{ project: "c", name: "hid", version: 2 }] } });
    // What `both` sees of b/mid@1 and b/mid@2 is alike: a parent it may not read, and a/top's versions have no readable children.
    for (const top of [1, 2]) expect((await derived(both, ref("top", top, "a"))).nodes).toEqual([]);
    const edit = (top: number, mid: number) =>
      asBoth.updateModel(
        { project: "a", name: "top", version: top },
        { lineage: { parents: [{ project: "b", name: "mid", version: mid }] } },
      );
    // So are the answers: whether c/hid@1 derives from a/top@1 is not told by a refusal.
    const closing = await edit(1, 1);
    const open = await edit(2, 2);
    expect(closing.lineage!.parents).toEqual([ref("mid", 1, "b")]);
    expect(open.lineage!.parents).toEqual([ref("mid", 2, "b")]);
    // The same for a hidden version that is gone: b/mid@3 names c/gone@1, deleted.
    await admin.createModel({ project: "c", name: "gone", version: 1, lineage: { parents: [{ project: "a", name: "top", version: 2 }] } });
    await admin.createModel({ project: "b", name: "mid", version: 3, lineage: { parents: [{ project: "c", name: "gone", version: 1 }] } });
    await admin.deleteModel({ project: "c", name: "gone", version: 1 });
    expect((await edit(2, 3)).lineage!.parents).toEqual([ref("mid", 3, "b")]);
    // A caller who may read every project the path crosses is still refused a cycle.
    await admin.updateModel({ project: "a", name: "top", version: 1 }, { lineage: {} });
    await expect(
      admin.updateModel({ project: "a", name: "top", version: 1 }, { lineage: { parents: [{ project: "b", name: "mid", version: 1 }] } }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT", message: "input.lineage.parents would make a/top@1 its own ancestor" });
  });
});
