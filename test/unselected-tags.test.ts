import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection } from "@homer/sdk";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;

/**
 * A version's tags hold up to 64 KiB of any JSON, which parses to up to 20 times that in
 * objects (`[{}, {}, …]`): 500 such versions made a 7.9 KB answer of `{ version }` take
 * 700 MB, and four aliases 2.4 GB, though the answer's budget never saw them. They are
 * read only when the operation selects `tags`.
 */
describe.each(BACKENDS)("tags are read only when selected on %s", (backend) => {
  let gw: TestGateway;
  let statements: string[] = [];
  let counting = false;
  beforeAll(async () => {
    gw = await startTestGateway({
      backend,
      log: (event) => {
        if (event.level === "query" && counting) statements.push(event.query.sql);
      },
    });
    for (let v = 1; v <= 3; v++) {
      const res = await gw.gql(CREATE, {
        i: { project: "tg", name: "m", metrics: [{ key: "acc", value: v }], tags: { heavy: Array.from({ length: 1000 }, () => ({})), v } },
      });
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(() => gw?.close());

  const run = async (query: string) => {
    statements = [];
    counting = true;
    const res = await gw.gql(query);
    counting = false;
    expect(res.errors, query).toBeUndefined();
    const reads = statements.filter((sql) => /^(with|select)/i.test(sql.trim()) && /"models"|from "page"|"m"\./.test(sql));
    return {
      data: res.data,
      tagsRead: reads.some((sql) => /"m"\."tags"|"tags" as|, "tags"/.test(sql)),
      descriptionRead: reads.some((sql) => /"m"\."description"/.test(sql)),
    };
  };

  test("pages, versions and families' best versions without tags do not read them; with tags they answer them whole", async () => {
    for (let i = 0; i < 3; i++) {
      for (const query of [
        `{ models(project: "tg", name: "m") { nodes { version description } } }`,
        `{ models(project: "tg", name: "m", sortKey: "acc") { nodes { version } } }`,
        `{ model(project: "tg", name: "m", version: 2) { version } }`,
        `{ bestModel(project: "tg", name: "m", metric: "acc") { version } }`,
        `{ modelFamilies(project: "tg") { nodes { best(metric: "acc") { version } } } }`,
      ]) {
        const { tagsRead } = await run(query);
        expect(tagsRead, query).toBe(false);
      }
      const page = await run(`{ models(project: "tg", name: "m", sortKey: "acc") { nodes { version tags } } }`);
      expect(page.tagsRead).toBe(true);
      expect(page.data.models.nodes.map((n: { tags: { v: number; heavy: unknown[] } }) => [n.tags.v, n.tags.heavy.length])).toEqual([
        [3, 1000],
        [2, 1000],
        [1, 1000],
      ]);
      const best = await run(`{ modelFamilies(project: "tg") { nodes { best(metric: "acc") { version tags } } } }`);
      expect(best.data.modelFamilies.nodes[0].best.tags.v).toBe(3);
    }
    const registry = await connection({ url: gw.url }).getModelRegistry("tg");
    expect((await registry.getModels({ name: "m" })).map((m) => m.tags.v)).toEqual([3, 2, 1]);
  });

  test("the description likewise: read only when selected, and then answered whole", async () => {
    const long = "d".repeat(60_000);
    expect((await gw.gql(CREATE, { i: { project: "tg", name: "described", description: long } })).errors).toBeUndefined();
    for (let i = 0; i < 3; i++) {
      for (const query of [
        `{ models(project: "tg", name: "described") { nodes { version tags } } }`,
        `{ model(project: "tg", name: "described", version: 1) { version } }`,
      ]) {
        const { descriptionRead } = await run(query);
        expect(descriptionRead, query).toBe(false);
      }
      const page = await run(`{ models(project: "tg", name: "described") { nodes { version description } } }`);
      expect(page.descriptionRead).toBe(true);
      expect(page.data.models.nodes).toEqual([{ version: 1, description: long }]);
    }
    const registry = await connection({ url: gw.url }).getModelRegistry("tg");
    expect((await registry.getModel({ name: "described", version: 1 }))!.description).toBe(long);
  });
});
