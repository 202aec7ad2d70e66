import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, parseMetricCondition, parseMetricConditions, RegistryError, type ModelRegistry } from "@homer/sdk";
import { generateKey } from "../gateway/src/access/api-key.js";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;

describe("parseMetricCondition", () => {
  test.each([
    ["latency<20", { key: "latency", lt: 20 }],
    ["latency <= 20", { key: "latency", lte: 20 }],
    ["accuracy>0.9", { key: "accuracy", gt: 0.9 }],
    ["accuracy>=.9", { key: "accuracy", gte: 0.9 }],
    ["epochs=10", { key: "epochs", eq: 10 }],
    ["epochs==1e3", { key: "epochs", eq: 1000 }],
    ["val_loss<-1.5", { key: "val_loss", lt: -1.5 }],
  ])("%s", (text, want) => {
    expect(parseMetricCondition(text)).toEqual(want);
  });

  test.each([
    "latency",
    "<20",
    "latency<",
    "latency<abc",
    "latency<1e999",
    "latency<NaN",
    "latency<Infinity",
    "latency<0x10",
    "a b<1",
    "latency<20<30",
    "",
  ])("%j is BAD_USER_INPUT", (text) => {
    expect(() => parseMetricCondition(text)).toThrow(RegistryError);
    try {
      parseMetricCondition(text);
    } catch (error) {
      expect(error).toMatchObject({ code: "BAD_USER_INPUT" });
    }
  });

  test("conditions on one key merge into a range; two bounds on one side or = with another are refused", () => {
    expect(parseMetricConditions(["latency>5", "latency<20", "acc>=0.9"])).toEqual([
      { key: "latency", gt: 5, lt: 20 },
      { key: "acc", gte: 0.9 },
    ]);
    expect(() => parseMetricConditions(["latency>5", "latency>=6"])).toThrow(/already has a condition/);
    expect(() => parseMetricConditions(["latency=5", "latency<6"])).toThrow(/already has a condition/);
    expect(() => parseMetricConditions(["latency<5", "latency=6"])).toThrow(/already has a condition/);
  });
});

/** getModels and getBestModel with a filter, against a real gateway on each metadata backend. */
describe.each(BACKENDS)("SDK filters on %s", (backend) => {
  const admin = generateKey();
  let gw: TestGateway;
  let mr: ModelRegistry;

  beforeAll(async () => {
    gw = await startTestGateway({ backend, config: { adminKey: admin.token } });
    mr = await connection({ url: gw.url, apiKey: admin.token }).getModelRegistry("default");
    const rows = [
      { acc: 0.9, latency: 30, team: "vision", framework: "SKLEARN" },
      { acc: 0.95, latency: 10, team: "vision", framework: "PYTORCH" },
      { acc: 0.97, latency: 19, team: "nlp", framework: "SKLEARN" },
      { acc: 0.99, latency: 25, team: "vision", framework: "SKLEARN" },
    ];
    for (const r of rows) {
      const res = await gw.gql(
        CREATE,
        {
          i: {
            name: "sdk-f",
            tags: { team: r.team },
            framework: r.framework,
            metrics: [
              { key: "acc", value: r.acc },
              { key: "latency", value: r.latency },
            ],
          },
        },
        { authorization: `Bearer ${admin.token}` },
      );
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(async () => {
    await gw?.close();
  });

  const versions = (models: readonly { version: number }[]) => models.map((m) => m.version);

  test("getModels filters by metrics, tags, framework and dates, sorted and paged", async () => {
    const fast = await mr.getModels({ name: "sdk-f", sortKey: "acc", filter: { metrics: [{ key: "latency", lt: 20 }] }, pageSize: 1 });
    expect(versions(fast)).toEqual([3, 2]);
    expect(versions(await mr.getModels({ name: "sdk-f", filter: { tags: { team: "vision" }, framework: "SKLEARN" } }))).toEqual([4, 1]);
    expect(versions(await mr.getModels({ name: "sdk-f", filter: { createdAfter: new Date(Date.now() + 60_000) } }))).toEqual([]);
    expect(versions(await mr.getModels({ name: "sdk-f", filter: { createdBefore: new Date(Date.now() + 60_000).toISOString() } }))).toEqual(
      [4, 3, 2, 1],
    );
    const where = parseMetricConditions(["latency>=10", "latency<=25", "acc>0.92"]);
    expect(versions(await mr.getModels({ name: "sdk-f", sortKey: "latency", direction: "asc", filter: { metrics: where } }))).toEqual([
      2, 3, 4,
    ]);
  });

  test("getBestModel takes the filter: best accuracy among versions with latency < 20", async () => {
    expect((await mr.getBestModel({ name: "sdk-f", metric: "acc", filter: { metrics: [{ key: "latency", lt: 20 }] } }))?.version).toBe(3);
    expect(await mr.getBestModel({ name: "sdk-f", metric: "acc", filter: { tags: { team: "audio" } } })).toBeNull();
  });

  test("over GraphQL: a literal past the largest double is BAD_USER_INPUT; wrong types fail validation; both reach no SQL", async () => {
    const auth = { authorization: `Bearer ${admin.token}` };
    const huge = await gw.gql(
      `{ models(name: "sdk-f", filter: { metrics: [{ key: "acc", gt: 1e400 }] }) { nodes { version } } }`,
      {},
      auth,
    );
    expect(huge.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const max = await gw.gql(
      `{ models(name: "sdk-f", filter: { metrics: [{ key: "acc", lt: 1.7976931348623157e308 }] }) { nodes { version } } }`,
      {},
      auth,
    );
    expect(max.errors).toBeUndefined();
    for (const filter of [
      `{ metrics: [{ key: "acc", gt: "x" }] }`,
      `{ framework: sklearn }`,
      `{ createdAfter: "yesterday" }`,
      `{ metrics: { gt: 1 } }`,
      `{ tags: "team" }`,
    ]) {
      const res = await gw.gql(`{ models(name: "sdk-f", filter: ${filter}) { nodes { version } } }`, {}, auth);
      expect(res.errors?.[0]?.extensions?.code, filter).toMatch(/GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT/);
    }
    const variables = await gw.gql(
      `query($f: ModelFilter) { bestModel(name: "sdk-f", metric: "acc", filter: $f) { version } }`,
      { f: { metrics: [{ key: "latency", lt: 20 }], tags: { team: "nlp" } } },
      auth,
    );
    expect(variables.data).toEqual({ bestModel: { version: 3 } });
  });

  test("a bad filter is BAD_USER_INPUT", async () => {
    await expect(mr.getModels({ name: "sdk-f", filter: { metrics: [{ key: "acc" }] } })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(mr.getModels({ name: "sdk-f", filter: { tags: { team: "a\u0000" } } })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(mr.getModels({ name: "sdk-f", filter: { createdAfter: "not a date" } })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    const many = Array.from({ length: 17 }, (_, i) => ({ key: `k${i}`, gt: 0 }));
    await expect(mr.getBestModel({ name: "sdk-f", metric: "acc", filter: { metrics: many } })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
  });
});
