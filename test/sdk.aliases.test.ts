import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, formatModelRef, parseModelRef, RegistryError, type ModelRegistry } from "@homer/sdk";
import { generateKey } from "../gateway/src/access/api-key.js";
import { HOSTILE_ALIASES } from "./support/aliases.js";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;

describe("parseModelRef", () => {
  test.each([
    ["mnist", { kind: "latest" }, "mnist@latest"],
    ["mnist@latest", { kind: "latest" }, "mnist@latest"],
    ["mnist@3", { kind: "version", version: 3 }, "mnist@3"],
    ["mnist@2147483647", { kind: "version", version: 2147483647 }, "mnist@2147483647"],
    ["mnist@champion", { kind: "alias", alias: "champion" }, "mnist@champion"],
    ["m.v2_x-y@prod-eu_1", { kind: "alias", alias: "prod-eu_1" }, "m.v2_x-y@prod-eu_1"],
    ["mnist@best:accuracy", { kind: "best", metric: "accuracy", direction: "desc" }, "mnist@best:accuracy"],
    ["mnist@best:loss:asc", { kind: "best", metric: "loss", direction: "asc" }, "mnist@best:loss:asc"],
    ["mnist@best:acc:desc", { kind: "best", metric: "acc", direction: "desc" }, "mnist@best:acc"],
  ])("%s", (ref, selector, formatted) => {
    const parsed = parseModelRef(ref);
    expect(parsed).toEqual({ name: ref.split("@")[0], selector });
    expect(formatModelRef(parsed)).toBe(formatted);
    expect(parseModelRef(formatted)).toEqual(parsed);
  });

  test.each([
    "",
    "@3",
    "@champion",
    "mnist@",
    "mnist@0",
    "mnist@2147483648",
    "mnist@99999999999999999999",
    "mnist@-1",
    "mnist@1.5",
    "mnist@Champion",
    "mnist@best",
    "mnist@best:",
    "mnist@best:acc:sideways",
    "mnist@best:acc:asc:more",
    "mnist@best:bad key",
    "mnist@bestie",
    "mnist@a@b",
    "mnist@a/b",
    "mnist@champ\u0000",
    "mnist@champ\u0007",
    "mnist@chämpion",
    "mni st",
    "../etc@1",
    "mnist\n@1",
    "冠军@1",
    "m".repeat(129),
    `mnist@${"a".repeat(64)}`,
    "x".repeat(1_000_000),
  ])("%j is BAD_USER_INPUT (field ref)", (ref) => {
    let error: unknown;
    try {
      parseModelRef(ref);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code: "BAD_USER_INPUT", field: "ref" });
    expect((error as Error).message.length).toBeLessThan(400);
  });

  test("not a string is BAD_USER_INPUT", () => {
    for (const value of [undefined, null, 3, {}]) {
      expect(() => parseModelRef(value as never)).toThrow(RegistryError);
    }
  });
});

/** Aliases through the SDK against a real gateway, on each metadata backend. */
describe.each(BACKENDS)("SDK aliases on %s", (backend) => {
  const admin = generateKey();
  let gw: TestGateway;
  let mr: ModelRegistry;
  const create = async (input: Record<string, unknown>): Promise<number> => {
    const res = await gw.gql(CREATE, { i: input }, { authorization: `Bearer ${admin.token}` });
    expect(res.errors).toBeUndefined();
    return (res.data.createModel as { version: number }).version;
  };

  beforeAll(async () => {
    gw = await startTestGateway({ backend, config: { adminKey: admin.token } });
    mr = await connection({ url: gw.url, apiKey: admin.token }).getModelRegistry("default");
    for (const acc of [0.5, 0.9, 0.7])
      await create({
        name: "mnist",
        metrics: [
          { key: "acc", value: acc },
          { key: "loss", value: 1 - acc },
        ],
      });
  });
  afterAll(async () => {
    await gw?.close();
  });

  test("setAlias, getModel by every kind of reference, getAliases, model.aliases", async () => {
    const set = await mr.setAlias({ name: "mnist", alias: "champion", version: 2 });
    expect(set).toMatchObject({ project: "default", name: "mnist", alias: "champion", version: 2, protected: false });
    expect(set.updatedAt).toBeInstanceOf(Date);
    const cases: [Parameters<ModelRegistry["getModel"]>[0], number][] = [
      ["mnist@champion", 2],
      ["mnist@1", 1],
      ["mnist@latest", 3],
      ["mnist", 3],
      ["mnist@best:acc", 2],
      ["mnist@best:loss:asc", 2],
      ["mnist@best:acc:asc", 1],
      [{ name: "mnist", alias: "champion" }, 2],
      [{ name: "mnist", version: 3 }, 3],
      [{ ref: "mnist@champion", project: "default" }, 2],
    ];
    for (const [locator, version] of cases) {
      expect((await mr.getModel(locator))?.version, JSON.stringify(locator)).toBe(version);
    }
    expect((await mr.getModel("mnist@champion"))!.aliases).toEqual(["champion"]);
    expect(await mr.getModel("mnist@nobody")).toBeNull();
    expect(await mr.getModel("mnist@best:f1")).toBeNull();
    expect(await mr.getModel("nothing-here")).toBeNull();
    expect(await mr.getModel("mnist@99")).toBeNull();

    const v3 = (await mr.getModel("mnist@3"))!;
    expect(await v3.setAlias("staging")).toMatchObject({ alias: "staging", version: 3 });
    expect((await mr.getAliases({ name: "mnist" })).map((a) => [a.alias, a.version])).toEqual([
      ["champion", 2],
      ["staging", 3],
    ]);
    const listed = await mr.getModels({ name: "mnist" });
    expect(listed.map((m) => [m.version, m.aliases])).toEqual([
      [3, ["staging"]],
      [2, ["champion"]],
      [1, []],
    ]);
    await mr.removeAlias({ name: "mnist", alias: "staging" });
    expect(await mr.getModel("mnist@staging")).toBeNull();
    await expect(mr.removeAlias({ name: "mnist", alias: "staging" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(mr.setAlias({ name: "mnist", alias: "prod", version: 99 })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  test("protectAlias, and delete refused while aliased unless force", async () => {
    const version = await create({ name: "sdk-del" });
    await mr.setAlias({ name: "sdk-del", alias: "prod", version });
    expect(await mr.protectAlias({ name: "sdk-del", alias: "prod", protected: true })).toMatchObject({ protected: true });
    const model = (await mr.getModel({ name: "sdk-del", alias: "prod" }))!;
    const refused = await model.delete().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegistryError);
    expect(refused).toMatchObject({ code: "CONFLICT", graphQLError: { extensions: { aliases: ["prod"] } } });
    expect(await mr.getModel({ name: "sdk-del", version })).not.toBeNull();
    await model.delete({ force: true });
    expect(await mr.getModel({ name: "sdk-del", version })).toBeNull();
    expect(await mr.getAliases({ name: "sdk-del" })).toEqual([]);
  });

  test("hostile references and aliases are refused before any request", async () => {
    for (const [alias] of HOSTILE_ALIASES) {
      for (const attempt of [
        () => mr.setAlias({ name: "mnist", alias, version: 1 }),
        () => mr.removeAlias({ name: "mnist", alias }),
        () => mr.protectAlias({ name: "mnist", alias, protected: true }),
        () => mr.getModel({ name: "mnist", alias }),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error, JSON.stringify(alias).slice(0, 40)).toMatchObject({
          code: "BAD_USER_INPUT",
          field: "alias",
          graphQLError: undefined,
        });
      }
    }
    for (const ref of ["mnist@", "mnist@Champion", "mnist@best:", "a b", ""]) {
      await expect(mr.getModel(ref)).rejects.toMatchObject({ code: "BAD_USER_INPUT", field: "ref", graphQLError: undefined });
    }
    for (const locator of [{ name: "mnist" }, { name: "mnist", version: 1, alias: "champion" }, 7, null]) {
      await expect(mr.getModel(locator as never)).rejects.toMatchObject({ code: "BAD_USER_INPUT", graphQLError: undefined });
    }
    await expect(mr.protectAlias({ name: "mnist", alias: "champion", protected: "yes" as never })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      field: "protected",
    });
    // What the server refuses keeps its code: a version out of range.
    await expect(mr.setAlias({ name: "mnist", alias: "champion", version: 0 })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      field: "version",
    });
    expect((await mr.getAliases({ name: "mnist" })).map((a) => a.alias)).toEqual(["champion"]);
  });
});
