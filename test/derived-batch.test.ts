import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/**
 * `Model.derivedModels` on a page of versions: the first pages of all its versions are read
 * together (a statement per 100 versions, and one read of their large columns), not a
 * statement or two per version.
 */
describe.each(BACKENDS)("a page's derived versions on %s", (backend) => {
  let gw: TestGateway;
  let statements: string[] = [];
  const VERSIONS = 130;

  beforeAll(async () => {
    gw = await startTestGateway({
      backend,
      log: (event) => {
        if (event.level === "query") statements.push(event.query.sql);
      },
    });
    // Version v names v - 1 as its parent: each version but the last has one derived version,
    // whose description (3,000 characters) is read after its page, by row id.
    for (let v = 1; v <= VERSIONS; v++) {
      const res = await gw.gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`, {
        i: {
          name: "chain",
          description: `${v}`.padEnd(3000, "."),
          lineage: v > 1 ? { parents: [{ name: "chain", version: v - 1 }] } : null,
        },
      });
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(() => gw?.close());

  type Node = {
    version: number;
    derivedModels: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: { version: number; description: string }[] };
  };

  test("a page of 130 versions with their derived versions and a large field: 4 statements, each version's own", async () => {
    statements = [];
    const res = await gw.gql(`{ models(name: "chain", first: ${VERSIONS}) { nodes { version
      derivedModels(first: 2) { pageInfo { hasNextPage endCursor } nodes { version description } } } } }`);
    expect(res.errors).toBeUndefined();
    const nodes = res.data.models.nodes as Node[];
    expect(nodes).toHaveLength(VERSIONS);
    for (const node of nodes) {
      const expected = node.version < VERSIONS ? [{ version: node.version + 1, description: `${node.version + 1}`.padEnd(3000, ".") }] : [];
      expect(node.derivedModels.nodes, `version ${node.version}`).toEqual(expected);
      expect(node.derivedModels.pageInfo.hasNextPage).toBe(false);
    }
    // The page, its derived versions (100 + 30 parents), their descriptions.
    expect(
      statements.filter((sql) => /union all/.test(sql) && /"model_parents"/.test(sql)),
      statements.join("\n"),
    ).toHaveLength(2);
    expect(statements, statements.join("\n")).toHaveLength(4);
  });

  test("two selections with other arguments are two reads; a cursor still pages one version's", async () => {
    // Version 1 gains two more derived versions (131 and 132), after version 2.
    for (let i = 0; i < 2; i++) {
      const res = await gw.gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`, {
        i: { name: "chain", lineage: { parents: [{ name: "chain", version: 1 }] } },
      });
      expect(res.errors).toBeUndefined();
    }
    statements = [];
    const res = await gw.gql(`{ models(name: "chain", first: 5, direction: ASC) { nodes { version
      one: derivedModels(first: 1) { pageInfo { hasNextPage endCursor } nodes { version } }
      all: derivedModels(first: 3) { pageInfo { hasNextPage } nodes { version } } } } }`);
    expect(res.errors).toBeUndefined();
    const [first, second] = res.data.models.nodes as { version: number; one: Node["derivedModels"]; all: Node["derivedModels"] }[];
    expect(first!.version).toBe(1);
    expect(first!.one.nodes.map((n) => n.version)).toEqual([2]);
    expect(first!.one.pageInfo.hasNextPage).toBe(true);
    expect(first!.all.nodes.map((n) => n.version)).toEqual([2, VERSIONS + 1, VERSIONS + 2]);
    expect(second!.one.nodes.map((n) => n.version)).toEqual([3]);
    expect(second!.one.pageInfo.hasNextPage).toBe(false);
    expect(statements.filter((sql) => /union all/.test(sql) && /"model_parents"/.test(sql))).toHaveLength(2);

    const after = await gw.gql(
      `query($c: String) { model(name: "chain", version: 1) { derivedModels(first: 5, after: $c) { nodes { version } } } }`,
      {
        c: first!.one.pageInfo.endCursor,
      },
    );
    expect(after.errors).toBeUndefined();
    expect(after.data.model.derivedModels.nodes.map((n: { version: number }) => n.version)).toEqual([VERSIONS + 1, VERSIONS + 2]);
    // A cursor on a page of versions: refused for the versions it was not issued for (their
    // derivedModels is non-null, so the error voids the page).
    const misused = await gw.gql(
      `query($c: String) { models(name: "chain", first: 2, direction: ASC) { nodes { version derivedModels(after: $c) { nodes { version } } } } }`,
      { c: first!.one.pageInfo.endCursor },
    );
    expect(misused.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    expect((misused.errors?.[0] as { path?: unknown } | undefined)?.path).toEqual(["models", "nodes", 1, "derivedModels"]);
  });
});
