import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const PAGE = `query($name: String!, $first: Int) {
  models(name: $name, sortKey: "acc", first: $first) {
    totalCount
    nodes { id version tags metrics { key value } metric(key: "acc") files { path sha256 downloadUrl } archiveUrl aliases }
  }
}`;

/** Nested fields of a page cost a constant number of SQL statements, whatever its size. */
describe.each(BACKENDS)("no N+1 on %s", (backend) => {
  let gw: TestGateway;
  let counting = false;
  let statements: string[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({
      backend,
      // The worst case: open mode's key check on every request (it is otherwise
      // remembered for HOMER_OPEN_MODE_RECHECK_MS; see open-mode.test.ts).
      config: { openModeRecheckMs: 0 },
      log: (event) => {
        if (counting && event.level === "query") statements.push(event.query.sql);
      },
    });
    for (const [name, n] of [
      ["small", 3],
      ["large", 40],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const metrics =
          i % 4 === 3
            ? [{ key: "loss", value: i }]
            : [
                { key: "acc", value: i / n },
                { key: "loss", value: i },
              ];
        await gw.upload({ name, metrics, tags: { i } }, { "w.bin": `${name}-${i}`, "cfg/a.json": "{}" });
      }
    }
  });
  afterAll(() => gw?.close());

  async function countStatements(name: string, first: number) {
    statements = [];
    counting = true;
    const res = await gw.gql(PAGE, { name, first });
    counting = false;
    expect(res.errors).toBeUndefined();
    return { nodes: res.data.models.nodes.length, statements: [...statements] };
  }

  test("a page of 3 and a page of 40 cost the same statements", async () => {
    const small = await countStatements("small", 50);
    const large = await countStatements("large", 50);
    expect(small.nodes).toBe(3);
    expect(large.nodes).toBe(40);
    // authentication + the metric phase alone (it did not fill the page) + the page
    // (both phases, metrics and files of every node, one statement) + count
    expect(large.statements.length).toBe(small.statements.length);
    expect(large.statements.length).toBe(4);
  });

  test("one statement reads a page, in either phase, with every nested field", async () => {
    for (const first of [10, 50]) {
      // 10 stays in the metric phase; 50 crosses into the versions without "acc".
      const crosses = first > 30;
      const page = await countStatements("large", first);
      expect(page.nodes).toBe(Math.min(first, 40));
      expect(page.statements.filter((sql) => /api_keys/.test(sql))).toHaveLength(1);
      expect(page.statements.filter((sql) => /"version_count"/.test(sql))).toHaveLength(1);
      // The nodes come from one statement: the metric phase alone when it fills the
      // page, else one statement of both phases (after the metric phase fell short).
      const reads = page.statements.filter((sql) => /metrics_json|json_agg|json_group_array/i.test(sql));
      expect(reads.filter((sql) => /"hits"/.test(sql))).toHaveLength(crosses ? 1 : 0);
      expect(page.statements).toHaveLength(crosses ? 4 : 3);
    }
  });

  test("flavors, the signature and input example, and the card's file are read only when selected; the large columns sized first, then read", async () => {
    const run = async (fields: string, page = `name: "large", first: 10`) => {
      statements = [];
      counting = true;
      const res = await gw.gql(`{ models(${page}, sortKey: "acc") { nodes { version ${fields} } } }`);
      counting = false;
      expect(res.errors).toBeUndefined();
      // The page's reads (not authentication nor a rate-limit batch).
      return statements.filter((sql) => /"models"/.test(sql));
    };
    const lean = await run("");
    expect(lean, lean.join("\n")).toHaveLength(1);
    expect(lean[0]).not.toMatch(/flavors|tf_meta_graph_tags|README\.md|"cf"|lineage|model_parents|"aliases"|signature|input_example/);
    // The large columns (a signature may take most of a 2 MiB body): the page's statement sizes
    // those of the selected parts, and one more statement reads exactly the selected ones.
    // Versions with every large column (in a project of their own: the other tests count this one's), and one with none.
    for (let i = 0; i < 3; i++) {
      await gw.upload(
        {
          project: "heavy",
          name: "heavy",
          metrics: [{ key: "acc", value: i }],
          signature: { inputs: [{ name: `x${i}`, type: "double" }], outputs: [{ type: "long" }] },
          inputExample: { x: [i] },
          flavors: { sklearn: { sklearn_version: `1.${i}` } },
          tfMetaGraphTags: [`serve${i}`],
        },
        { "w.bin": `heavy-${i}` },
      );
    }
    await gw.upload({ project: "heavy", name: "heavy", metrics: [{ key: "acc", value: -1 }] }, { "w.bin": "bare" });
    const noneStored = await run("signature { inputs { name } } inputExample flavors tfMetaGraphTags");
    expect(noneStored, noneStored.join("\n")).toHaveLength(1);
    for (const [fields, sized, read] of [
      ["signature { inputs { name } }", ["signature", "input_example"], ["signature"]],
      ["inputExample", ["signature", "input_example"], ["input_example"]],
      ["flavors", ["flavors", "tf_meta_graph_tags"], ["flavors"]],
      [
        "tfMetaGraphTags inputExample",
        ["signature", "input_example", "flavors", "tf_meta_graph_tags"],
        ["input_example", "tf_meta_graph_tags"],
      ],
    ] as const) {
      // The three versions that hold them (the fourth, which holds none, would end the page's metric phase).
      const reads = await run(fields, `project: "heavy", name: "heavy", first: 3`);
      expect(reads, reads.join("\n")).toHaveLength(2);
      const [page, values] = reads as [string, string];
      for (const column of ["signature", "input_example", "flavors", "tf_meta_graph_tags"]) {
        expect(page.includes(`octet_length("m"."${column}")`), `${fields}: ${column} sized`).toBe(sized.includes(column as never));
        expect(page.includes(`"m"."${column}",`) || page.endsWith(`"m"."${column}"`), `${fields}: ${column} read by the page`).toBe(false);
        expect(values.includes(`"${column}" as "text"`), `${fields}: ${column} read after`).toBe(read.includes(column as never));
      }
      // By row id, as one bound list: one statement text whatever the number of ids.
      expect(values).toMatch(backend === "postgres" ? /"id" = any\(\$\d+::bigint\[\]\)/ : /"id" in \(select value from json_each\(\?\)\)/);
    }
    const withAliases = await run("aliases");
    expect(withAliases, withAliases.join("\n")).toHaveLength(1);
    expect(withAliases[0]).toMatch(/from "aliases" as "pa"/);
    const withCard = await run("card");
    expect(withCard).toHaveLength(1);
    expect(withCard[0]).toMatch(/"cf"\."path" = /);
    expect(withCard[0]).not.toMatch(/"flavors"/);
    // Lineage: its column and its parents' rows, in the page's own statement.
    const withLineage = await run("lineage { environment parents { name version } }");
    expect(withLineage, withLineage.join("\n")).toHaveLength(1);
    expect(withLineage[0]).toMatch(/"m"\."lineage"/);
    expect(withLineage[0]).toMatch(/"model_parents"/);
    expect(withLineage[0]).not.toMatch(/"flavors"/);
  });

  test("an edit reads back, inside its transaction, only the parts the mutation selects", async () => {
    const edit = async (fields: string) => {
      statements = [];
      counting = true;
      const res = await gw.gql(
        `mutation { updateModel(name: "small", version: 1, input: { addMetrics: [{ key: "f1", value: 0.5 }] }) { revision ${fields} } }`,
      );
      counting = false;
      expect(res.errors).toBeUndefined();
      // The read back: the last statement on models before the event.
      return statements.filter((sql) => /^select/i.test(sql) && /from "models"/.test(sql)).at(-1)!;
    };
    const lean = await edit("");
    expect(lean).not.toMatch(/model_files|"metrics"|flavors/);
    const full = await edit("metrics { key } files { path } flavors");
    expect(full).toMatch(/model_files/);
    expect(full).toMatch(/"metrics"/);
    expect(full).toMatch(/flavors/);
  });

  test("a page of families with each one's best, under two metrics, is one statement per metric; their aliases one", async () => {
    for (const [name, alias, version] of [
      ["large", "prod", 39],
      ["large", "canary", 40],
      ["small", "prod", 1],
    ] as const) {
      const set = await gw.gql(`mutation($n: String!, $a: String!, $v: Int!) { setAlias(name: $n, alias: $a, version: $v) { version } }`, {
        n: name,
        a: alias,
        v: version,
      });
      expect(set.errors).toBeUndefined();
    }
    statements = [];
    counting = true;
    const res = await gw.gql(`{ modelFamilies(first: 500) {
      nodes { name a: best(metric: "acc") { version metrics { key value } files { path } } b: best(metric: "loss", direction: ASC) { version }
              c: best(metric: "acc") { version metrics { key value } files { path } } aliases { alias version } } } }`);
    counting = false;
    expect(res.errors).toBeUndefined();
    const large = [
      { alias: "canary", version: 40 },
      { alias: "prod", version: 39 },
    ];
    expect(res.data.modelFamilies.nodes).toEqual([
      {
        name: "large",
        a: expect.objectContaining({ version: 39 }),
        b: { version: 1 },
        c: expect.objectContaining({ version: 39 }),
        aliases: large,
      },
      {
        name: "small",
        a: expect.objectContaining({ version: 3 }),
        b: { version: 1 },
        c: expect.objectContaining({ version: 3 }),
        aliases: [{ alias: "prod", version: 1 }],
      },
    ]);
    expect(statements.filter((sql) => /from "families" as "f" inner join "aliases"/.test(sql))).toHaveLength(1);
    const bests = statements.filter((sql) => /"mt"\."model_id"/.test(sql));
    // a and c ask the same: one statement serves both; b is the other.
    expect(bests).toHaveLength(2);
    expect(statements.filter((sql) => /from "families"/.test(sql) && !/"mt"|"aliases"/.test(sql))).toHaveLength(1);
  });

  test("a page's parents, across families, are read in one statement; a deleted parent reads null", async () => {
    for (let i = 0; i < 6; i++) {
      const parents = [
        { name: "large", version: 1 + i },
        { name: "small", version: 1 + (i % 3) },
      ];
      const made = await gw.upload({ name: "child", metrics: [{ key: "acc", value: i }], lineage: { parents } }, { "w.bin": `child-${i}` });
      expect(made.errors).toBeUndefined();
    }
    expect((await gw.gql(`mutation { deleteModel(name: "large", version: 2) }`)).errors).toBeUndefined();
    statements = [];
    counting = true;
    const res = await gw.gql(`{ models(name: "child", first: 50) {
      nodes { version lineage { parents { name version model { version metric(key: "acc") files { path } } same: model { version metric(key: "acc") files { path } } } } } } }`);
    counting = false;
    expect(res.errors).toBeUndefined();
    const nodes = res.data.models.nodes as {
      version: number;
      lineage: { parents: { name: string; version: number; model: unknown; same: unknown }[] };
    }[];
    expect(nodes).toHaveLength(6);
    for (const node of nodes) {
      const i = node.version - 1;
      const [large, small] = node.lineage.parents;
      expect([large!.name, large!.version, small!.name, small!.version]).toEqual(["large", 1 + i, "small", 1 + (i % 3)]);
      expect(large!.model).toEqual(i === 1 ? null : { version: 1 + i, metric: i % 4 === 3 ? null : i / 40, files: expect.any(Array) });
      expect(small!.model).toEqual(expect.objectContaining({ version: 1 + (i % 3) }));
      expect(large!.same).toEqual(large!.model);
    }
    // The page, then one read of every parent (both selections ask for the same parts).
    const parentReads = statements.filter((sql) => /from \(values .* inner join "families" as "f" .* inner join "models" as "m"/.test(sql));
    expect(parentReads).toHaveLength(1);
  });
});
