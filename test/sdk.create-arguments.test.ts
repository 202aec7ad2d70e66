import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError, type ModelRegistry } from "@homer/sdk";
import { makeTempDir } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/** The error `promise` rejects with, which must be a RegistryError. */
async function refusal(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

describe("SDK createModel: arguments the registry cannot take", () => {
  let gw: TestGateway;
  let root: string;
  let dir: string;
  let mr: ModelRegistry;
  beforeAll(async () => {
    gw = await startTestGateway();
    root = await makeTempDir("homer-sdk-create-args-");
    dir = path.join(root, "model");
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, "w.bin"), "weights");
    mr = await connection({ url: gw.url }).getModelRegistry();
  });
  afterAll(async () => {
    await gw.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("a version that is no whole number from 1 to 2^31 - 1 is BAD_USER_INPUT on version, with modelPath or for a draft; none is taken for the next free version", async () => {
    for (const version of [NaN, Infinity, -Infinity, 1.5, 0, -1, 2 ** 31, "7"] as unknown as number[]) {
      const shown = String(version);
      const uploaded = await refusal(mr.createModel({ name: "mnist", version, modelPath: dir }));
      expect([uploaded.code, uploaded.field], shown).toEqual(["BAD_USER_INPUT", "version"]);
      const drafted = await refusal(mr.createModel({ name: "mnist", version }));
      expect([drafted.code, drafted.field], shown).toEqual(["BAD_USER_INPUT", "version"]);
    }
    expect(await mr.getModels({ name: "mnist" })).toEqual([]);
    // The rule's ends are taken.
    expect((await mr.createModel({ name: "mnist", version: 2 ** 31 - 1, modelPath: dir })).version).toBe(2 ** 31 - 1);
    expect((await (await mr.createModel({ name: "mnist", version: 1 })).save(dir)).version).toBe(1);
  });

  test("an inputExample, tags or flavors that JSON would change or cannot carry, or a signature without lists, is BAD_USER_INPUT naming where, before anything is sent", async () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    const cases: [Record<string, unknown>, string][] = [
      [{ inputExample: { x: [1, NaN] } }, "inputExample.x[1]"],
      [{ inputExample: [Infinity] }, "inputExample[0]"],
      [{ inputExample: () => 1 }, "inputExample"],
      [{ inputExample: { n: 10n } }, "inputExample.n"],
      [{ inputExample: cycle }, "inputExample.self"],
      [{ inputExample: new Map([["a", 1]]) }, "inputExample"],
      [{ tags: { owner: undefined, at: new Date(0) } }, "tags.at"],
      [{ tags: { score: NaN } }, "tags.score"],
      [{ flavors: { sklearn: { version: 1n } } }, "flavors.sklearn.version"],
      [{ signature: { inputs: null, outputs: [] } }, "signature.inputs"],
      [{ signature: { inputs: [], outputs: [null] } }, "signature.outputs[0]"],
      [{ signature: { inputs: [{ type: "float", shape: 3 }], outputs: [] } }, "signature.inputs[0].shape"],
    ];
    for (const [given, field] of cases) {
      const uploaded = await refusal(mr.createModel({ name: "examples", modelPath: dir, ...given }));
      expect([uploaded.code, uploaded.field], field).toEqual(["BAD_USER_INPUT", field]);
      const drafted = await refusal(mr.createModel({ name: "examples", ...given }));
      expect([drafted.code, drafted.field], field).toEqual(["BAD_USER_INPUT", field]);
    }
    expect(await mr.getModels({ name: "examples" })).toEqual([]);
    // JSON as it is goes through unchanged; a tag left undefined is left out.
    const inputExample = {
      columns: ["a", "b"],
      data: [
        [1, -0.5],
        [null, true],
      ],
      nested: { "k.é": "v" },
    };
    const model = await mr.createModel({
      name: "examples",
      modelPath: dir,
      inputExample,
      tags: { owner: undefined, team: "vision" } as unknown as Record<string, string>,
      signature: { inputs: [{ name: "a", type: "double", shape: [-1, 2] }], outputs: [{ type: "long" }] },
    });
    expect(model.inputExample).toEqual(inputExample);
    expect(model.tags).toEqual({ team: "vision" });
    expect(model.signature?.inputs[0]?.shape).toEqual([-1, 2]);
  });

  test("updateModel: tags that JSON would change are BAD_USER_INPUT; a NaN in mergeTags no longer removes the tag (as null would)", async () => {
    const model = await mr.createModel({ name: "edited", modelPath: dir, tags: { score: 1, team: "vision" } });
    const merged = await refusal(model.update({ mergeTags: { score: NaN } }));
    expect([merged.code, merged.field]).toEqual(["BAD_USER_INPUT", "mergeTags.score"]);
    const replaced = await refusal(mr.updateModel({ name: "edited", version: model.version, tags: { at: 1n } as never }));
    expect([replaced.code, replaced.field]).toEqual(["BAD_USER_INPUT", "tags.at"]);
    expect((await mr.getModel({ name: "edited", version: model.version }))?.tags).toEqual({ score: 1, team: "vision" });
  });

  test("a symbolic link in modelPath that leads nowhere is BAD_USER_INPUT naming it, not left out of the version", async () => {
    const linked = path.join(root, "linked");
    await fs.mkdir(path.join(linked, "sub"), { recursive: true });
    await fs.writeFile(path.join(linked, "config.json"), "{}");
    for (const [link, to] of [
      ["weights.bin", "/nonexistent-homer-disk/weights.bin"],
      ["sub/loop", "loop"],
    ] as const) {
      await fs.symlink(to, path.join(linked, link));
      const error = await refusal(mr.createModel({ name: "linked", modelPath: linked }));
      expect([error.code, error.field]).toEqual(["BAD_USER_INPUT", "modelPath"]);
      expect(error.message).toContain(path.join(linked, link));
      const drafted = await refusal((await mr.createModel({ name: "linked" })).save(linked));
      expect(drafted.message).toContain(path.join(linked, link));
      await fs.rm(path.join(linked, link));
    }
    expect(await mr.getModels({ name: "linked" })).toEqual([]);
    // FIFOs are still left out, as documented.
    spawnSync("mkfifo", [path.join(linked, "pipe")]);
    expect((await mr.createModel({ name: "linked", modelPath: linked })).files.map((f) => f.path)).toEqual(["config.json"]);
  });

  test("createModel and save options of the wrong type are BAD_USER_INPUT naming them before anything is read; an onProgress that is no function no longer fails the upload as NETWORK_ERROR", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ onProgress: 5 }, "onProgress"],
      [{ awaitRegistration: NaN }, "awaitRegistration"],
      [{ awaitRegistration: -1 }, "awaitRegistration"],
      [{ awaitRegistration: "300" }, "awaitRegistration"],
      [{ awaitRegistration: Infinity }, "awaitRegistration"],
      [{ tfMetaGraphTags: "serve" }, "tfMetaGraphTags"],
      [{ tfMetaGraphTags: 5 }, "tfMetaGraphTags"],
    ];
    for (const [given, field] of cases) {
      const uploaded = await refusal(mr.createModel({ name: "options", modelPath: dir, ...given }));
      expect([uploaded.code, uploaded.field], JSON.stringify(given)).toEqual(["BAD_USER_INPUT", field]);
      const drafted = await refusal(mr.createModel({ name: "options", ...given }));
      expect([drafted.code, drafted.field], JSON.stringify(given)).toEqual(["BAD_USER_INPUT", field]);
    }
    const draft = await mr.createModel({ name: "options" });
    const saved = await refusal(draft.save(dir, { onProgress: "log" as never }));
    expect([saved.code, saved.field]).toEqual(["BAD_USER_INPUT", "onProgress"]);
    expect(await mr.getModels({ name: "options" })).toEqual([]);
    expect((await draft.save(dir, { awaitRegistration: 0, onProgress: () => {} })).tfMetaGraphTags).toBeNull();
  });
});
