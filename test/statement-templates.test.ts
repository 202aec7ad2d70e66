import {
  DefaultQueryCompiler,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type SelectQueryBuilder,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
  type Dialect,
} from "kysely";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { StatementTemplates, type SlotValue } from "../gateway/src/storage/sql/statement-templates.js";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type GraphQLResponse, type TestGateway } from "./support/gateway.js";

/** A Kysely that compiles (never runs) statements in one dialect's SQL. */
function compilerOnly(kind: "sqlite" | "postgres") {
  const dialect: Dialect =
    kind === "sqlite"
      ? {
          createAdapter: () => new SqliteAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (db) => new SqliteIntrospector(db),
          createQueryCompiler: () => new SqliteQueryCompiler(),
        }
      : {
          createAdapter: () => new PostgresAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (db) => new PostgresIntrospector(db),
          createQueryCompiler: () => new PostgresQueryCompiler(),
        };
  return new Kysely<any>({ dialect });
}

describe.each(["sqlite", "postgres"] as const)("statement templates (%s compiler)", (kind) => {
  const db = compilerOnly(kind);

  test("a shape's later statements are its template filled with their own values, as a full build compiles them", () => {
    const templates = new StatementTemplates();
    const build = vi.fn((v: readonly SlotValue[]) =>
      db
        .selectFrom("t")
        .select(["a", "b"])
        .where("name", "=", v[0] as string)
        .where("kind", "=", "fixed")
        .where("n", ">", v[1] as number)
        .orderBy("a", "desc")
        .limit(v[2] as number),
    );
    const cases: SlotValue[][] = [
      ["mnist", 0.5, 10],
      ["resnet", -3, 500],
      ["", 1e300, 1],
      ['it\'s "quoted" ; drop table t', Number.MIN_VALUE, 0],
      // A caller's value that is exactly a stand-in, control characters, a long one.
      ["\u0000homer-slot-0-0\u0000", 2 ** 51 + 12_345, 2 ** 51 + 2 ** 30 + 12_345],
      ["a\u0000b\r\n\u001b[31m", -0, Number.MAX_SAFE_INTEGER],
      ["x".repeat(100_000), Number.MAX_VALUE, 2 ** 31],
    ];
    for (const values of cases) {
      const compiled = templates.compile("t|desc", values, build);
      const full = build(values).compile();
      expect(compiled.sql).toBe(full.sql);
      expect(compiled.parameters).toEqual(full.parameters);
      expect(compiled.parameters).toContain("fixed");
    }
    // The first call built three times (its own values, two sets of stand-ins); the rest only in this test's own comparisons.
    expect(build).toHaveBeenCalledTimes(3 + cases.length);
  });

  test("a value used twice fills both of its parameters", () => {
    const templates = new StatementTemplates();
    const build = (v: readonly SlotValue[]) =>
      db
        .selectFrom("t")
        .select("a")
        .where((eb) => eb.or([eb("x", "=", v[0] as string), eb("y", "=", v[0] as string)]));
    templates.compile("twice", ["first"], build);
    const compiled = templates.compile("twice", ["second"], build);
    expect(compiled.parameters).toEqual(["second", "second"]);
    expect(compiled.sql).toBe(build(["second"]).compile().sql);
  });

  // Shapes whose values do not reach the statement as bound parameters, unchanged: built in full every time.
  const unfit: [string, (v: readonly SlotValue[]) => SelectQueryBuilder<any, any, any>][] = [
    [
      "inlined into the text",
      (v) =>
        db
          .selectFrom("t")
          .select("a")
          .where("name", "=", sql.lit(v[0] as string)),
    ],
    [
      "derived (limit + 1)",
      (v) =>
        db
          .selectFrom("t")
          .select("a")
          .where("name", "=", v[0] as string)
          .limit((v[1] as number) + 1),
    ],
    [
      "not used",
      (v) =>
        db
          .selectFrom("t")
          .select("a")
          .where("name", "=", v[0] as string),
    ],
    [
      "raw text",
      (v) =>
        db
          .selectFrom("t")
          .select("a")
          .where(sql.raw(`n > ${v[1] as number}`) as never),
    ],
  ];
  test.each(unfit)("a value %s makes no template, and every statement is still right", (_name, build) => {
    const templates = new StatementTemplates();
    const spy = vi.fn(build);
    for (const values of [
      ["a", 1],
      ["b", 2],
      ["c", 3],
    ] as SlotValue[][]) {
      const compiled = templates.compile("unfit", values, spy);
      const full = build(values).compile();
      expect(compiled.sql).toBe(full.sql);
      expect(compiled.parameters).toEqual(full.parameters);
    }
    // The first call's own build and two stand-in builds, then one full build per call.
    expect(spy).toHaveBeenCalledTimes(3 + 2);
  });

  test("a value derived from one slot is never taken for another slot's value", () => {
    const templates = new StatementTemplates();
    // Every slot reaches the statement, and one parameter is derived (v[1] + 1, 2 × v[1]): no template.
    const build = vi.fn((v: readonly SlotValue[]) =>
      db
        .selectFrom("t")
        .select("a")
        .where("name", "=", v[0] as string)
        .where("a", "=", v[1] as number)
        .where("b", "=", (v[1] as number) + 1)
        .where("c", "=", v[2] as number)
        .limit((v[1] as number) * 2),
    );
    for (const values of [
      ["a", 1, 2],
      ["b", 5, 6],
      ["c", 10, 20],
    ] as SlotValue[][]) {
      const compiled = templates.compile("derived", values, build);
      expect(compiled.parameters).toEqual(build(values).compile().parameters);
    }
  });

  test("a value clamped by the builder (the same parameter for both sets of stand-ins) makes no template", () => {
    const templates = new StatementTemplates();
    const build = (v: readonly SlotValue[]) =>
      db
        .selectFrom("t")
        .select("a")
        .where("name", "=", v[0] as string)
        .limit(Math.min(v[1] as number, 500));
    for (const values of [
      ["a", 10],
      ["b", 20],
      ["c", 900],
    ] as SlotValue[][]) {
      expect(templates.compile("clamped", values, build).parameters).toEqual(build(values).compile().parameters);
    }
  });

  test("past its bound of shapes, a new shape is built once per call, and still right", () => {
    const templates = new StatementTemplates();
    const build = vi.fn((v: readonly SlotValue[]) =>
      db
        .selectFrom("t")
        .select("a")
        .where("name", "=", v[0] as string),
    );
    // The bound is 1024 shapes: each of the first takes its own build and two stand-in builds.
    for (let i = 0; i < 1024; i++) templates.compile(`shape ${i}`, [`n${i}`], build);
    expect(build).toHaveBeenCalledTimes(3 * 1024);
    build.mockClear();
    for (let i = 1024; i < 1100; i++) {
      expect(templates.compile(`shape ${i}`, [`n${i}`], build).parameters).toEqual([`n${i}`]);
    }
    expect(build).toHaveBeenCalledTimes(76);
    // The shapes kept are still templates: a later call builds nothing.
    build.mockClear();
    expect(templates.compile("shape 7", ["again"], build).parameters).toEqual(["again"]);
    expect(build).not.toHaveBeenCalled();
  });
});

/**
 * The unfiltered listing (sorted by a metric or by version, either direction,
 * first page or after a cursor) builds and compiles each shape once: later pages
 * of any family reuse the statement with their own values, and read their own rows.
 */
describe.each(BACKENDS)("listing pages from templates on %s", (backend) => {
  let gw: TestGateway;
  const families = { alpha: [0.3, 0.9, 0.1, 0.7, 0.5], beta: [0.2, 0.8, 0.4, 0.6] };

  beforeAll(async () => {
    gw = await startTestGateway({ backend });
    for (const [name, values] of Object.entries(families)) {
      for (const acc of values) await gw.upload({ name, metrics: [{ key: "acc", value: acc }] }, { "w.bin": `${name}-${acc}` });
    }
    // A version without the metric: sorted pages end with it (the missing phase).
    await gw.upload({ name: "alpha", metrics: [{ key: "loss", value: 1 }] }, { "w.bin": "alpha-no-acc" });
  }, 60_000);
  afterAll(async () => {
    await gw?.gateway.close();
    await gw?.storage.cleanup();
  });

  const PAGE = `query($name: String!, $sortKey: String, $direction: SortDirection, $first: Int, $after: String) {
    models(name: $name, sortKey: $sortKey, direction: $direction, first: $first, after: $after) {
      nodes { version metric(key: "acc") }
      pageInfo { hasNextPage endCursor }
    }
  }`;

  /** Every node of the listing, page by page. */
  async function walk(name: string, sortKey: string | null, direction: "ASC" | "DESC", first: number) {
    const seen: { version: number; metric: number | null }[] = [];
    let after: string | null = null;
    for (;;) {
      const r: GraphQLResponse = await gw.gql(PAGE, { name, sortKey, direction, first, after });
      expect(r.errors).toBeUndefined();
      seen.push(...r.data.models.nodes);
      if (!r.data.models.pageInfo.hasNextPage) return seen;
      after = r.data.models.pageInfo.endCursor;
    }
  }

  /** What the listing must be, from the uploads. */
  function expected(name: keyof typeof families, sortKey: string | null, direction: "ASC" | "DESC") {
    const versions: { version: number; metric: number | null }[] = families[name].map((acc, i) => ({ version: i + 1, metric: acc }));
    if (name === "alpha") versions.push({ version: versions.length + 1, metric: null });
    const sign = direction === "DESC" ? -1 : 1;
    if (sortKey === null) return versions.sort((a, b) => sign * (a.version - b.version));
    const withMetric = versions.filter((v) => v.metric !== null).sort((a, b) => sign * (a.metric! - b.metric!));
    return [...withMetric, ...versions.filter((v) => v.metric === null)];
  }

  const SHAPES = [
    ["acc", "DESC"],
    ["acc", "ASC"],
    [null, "DESC"],
    [null, "ASC"],
  ] as const;

  test("every family, page size and cursor reads its own rows, in order, across both phases", async () => {
    for (const [sortKey, direction] of SHAPES) {
      for (const name of ["alpha", "beta", "alpha"] as const) {
        for (const first of [1, 2, 3, 50]) expect(await walk(name, sortKey, direction, first)).toEqual(expected(name, sortKey, direction));
      }
    }
  });

  test("after a shape's first page, its pages of other families, sizes and cursors compile nothing", async () => {
    for (const [sortKey, direction] of SHAPES) await walk("alpha", sortKey, direction, 2);
    const compile = vi.spyOn(DefaultQueryCompiler.prototype, "compileQuery");
    try {
      for (const [sortKey, direction] of SHAPES) {
        for (const name of ["beta", "alpha"] as const) {
          const want = expected(name, sortKey, direction);
          // By version every page is a template; by a metric, the pages the metric phase fills
          // alone: the page and one more row (hasNextPage). A page that reaches the missing
          // phase reads both phases in a statement of its own.
          const withMetric = want.filter((v) => v.metric !== null).length;
          const pages = sortKey === null ? Math.ceil(want.length / 2) : Math.floor((withMetric - 1) / 2);
          let after: string | null = null;
          for (let page = 0; page < pages; page++) {
            const r: GraphQLResponse = await gw.gql(PAGE, { name, sortKey, direction, first: 2, after });
            expect(r.data.models.nodes).toEqual(want.slice(page * 2, page * 2 + 2));
            after = r.data.models.pageInfo.endCursor;
          }
        }
      }
      // (The rate limit's statement is not a listing's.)
      const listings = compile.mock.results.map((r) => (r.value as { sql: string }).sql).filter((text) => text.includes('"models"'));
      expect(listings).toEqual([]);
    } finally {
      compile.mockRestore();
    }
  });

  test("each of the 64 sets of parts has its own template: every page holds exactly the parts asked for", async () => {
    const names = ["metrics", "files", "flavors", "card", "lineage", "aliases"] as const;
    const fields = {
      metrics: ["metrics"],
      files: ["files"],
      flavors: ["flavors", "tfMetaGraphTags"],
      card: ["cardFile"],
      lineage: ["lineage"],
      aliases: ["aliases"],
    };
    for (const sortKey of ["acc", null]) {
      // Twice: the first of each set builds its statement, the second comes from the template.
      for (const pass of [1, 2]) {
        for (let bits = 0; bits < 64; bits++) {
          const parts = Object.fromEntries(names.map((name, i) => [name, (bits & (1 << i)) !== 0])) as Record<
            (typeof names)[number],
            boolean
          >;
          const page = await gw.storage.metadata.listModels({
            project: "default",
            name: "alpha",
            sortKey,
            direction: "DESC",
            limit: 3,
            after: null,
            parts,
          });
          expect(
            page.map((l) => l.model.version),
            `pass ${pass}`,
          ).toEqual(
            expected("alpha", sortKey, "DESC")
              .slice(0, 3)
              .map((v) => v.version),
          );
          for (const { model } of page) {
            for (const name of names) {
              for (const field of fields[name])
                expect(field in model, `${field} with parts ${JSON.stringify(parts)}, pass ${pass}`).toBe(parts[name]);
            }
          }
        }
      }
    }
  });
});
