import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Caller } from "../gateway/src/access/caller.js";
import { MAX_ALIASES_PER_MODEL } from "../gateway/src/domain/limits.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import { openTestStorage, STORAGE_COMBOS, type TestStorage } from "./support/backends.js";
import { HOSTILE_ALIASES } from "./support/aliases.js";
import { file } from "./support/files.js";
import { registryOver } from "./support/registry.js";

/** Aliases touch no blobs: the contract runs on each database with a local blob directory. */
const COMBOS = STORAGE_COMBOS.filter((c) => c.blobs === "fs");

describe.each(COMBOS.map((combo) => [combo.name, combo] as const))("aliases on %s", (_name, combo) => {
  let storage: TestStorage;
  let registry: ReturnType<typeof registryOver>;
  const as = (keyId: string, project: string, role: "read" | "write" | "admin") =>
    registryOver(storage, undefined, Caller.forKey(keyId, [{ project, role }]));
  const ref = (name: string, version: number, project = "default") => ({ project, name, version });
  const events = () => (storage.metadata as SqlMetadataStore).events;
  const eventsAfter = async (seq: number) =>
    (await events().readAfter(seq, 1000)).map((e) => [e.type, e.name, e.version, e.alias] as const);

  beforeAll(async () => {
    storage = await openTestStorage(combo);
    registry = registryOver(storage);
  });
  afterAll(() => storage?.cleanup());

  test("set, read by alias, move, list and remove; Model.aliases is sorted and read with the version", async () => {
    for (let i = 1; i <= 3; i++) await registry.createModel({ name: "mnist", metrics: [{ key: "acc", value: i / 10 }] });
    const set = await registry.service.setAlias(Caller.open(), { name: "mnist", alias: "champion", version: 2 });
    expect(set).toMatchObject({ project: "default", name: "mnist", alias: "champion", version: 2, protected: false, updatedBy: null });
    await registry.service.setAlias(Caller.open(), { name: "mnist", alias: "staging", version: 2 });
    await registry.service.setAlias(Caller.open(), { name: "mnist", alias: "a-first", version: 2 });

    const byAlias = await registry.service.findModel(Caller.open(), { name: "mnist", alias: "champion" });
    expect(byAlias).toMatchObject({ version: 2, aliases: ["a-first", "champion", "staging"] });
    expect(await registry.getModel(ref("mnist", 2))).toEqual(byAlias);
    expect((await registry.getModel(ref("mnist", 1)))!.aliases).toEqual([]);
    const page = await registry.listModels({ name: "mnist" });
    expect(page.nodes.map((m) => [m.version, m.aliases])).toEqual([
      [3, []],
      [2, ["a-first", "champion", "staging"]],
      [1, []],
    ]);
    expect((await registry.bestModel({ name: "mnist", metric: "acc" }))!.aliases).toEqual([]);

    // Moving is one change: the alias leaves 2 and lands on 3.
    const moved = await registry.service.setAlias(Caller.open(), { name: "mnist", alias: "champion", version: 3 });
    expect(moved).toMatchObject({ version: 3 });
    expect((await registry.getModel(ref("mnist", 2)))!.aliases).toEqual(["a-first", "staging"]);
    expect((await registry.service.findModel(Caller.open(), { name: "mnist", alias: "champion" }))!.version).toBe(3);
    expect((await registry.service.listAliases(Caller.open(), { name: "mnist" })).map((a) => [a.alias, a.version])).toEqual([
      ["a-first", 2],
      ["champion", 3],
      ["staging", 2],
    ]);

    await registry.service.removeAlias(Caller.open(), { name: "mnist", alias: "staging" });
    expect(await registry.service.findModel(Caller.open(), { name: "mnist", alias: "staging" })).toBeNull();
    expect((await registry.getModel(ref("mnist", 2)))!.aliases).toEqual(["a-first"]);
    await expect(registry.service.removeAlias(Caller.open(), { name: "mnist", alias: "staging" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  test("an alias must point at a version that exists: NOT_FOUND otherwise, nothing set", async () => {
    await registry.createModel({ name: "sparse" });
    for (const [name, version] of [
      ["sparse", 2],
      ["nobody", 1],
    ] as const) {
      await expect(registry.service.setAlias(Caller.open(), { name, alias: "prod", version })).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    }
    expect(await registry.service.listAliases(Caller.open(), { name: "sparse" })).toEqual([]);
    expect(await registry.service.listAliases(Caller.open(), { name: "nobody" })).toEqual([]);
    expect(await registry.service.findModel(Caller.open(), { name: "nobody", alias: "prod" })).toBeNull();
  });

  test("an overwrite keeps the alias on the version number; another family's alias of the same name is its own", async () => {
    await registry.createModel({ name: "ow", description: "old" });
    await registry.createModel({ name: "ow-other" });
    await registry.service.setAlias(Caller.open(), { name: "ow", alias: "prod", version: 1 });
    await registry.service.setAlias(Caller.open(), { name: "ow-other", alias: "prod", version: 1 });
    const replaced = await registry.createModel({ name: "ow", version: 1, overwrite: true, description: "new" });
    expect(replaced.aliases).toEqual(["prod"]);
    expect(await registry.service.findModel(Caller.open(), { name: "ow", alias: "prod" })).toMatchObject({ description: "new" });
    // An edit reads the version back with its aliases, as every read does.
    expect((await registry.updateModel(ref("ow", 1), { description: "edited" })).aliases).toEqual(["prod"]);
    // A version the registry numbers was never aliased.
    expect((await registry.createModel({ name: "ow" })).aliases).toEqual([]);
    await registry.service.removeAlias(Caller.open(), { name: "ow", alias: "prod" });
    expect(await registry.service.findModel(Caller.open(), { name: "ow-other", alias: "prod" })).toMatchObject({ version: 1 });
  });

  test("deleting an aliased version is CONFLICT naming the aliases, and changes nothing; force deletes it and its aliases", async () => {
    await registry.createModel({ name: "del", files: [file("w.bin", "del-weights")] });
    await registry.service.setAlias(Caller.open(), { name: "del", alias: "prod", version: 1 });
    await registry.service.setAlias(Caller.open(), { name: "del", alias: "champion", version: 1 });
    const refused = registry.deleteModel(ref("del", 1));
    await expect(refused).rejects.toMatchObject({ code: "CONFLICT", details: { aliases: ["champion", "prod"] } });
    await expect(refused).rejects.toThrow(/aliases "champion", "prod" point at.*force/);
    expect((await registry.getModel(ref("del", 1)))!.aliases).toEqual(["champion", "prod"]);

    const seq = await events().latestSeq();
    await registry.service.deleteModel(Caller.open(), ref("del", 1), { force: true });
    expect(await registry.getModel(ref("del", 1))).toBeNull();
    expect(await registry.service.listAliases(Caller.open(), { name: "del" })).toEqual([]);
    expect(await eventsAfter(seq)).toEqual([
      ["ALIAS_REMOVED", "del", 1, "champion"],
      ["ALIAS_REMOVED", "del", 1, "prod"],
      ["DELETED", "del", 1, null],
    ]);
    // A version without aliases deletes as before, force or not.
    await registry.createModel({ name: "del" });
    await registry.deleteModel(ref("del", 2));
  });

  test("moves and removals are events in the change's transaction; a set that changes nothing records none", async () => {
    await registry.createModel({ name: "ev" });
    await registry.createModel({ name: "ev" });
    const seq = await events().latestSeq();
    await registry.service.setAlias(Caller.open(), { name: "ev", alias: "prod", version: 1 });
    await registry.service.setAlias(Caller.open(), { name: "ev", alias: "prod", version: 1 });
    await registry.service.setAlias(Caller.open(), { name: "ev", alias: "prod", version: 2 });
    await registry.service.protectAlias(Caller.open(), { name: "ev", alias: "prod", protected: true });
    await registry.service.removeAlias(Caller.open(), { name: "ev", alias: "prod" });
    expect(await eventsAfter(seq)).toEqual([
      ["ALIAS_SET", "ev", 1, "prod"],
      ["ALIAS_SET", "ev", 2, "prod"],
      ["ALIAS_REMOVED", "ev", 2, "prod"],
    ]);
  });

  test("a model holds at most MAX_ALIASES_PER_MODEL aliases: one more is BAD_USER_INPUT, records nothing; moves and removals still work", async () => {
    await registry.createModel({ name: "many" });
    await registry.createModel({ name: "many" });
    const open = Caller.open();
    for (let i = 0; i < MAX_ALIASES_PER_MODEL; i++) await registry.service.setAlias(open, { name: "many", alias: `a${i}`, version: 1 });
    const seq = await events().latestSeq();
    await expect(registry.service.setAlias(open, { name: "many", alias: "onemore", version: 1 })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { field: "alias" },
      message: `default/many has ${MAX_ALIASES_PER_MODEL} aliases, the most a model may have: move or remove one instead`,
    });
    expect(await eventsAfter(seq)).toEqual([]);
    expect(await registry.service.findModel(open, { name: "many", alias: "onemore" })).toBeNull();
    // Another model's aliases are its own.
    await registry.createModel({ name: "few" });
    await registry.service.setAlias(open, { name: "few", alias: "onemore", version: 1 });
    // Moving or re-setting one it has is no new alias; after a removal there is room again.
    await registry.service.setAlias(open, { name: "many", alias: "a0", version: 2 });
    await registry.service.setAlias(open, { name: "many", alias: "a1", version: 1 });
    await registry.service.removeAlias(open, { name: "many", alias: "a2" });
    await registry.service.setAlias(open, { name: "many", alias: "onemore", version: 2 });
    expect((await eventsAfter(seq)).filter((e) => e[1] === "many")).toEqual([
      ["ALIAS_SET", "many", 2, "a0"],
      ["ALIAS_REMOVED", "many", 1, "a2"],
      ["ALIAS_SET", "many", 2, "onemore"],
    ]);
    expect(await registry.service.listAliases(open, { name: "many" })).toHaveLength(MAX_ALIASES_PER_MODEL);
  });

  test("roles: write sets, moves and removes; read only reads; another project's key touches nothing", async () => {
    await registry.createModel({ name: "roles" });
    await registry.createModel({ name: "roles" });
    const writer = as("k-writer", "default", "write");
    const reader = as("k-reader", "default", "read");
    const stranger = as("k-stranger", "other", "admin");
    const set = await writer.service.setAlias(writer.caller, { name: "roles", alias: "prod", version: 1 });
    expect(set).toMatchObject({ updatedBy: "k-writer" });
    await writer.service.setAlias(writer.caller, { name: "roles", alias: "prod", version: 2 });

    for (const who of [reader, stranger]) {
      for (const attempt of [
        () => who.service.setAlias(who.caller, { project: "default", name: "roles", alias: "prod", version: 1 }),
        () => who.service.setAlias(who.caller, { project: "default", name: "roles", alias: "new", version: 1 }),
        () => who.service.removeAlias(who.caller, { project: "default", name: "roles", alias: "prod" }),
        () => who.service.protectAlias(who.caller, { project: "default", name: "roles", alias: "prod", protected: true }),
        () => who.service.deleteModel(who.caller, ref("roles", 2), { force: true }),
      ]) {
        await expect(attempt()).rejects.toMatchObject({ code: "FORBIDDEN" });
      }
    }
    // Another project's key learns nothing either: its reads are refused like its writes.
    await expect(stranger.service.listAliases(stranger.caller, { name: "roles", project: "default" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(stranger.service.findModel(stranger.caller, { name: "roles", alias: "prod", project: "default" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect((await reader.service.findModel(reader.caller, { name: "roles", alias: "prod" }))!.version).toBe(2);
    expect(await reader.service.listAliases(reader.caller, { name: "roles" })).toMatchObject([{ alias: "prod", version: 2 }]);
    await writer.service.removeAlias(writer.caller, { name: "roles", alias: "prod" });
    expect(await registry.service.listAliases(Caller.open(), { name: "roles" })).toEqual([]);
  });

  test("a protected alias: only admin moves, removes or unprotects it, or force-deletes its version; write may re-set it where it is", async () => {
    await registry.createModel({ name: "guard" });
    await registry.createModel({ name: "guard" });
    const writer = as("k-writer", "default", "write");
    const admin = as("k-admin", "default", "admin");
    await writer.service.setAlias(writer.caller, { name: "guard", alias: "prod", version: 1 });
    // Protecting needs admin, by either mutation.
    await expect(writer.service.protectAlias(writer.caller, { name: "guard", alias: "prod", protected: true })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(
      writer.service.setAlias(writer.caller, { name: "guard", alias: "prod", version: 1, protected: true }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      writer.service.setAlias(writer.caller, { name: "guard", alias: "fresh", version: 1, protected: true }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await registry.service.listAliases(Caller.open(), { name: "guard" })).toMatchObject([{ alias: "prod", protected: false }]);

    expect(await admin.service.protectAlias(admin.caller, { name: "guard", alias: "prod", protected: true })).toMatchObject({
      protected: true,
      version: 1,
      updatedBy: "k-admin",
    });
    const move = writer.service.setAlias(writer.caller, { name: "guard", alias: "prod", version: 2 });
    await expect(move).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(move).rejects.toThrow(/"prod" of default\/guard is protected: moving it needs admin/);
    await expect(writer.service.removeAlias(writer.caller, { name: "guard", alias: "prod" })).rejects.toThrow(/removing it needs admin/);
    await expect(writer.service.deleteModel(writer.caller, ref("guard", 1), { force: true })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(writer.service.protectAlias(writer.caller, { name: "guard", alias: "prod", protected: false })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    // Where it already points, and as protected as it is: no change, so no admin needed.
    expect(await writer.service.setAlias(writer.caller, { name: "guard", alias: "prod", version: 1 })).toMatchObject({ protected: true });
    expect(await registry.getModel(ref("guard", 1))).toMatchObject({ aliases: ["prod"] });

    expect(await admin.service.setAlias(admin.caller, { name: "guard", alias: "prod", version: 2 })).toMatchObject({
      version: 2,
      protected: true,
    });
    await admin.service.protectAlias(admin.caller, { name: "guard", alias: "prod", protected: false });
    await writer.service.setAlias(writer.caller, { name: "guard", alias: "prod", version: 1 });
    await admin.service.protectAlias(admin.caller, { name: "guard", alias: "prod", protected: true });
    await admin.service.deleteModel(admin.caller, ref("guard", 1), { force: true });
    expect(await registry.service.listAliases(Caller.open(), { name: "guard" })).toEqual([]);
    await expect(admin.service.protectAlias(admin.caller, { name: "guard", alias: "prod", protected: true })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  test("concurrent moves serialise: the alias ends where one of them put it, and every move is one event", async () => {
    for (let i = 0; i < 6; i++) await registry.createModel({ name: "race" });
    await registry.service.setAlias(Caller.open(), { name: "race", alias: "prod", version: 1 });
    for (let round = 0; round < 3; round++) {
      const seq = await events().latestSeq();
      const targets = [2, 3, 4, 5, 6, 2, 3];
      const settled = await Promise.allSettled(
        targets.map((version) => registry.service.setAlias(Caller.open(), { name: "race", alias: "prod", version })),
      );
      expect(settled.every((s) => s.status === "fulfilled")).toBe(true);
      const [alias] = await registry.service.listAliases(Caller.open(), { name: "race" });
      const recorded = await eventsAfter(seq);
      // Each event is a move from where the previous left it, and the last is where it is.
      expect(recorded.length).toBeGreaterThan(0);
      for (let i = 1; i < recorded.length; i++) expect(recorded[i]![2]).not.toBe(recorded[i - 1]![2]);
      expect(recorded.at(-1)![2]).toBe(alias!.version);
      expect((await registry.getModel(ref("race", alias!.version)))!.aliases).toEqual(["prod"]);
    }
  });

  test("a delete racing a set never leaves an alias on a deleted version", async () => {
    for (let round = 0; round < 4; round++) {
      const name = `race-del-${round}`;
      await registry.createModel({ name });
      const [set, del] = await Promise.allSettled([
        registry.service.setAlias(Caller.open(), { name, alias: "prod", version: 1 }),
        registry.deleteModel(ref(name, 1)),
      ]);
      const aliases = await registry.service.listAliases(Caller.open(), { name });
      const model = await registry.getModel(ref(name, 1));
      if (del.status === "fulfilled") {
        // The delete went first: the set found no version.
        expect(set).toMatchObject({ status: "rejected", reason: { code: "NOT_FOUND" } });
        expect([model, aliases]).toEqual([null, []]);
      } else {
        expect(del.reason).toMatchObject({ code: "CONFLICT" });
        expect(model!.aliases).toEqual(["prod"]);
      }
    }
  });

  test("hostile arguments are BAD_USER_INPUT naming the argument, and change nothing", async () => {
    await registry.createModel({ name: "hostile" });
    await registry.service.setAlias(Caller.open(), { name: "hostile", alias: "prod", version: 1 });
    const open = Caller.open();
    for (const [alias, why] of HOSTILE_ALIASES) {
      for (const attempt of [
        () => registry.service.setAlias(open, { name: "hostile", alias, version: 1 }),
        () => registry.service.removeAlias(open, { name: "hostile", alias }),
        () => registry.service.protectAlias(open, { name: "hostile", alias, protected: true }),
        () => registry.service.findModel(open, { name: "hostile", alias }),
      ]) {
        await expect(attempt(), why).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "alias" } });
      }
    }
    await expect(registry.service.setAlias(open, { name: "hostile", alias: "latest", version: 1 })).rejects.toThrow(
      /reserved: "latest" and names starting with "best" are reference keywords/,
    );
    await expect(registry.service.setAlias(open, { name: "hostile", alias: "Prod", version: 1 })).rejects.toThrow(/lower-case/);
    for (const version of [0, -1, 1.5, 2 ** 31, Number.NaN]) {
      await expect(registry.service.setAlias(open, { name: "hostile", alias: "prod", version })).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
        details: { field: "version" },
      });
    }
    for (const name of ["", "a/b", "x\u0000", "../etc", "n".repeat(129)]) {
      await expect(registry.service.setAlias(open, { name, alias: "prod", version: 1 })).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
        details: { field: "name" },
      });
    }
    for (const project of ["", "a b", "p\u0000"]) {
      await expect(registry.service.setAlias(open, { project, name: "hostile", alias: "prod", version: 1 })).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
        details: { field: "project" },
      });
    }
    await expect(
      registry.service.protectAlias(open, { name: "hostile", alias: "prod", protected: "yes" as unknown as boolean }),
    ).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "protected" } });
    // model(): exactly one of version and alias.
    await expect(registry.service.findModel(open, { name: "hostile" })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { field: "version" },
    });
    await expect(registry.service.findModel(open, { name: "hostile", version: 1, alias: "prod" })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
    expect(await registry.service.listAliases(open, { name: "hostile" })).toMatchObject([{ alias: "prod", version: 1, protected: false }]);
    // The longest name the rule allows works.
    const longest = `a${"-".repeat(61)}z`;
    expect(await registry.service.setAlias(open, { name: "hostile", alias: longest, version: 1 })).toMatchObject({ alias: longest });
    expect((await registry.getModel(ref("hostile", 1)))!.aliases).toEqual([longest, "prod"]);
  });
});
