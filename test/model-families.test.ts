/**
 * modelFamilies over GraphQL: who may list which project (as `models` decides),
 * and every bad argument answered with a typed error (never a 500), on every
 * backend. The listing's semantics are the contract suite's.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const admin = generateKey();
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

const FAMILIES = `
  query ($project: String, $search: String, $match: NameMatch, $orderBy: ModelFamilyOrder, $first: Int, $after: String) {
    modelFamilies(project: $project, search: $search, match: $match, orderBy: $orderBy, first: $first, after: $after) {
      nodes { project name versionCount latestVersion latestCreatedAt createdAt updatedAt }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

describe.each(BACKENDS)("modelFamilies over GraphQL on %s", (backend) => {
  let gw: TestGateway;
  const keys: Record<string, string> = {};
  const as = (who: string) => (variables: Record<string, unknown>) => gw.gql(FAMILIES, variables, who ? bearer(keys[who]!) : {});
  const namesOf = (res: { data?: { modelFamilies: { nodes: { name: string }[] } } }) => res.data?.modelFamilies.nodes.map((n) => n.name);

  beforeAll(async () => {
    gw = await startTestGateway({ backend, config: { adminKey: admin.token } });
    keys.admin = admin.token;
    const run = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await gw.gql(query, variables, bearer(admin.token));
      expect(res.errors).toBeUndefined();
      return res.data;
    };
    for (const project of ["team-a", "team-b"]) await run(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: project });
    for (const [project, name] of [
      ["team-a", "resnet"],
      ["team-a", "ResNet-50"],
      ["team-a", "my_model"],
      ["team-a", "myXmodel"],
      ["team-a", "resnet"],
      ["team-b", "secret-model"],
    ]) {
      await run(`mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`, { i: { project, name } });
    }
    for (const [who, grants] of [
      ["readerA", [{ project: "team-a", role: "READ" }]],
      ["writerB", [{ project: "team-b", role: "WRITE" }]],
    ] as const) {
      const data = await run(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { name: who, grants } });
      keys[who] = data.createApiKey.secret;
    }
  });
  afterAll(() => gw?.close());

  test("a reader lists its project's models, by name, with counts and latest versions", async () => {
    const res = await as("readerA")({});
    expect(res.errors).toBeUndefined();
    const times = {
      latestCreatedAt: expect.stringMatching(/Z$/),
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    };
    expect(res.data.modelFamilies.nodes).toEqual([
      { project: "team-a", name: "my_model", versionCount: 1, latestVersion: 1, ...times },
      { project: "team-a", name: "myXmodel", versionCount: 1, latestVersion: 1, ...times },
      { project: "team-a", name: "resnet", versionCount: 2, latestVersion: 2, ...times },
      { project: "team-a", name: "ResNet-50", versionCount: 1, latestVersion: 1, ...times },
    ]);
    const resnet = res.data.modelFamilies.nodes[2];
    expect(Date.parse(resnet.createdAt)).toBeLessThan(Date.parse(resnet.latestCreatedAt));
    expect(resnet.updatedAt).toBe(resnet.latestCreatedAt);
    expect(res.data.modelFamilies.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
  });

  test("a key without a role on the project is FORBIDDEN, as for models; without a key UNAUTHENTICATED", async () => {
    const families = await as("readerA")({ project: "team-b" });
    const models = await gw.gql(`{ models(name: "secret-model", project: "team-b") { totalCount } }`, {}, bearer(keys.readerA!));
    expect([codeOf(families), codeOf(models)]).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    expect(families.data).toBeNull();
    expect(JSON.stringify(families)).not.toContain("secret-model");
    expect(namesOf(await as("writerB")({}))).toEqual(["secret-model"]);
    expect(codeOf(await as("writerB")({ project: "team-a" }))).toBe("FORBIDDEN");
    expect(codeOf(await as("")({}))).toBe("UNAUTHENTICATED");
    expect(namesOf(await as("admin")({ project: "team-b" }))).toEqual(["secret-model"]);
  });

  test("search is a case-insensitive prefix; LIKE wildcards and backslashes are plain characters", async () => {
    const search = async (s: string) => namesOf(await as("readerA")({ search: s }));
    expect(await search("RES")).toEqual(["resnet", "ResNet-50"]);
    expect(await search("resnet-")).toEqual(["ResNet-50"]);
    expect(await search("my_")).toEqual(["my_model"]);
    for (const none of ["%", "res%", "_", "my%model", "\\", "res\\", "re_net", "*", "res.*"]) expect(await search(none), none).toEqual([]);
  });

  test.each<[string, Record<string, unknown>]>([
    ["first 0", { first: 0 }],
    ["first 501", { first: 501 }],
    ["first -1", { first: -1 }],
    ["garbage cursor", { after: "not a cursor!" }],
    ["base64 of nonsense", { after: Buffer.from("[1,2,3]").toString("base64url") }],
    [
      "forged cursor naming no name",
      { after: Buffer.from(JSON.stringify({ j: "team-a", s: "", a: "' or 1=1 --" })).toString("base64url") },
    ],
    ["cursor of another project", { after: Buffer.from(JSON.stringify({ j: "team-b", s: "", a: "zzz" })).toString("base64url") }],
    ["10 kB cursor", { after: "A".repeat(10_000) }],
    ["search with NUL", { search: "res\u0000net" }],
    ["search with a bidi override", { search: "res\u202Eten" }],
    ["search with a terminal escape", { search: "\u001b[2Jres" }],
    ["search of 10,000 characters", { search: "r".repeat(10_000) }],
    ["project that is no name", { project: "../team-a" }],
  ])("%s → BAD_USER_INPUT, status 200", async (_, variables) => {
    const res = await as("readerA")(variables);
    expect(res.status).toBe(200);
    expect(codeOf(res)).toBe("BAD_USER_INPUT");
    expect(res.errors![0]!.message).not.toMatch(/internal/i);
  });

  test("match SUBSTRING and orderBy UPDATED over GraphQL", async () => {
    expect(namesOf(await as("readerA")({ search: "MODEL", match: "SUBSTRING" }))).toEqual(["my_model", "myXmodel"]);
    const recent = await as("readerA")({ orderBy: "UPDATED" });
    // resnet's second version was registered after every other model of team-a.
    expect(namesOf(recent)?.[0]).toBe("resnet");
    const times = recent.data.modelFamilies.nodes.map((n: { updatedAt: string }) => Date.parse(n.updatedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  test("a first, search, match or orderBy of the wrong type is refused by variable coercion (400)", async () => {
    for (const variables of [
      { first: "10" },
      { first: 1.5 },
      { first: 2 ** 40 },
      { search: 42 },
      { after: ["x"] },
      { match: "CONTAINS" },
      { match: "prefix" },
      { orderBy: "UPDATED; drop table families" },
      { orderBy: 1 },
    ]) {
      const res = await as("readerA")(variables);
      expect(res.status, JSON.stringify(variables)).toBe(400);
      expect(codeOf(res)).toBe("BAD_USER_INPUT");
    }
  });

  test("a cursor resumes the listing it came from", async () => {
    const first = await as("readerA")({ first: 3 });
    expect(first.data.modelFamilies.pageInfo.hasNextPage).toBe(true);
    const rest = await as("readerA")({ first: 3, after: first.data.modelFamilies.pageInfo.endCursor });
    expect(namesOf(rest)).toEqual(["ResNet-50"]);
    expect(codeOf(await as("readerA")({ search: "res", after: first.data.modelFamilies.pageInfo.endCursor }))).toBe("BAD_USER_INPUT");
  });

  test("best(metric, direction): each model's first version of that sort, null without the metric; one statement per page", async () => {
    const asAdmin = (query: string, variables: Record<string, unknown> = {}) => gw.gql(query, variables, bearer(admin.token));
    await asAdmin(`mutation { createProject(name: "team-c") { name } }`);
    const create = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;
    for (const [name, accuracy] of [
      ["alpha", 0.5],
      ["alpha", 0.9],
      ["alpha", null],
      ["beta", null],
    ] as const) {
      const metrics = accuracy === null ? [] : [{ key: "accuracy", value: accuracy }];
      expect((await asAdmin(create, { i: { project: "team-c", name, metrics } })).errors).toBeUndefined();
    }
    const best = (metric: string, direction = "DESC") =>
      asAdmin(
        `query($m: String!, $d: SortDirection) { modelFamilies(project: "team-c", first: 50) {
          nodes { name best(metric: $m, direction: $d) { name version metric(key: "accuracy") } } } }`,
        { m: metric, d: direction },
      );
    expect((await best("accuracy")).data.modelFamilies.nodes).toEqual([
      { name: "alpha", best: { name: "alpha", version: 2, metric: 0.9 } },
      { name: "beta", best: null },
    ]);
    expect((await best("accuracy", "ASC")).data.modelFamilies.nodes[0].best.version).toBe(1);
    expect((await best("no such metric")).data.modelFamilies.nodes.map((n: { best: unknown }) => n.best)).toEqual([null, null]);
    // Hostile metric keys are answered exactly as bestModel answers them (NUL refused; keys no version can have: null).
    for (const hostile of ["acc\u0000uracy", "acc\u202euracy", "a".repeat(10_000)]) {
      const family = await best(hostile);
      const root = await asAdmin(`query($m: String!) { bestModel(project: "team-c", name: "alpha", metric: $m) { version } }`, {
        m: hostile,
      });
      expect(codeOf(family), JSON.stringify(hostile.slice(0, 20))).toBe(codeOf(root));
      expect(family.data?.modelFamilies.nodes[0].best ?? null).toEqual(root.data?.bestModel ?? null);
    }
    expect(codeOf(await best("acc\u0000uracy"))).toBe("BAD_USER_INPUT");
    // The page's bests are one statement: a page of 500 (or a variable `first`, charged as 500) passes;
    // every further metric is another statement over the page, charged again, and a dozen at 500 are refused.
    const page = (first: string, metrics: string[]) =>
      `query${first === "$first" ? "($first: Int)" : ""} { modelFamilies(project: "team-c", first: ${first}) { nodes { ${metrics
        .map((m, i) => `b${i}: best(metric: "${m}") { version metrics { key value } files { path sha256 downloadUrl } }`)
        .join(" ")} } } }`;
    expect((await asAdmin(page("500", ["accuracy"]))).errors).toBeUndefined();
    expect((await asAdmin(page("$first", ["accuracy"]), { first: 10 })).errors).toBeUndefined();
    const refused = await asAdmin(
      page(
        "500",
        Array.from({ length: 12 }, (_, i) => `metric${i}`),
      ),
    );
    expect(refused.status).toBe(400);
    expect(refused.errors?.[0]?.message).toMatch(/cost/i);
  });
});

describe("modelFamilies in open mode", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
    for (const project of ["default", "elsewhere"]) {
      expect(
        (await gw.gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`, { i: { project, name: "m" } })).errors,
      ).toBeUndefined();
    }
  });
  afterAll(() => gw?.close());

  test("every project can be listed; the default project is `default`", async () => {
    const listed = await gw.gql(FAMILIES, {});
    expect(listed.data.modelFamilies.nodes).toMatchObject([{ project: "default", name: "m" }]);
    expect((await gw.gql(FAMILIES, { project: "elsewhere" })).data.modelFamilies.nodes).toMatchObject([{ project: "elsewhere" }]);
    expect((await gw.gql(FAMILIES, { project: "empty" })).data.modelFamilies).toEqual({
      nodes: [],
      pageInfo: { hasNextPage: false, endCursor: null },
    });
  });
});
