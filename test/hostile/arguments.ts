/** Hostile corpus: wrong argument types, versions and page sizes. */
import { CREATE } from "../support/raw-request.js";
import { BAD, bad, create, createRaw, gql, INVALID, INVALID_OR_BAD } from "./requests.js";
import { group, type Case, type Expect } from "./world.js";

export const wrongArgumentTypes = group("wrong argument types", () => {
  const cases: Case[] = [];
  const wrong: Record<string, unknown[]> = {
    "String!": [5, true, { a: 1 }, ["x"], null],
    String: [5, 1.5, { a: 1 }, ["x"]],
    "Int!": ["1", 1.5, true, { a: 1 }, [1], null],
    Int: ["1", 1.5, { a: 1 }, "NaN"],
    SortDirection: ["UP", "desc", 5, { a: 1 }],
    Boolean: ["yes", 1, { a: 1 }, [true]],
    "Boolean!": ["yes", 1, { a: 1 }, [true], null],
  };
  const ops: { op: string; doc: string; base: Record<string, unknown>; args: Record<string, string> }[] = [
    {
      op: "model",
      doc: `query($name: String!, $version: Int!, $project: String) { model(name: $name, version: $version, project: $project) { version } }`,
      base: { name: "fixture", version: 1 },
      args: { name: "String!", version: "Int!", project: "String" },
    },
    {
      op: "models",
      doc: `query($name: String!, $sortKey: String, $direction: SortDirection, $project: String, $first: Int, $after: String) { models(name: $name, sortKey: $sortKey, direction: $direction, project: $project, first: $first, after: $after) { totalCount } }`,
      base: { name: "fixture" },
      args: { name: "String!", sortKey: "String", direction: "SortDirection", project: "String", first: "Int", after: "String" },
    },
    {
      op: "modelFamilies",
      doc: `query($project: String, $search: String, $first: Int, $after: String) { modelFamilies(project: $project, search: $search, first: $first, after: $after) { nodes { name } } }`,
      base: {},
      args: { project: "String", search: "String", first: "Int", after: "String" },
    },
    {
      op: "bestModel",
      doc: `query($name: String!, $metric: String!, $direction: SortDirection, $project: String) { bestModel(name: $name, metric: $metric, direction: $direction, project: $project) { version } }`,
      base: { name: "fixture", metric: "acc" },
      args: { name: "String!", metric: "String!", direction: "SortDirection", project: "String" },
    },
    {
      op: "deleteModel",
      doc: `mutation($name: String!, $version: Int!, $project: String) { deleteModel(name: $name, version: $version, project: $project) }`,
      base: { name: "victim", version: 1 },
      args: { name: "String!", version: "Int!", project: "String" },
    },
    {
      op: "deleteModel",
      doc: `mutation($name: String!, $version: Int!, $force: Boolean) { deleteModel(name: $name, version: $version, force: $force) }`,
      base: { name: "victim", version: 1 },
      args: { force: "Boolean" },
    },
    {
      op: "model",
      doc: `query($name: String!, $alias: String, $version: Int) { model(name: $name, alias: $alias, version: $version) { version } }`,
      base: { name: "fixture", alias: "prod" },
      args: { alias: "String", version: "Int" },
    },
    {
      op: "setAlias",
      doc: `mutation($name: String!, $alias: String!, $version: Int!, $project: String, $protected: Boolean) { setAlias(name: $name, alias: $alias, version: $version, project: $project, protected: $protected) { version } }`,
      base: { name: "fixture", alias: "prod", version: 1 },
      args: { name: "String!", alias: "String!", version: "Int!", project: "String", protected: "Boolean" },
    },
    {
      op: "removeAlias",
      doc: `mutation($name: String!, $alias: String!, $project: String) { removeAlias(name: $name, alias: $alias, project: $project) }`,
      base: { name: "fixture", alias: "prod" },
      args: { name: "String!", alias: "String!", project: "String" },
    },
    {
      op: "protectAlias",
      doc: `mutation($name: String!, $alias: String!, $protected: Boolean!) { protectAlias(name: $name, alias: $alias, protected: $protected) { version } }`,
      base: { name: "fixture", alias: "prod", protected: true },
      args: { name: "String!", alias: "String!", protected: "Boolean!" },
    },
    {
      op: "modelAliases",
      doc: `query($name: String!, $project: String) { modelAliases(name: $name, project: $project) { alias } }`,
      base: { name: "fixture" },
      args: { name: "String!", project: "String" },
    },
  ];
  for (const { op, doc, base, args } of ops) {
    for (const [arg, type] of Object.entries(args)) {
      for (const value of wrong[type]!) {
        cases.push({
          name: `${op}(${arg}: ${JSON.stringify(value)}) for ${type}`,
          request: gql(doc, { ...base, [arg]: value }),
          expect: BAD,
        });
      }
    }
  }
  const inputWrong: Record<string, unknown[]> = {
    name: [5, true, { a: 1 }, ["victim"], null],
    version: ["1", 1.5, { a: 1 }, [1], true],
    project: [5, { a: 1 }, ["team-a"]],
    description: [5, { a: 1 }, ["x"]],
    framework: ["JAX", "sklearn", 5],
    metrics: ["x", [{ key: 1, value: 1 }], [{ key: "a", value: "x" }], [{ key: "a" }], [null], [{ key: "a", value: 1, extra: 1 }]],
    signature: [
      "x",
      { inputs: [] },
      { inputs: "x", outputs: [] },
      { inputs: [{ type: 5 }], outputs: [] },
      { inputs: [{ type: "double", shape: ["1"] }], outputs: [] },
    ],
    tags: [[1], "x", 5, true],
    files: ["x", [{ path: "a" }], [{ path: "a", file: "not an upload" }], [{ path: 5, file: null }]],
    overwrite: ["yes", 1, { a: 1 }],
  };
  for (const [field, values] of Object.entries(inputWrong)) {
    for (const value of values) {
      cases.push({
        name: `createModel(input.${field}: ${JSON.stringify(value)})`,
        request: create({ name: "victim", [field]: value }),
        expect: BAD,
      });
    }
  }
  cases.push(
    { name: "createModel(input: null)", request: create(null), expect: BAD },
    { name: "createModel(input: string)", request: create("victim"), expect: BAD },
    { name: "createModel(input: [])", request: create([]), expect: BAD },
    { name: "createModel(input: 5)", request: create(5), expect: BAD },
    { name: "createModel without its input variable", request: gql(CREATE, {}), expect: BAD },
    { name: "createModel with an unknown input field", request: create({ name: "victim", evil: 1 }), expect: BAD },
    {
      name: "createModel with input.__proto__",
      request: createRaw('{"name":"victim","__proto__":{"overwrite":true,"polluted":true}}'),
      expect: BAD,
    },
    // Inline literals of the wrong type are refused by validation.
    { name: "literal model(name: 5)", request: gql(`{ model(name: 5, version: 1) { version } }`), expect: INVALID },
    { name: 'literal model(version: "1")', request: gql(`{ model(name: "fixture", version: "1") { version } }`), expect: INVALID },
    { name: 'literal models(first: "10")', request: gql(`{ models(name: "fixture", first: "10") { totalCount } }`), expect: INVALID },
    {
      name: 'literal models(direction: "DESC") as a string',
      request: gql(`{ models(name: "fixture", direction: "DESC") { totalCount } }`),
      expect: INVALID,
    },
    { name: "literal bestModel(metric: null)", request: gql(`{ bestModel(name: "fixture", metric: null) { version } }`), expect: INVALID },
    {
      name: 'literal deleteModel(name: ["victim"])',
      request: gql(`mutation { deleteModel(name: ["victim"], version: 1) }`),
      expect: INVALID,
    },
    {
      name: "literal createModel(input: { name: {} })",
      request: gql(`mutation { createModel(input: { name: {} }) { version } }`),
      expect: INVALID,
    },
    {
      name: "literal createModel(input: { tags: [1] })",
      request: gql(`mutation { createModel(input: { name: "victim", tags: [1] }) { version } }`),
      expect: INVALID_OR_BAD,
    },
    {
      name: "variable declared with another type than the argument",
      request: gql(`query($v: String!) { model(name: "fixture", version: $v) { version } }`, { v: "1" }),
      expect: INVALID,
    },
    { name: "duplicate argument", request: gql(`{ model(name: "fixture", version: 1, version: 2) { version } }`), expect: INVALID },
    { name: "unknown argument", request: gql(`{ model(name: "fixture", version: 1, evil: true) { version } }`), expect: INVALID },
    {
      name: "1,000 unused variables",
      request: gql(`query(${Array.from({ length: 1000 }, (_, i) => `$v${i}: Int`).join(", ")}) { __typename }`),
      expect: INVALID,
    },
  );
  return cases;
});

export const versionsAndPageSizes = group("versions and page sizes", () => {
  const cases: Case[] = [];
  const versions: unknown[] = [0, -1, 2 ** 31, 2 ** 53, 1.5, "1"];
  for (const v of versions) {
    cases.push(
      {
        name: `model(version: ${JSON.stringify(v)}) as a variable`,
        request: gql(`query($v: Int!) { model(name: "fixture", version: $v) { version } }`, { v }),
        expect: BAD,
      },
      { name: `createModel(version: ${JSON.stringify(v)})`, request: create({ name: "victim", version: v }), expect: BAD },
      {
        name: `deleteModel(version: ${JSON.stringify(v)})`,
        request: gql(`mutation($v: Int!) { deleteModel(name: "fixture", version: $v) }`, { v }),
        expect: BAD,
      },
    );
  }
  cases.push(
    { name: "literal model(version: 0)", request: gql(`{ model(name: "fixture", version: 0) { version } }`), expect: BAD },
    { name: "literal model(version: -1)", request: gql(`{ model(name: "fixture", version: -1) { version } }`), expect: BAD },
    {
      name: "literal model(version: 2147483648)",
      request: gql(`{ model(name: "fixture", version: 2147483648) { version } }`),
      expect: INVALID,
    },
    {
      name: "literal model(version: 9007199254740992)",
      request: gql(`{ model(name: "fixture", version: 9007199254740992) { version } }`),
      expect: INVALID,
    },
    { name: "literal model(version: 1.5)", request: gql(`{ model(name: "fixture", version: 1.5) { version } }`), expect: INVALID },
    { name: "raw JSON version 1e400", request: createRaw('{"name":"victim","version":1e400}'), expect: BAD },
    { name: "raw JSON version -0", request: createRaw('{"name":"victim","version":-0}'), expect: BAD },
    {
      name: "deleteModel of the largest valid version (absent)",
      request: gql(`mutation { deleteModel(name: "fixture", version: 2147483647) }`),
      expect: bad("NOT_FOUND"),
    },
    {
      name: "createModel at 2^31-1 of an existing version, no overwrite",
      request: create({ name: "fixture", version: 1, metrics: [{ key: "acc", value: 0.1 }] }),
      expect: bad("ALREADY_EXISTS"),
    },
  );
  const firsts: [unknown, Expect][] = [
    [0, { codes: ["BAD_USER_INPUT"], success: true }],
    [-1, BAD],
    [501, BAD],
    [2 ** 31, BAD],
    [2 ** 53, BAD],
    [1.5, BAD],
    ["10", BAD],
    [-(2 ** 31), BAD],
  ];
  for (const [first, expectation] of firsts) {
    cases.push({
      name: `models(first: ${JSON.stringify(first)})`,
      request: gql(`query($f: Int) { models(name: "fixture", first: $f) { totalCount nodes { version } } }`, { f: first }),
      expect: expectation,
    });
  }
  cases.push({
    name: "literal models(first: 2147483648)",
    request: gql(`{ models(name: "fixture", first: 2147483648) { totalCount } }`),
    expect: INVALID,
  });
  return cases;
});
