/** Hostile corpus: query documents shaped to cost: depth, aliases, directives, fragment cycles. */
import { expect } from "vitest";
import { postJson } from "../support/raw-request.js";
import { bad, gql, INVALID, PARSE } from "./requests.js";
import { group, keys, type Case } from "./world.js";

export const queryShapes = group("abusive query shapes", () => {
  const nest = (depth: number, leaf: string, field = "a") => {
    let q = leaf;
    for (let i = 0; i < depth; i++) q = `${field} { ${q} }`;
    return q;
  };
  const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(" ");
  return [
    { name: "depth 50 of unknown fields", request: gql(`{ models(name: "fixture") { nodes { ${nest(50, "x")} } } }`), expect: INVALID },
    {
      name: "depth 50 of __type ofType",
      request: gql(`{ __type(name: "Model") { fields { type { ${nest(50, "name", "ofType")} } } } }`),
      expect: INVALID,
    },
    {
      name: "depth 50 of introspection fields under __schema",
      request: gql(
        `{ __schema { types { ${nest(25, "name", "fields { type")}${" }".repeat(25)} } } }`.replace(
          /fields \{ type \{/g,
          "fields { type {",
        ),
      ),
      expect: bad("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"),
    },
    {
      name: "introspection fragment chain (fields/type x 8)",
      request: gql(
        `{ __schema { types { ...F0 } } } ${many(8, (i) => `fragment F${i} on __Type { name fields { type { ...F${i + 1} } } ofType { ...F${i + 1} } }`)} fragment F8 on __Type { name }`,
      ),
      expect: INVALID,
    },
    {
      name: "ofType nested 50 deep under __schema (bounded by the schema)",
      request: gql(`{ __schema { types { ${nest(50, "name", "ofType")} } } }`),
      expect: { codes: ["GRAPHQL_VALIDATION_FAILED"], success: true, check: (r) => expect(r.body.length).toBeLessThan(5_000_000) },
    },
    {
      name: "3,000 __typename fields",
      request: gql(`{ ${many(3000, () => "__typename")} }`),
      expect: { codes: ["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"], success: true },
    },
    { name: "6,000 __typename fields (over the token limit)", request: gql(`{ ${many(6000, () => "__typename")} }`), expect: PARSE },
    {
      name: "1,500 repeated model fields",
      request: gql(
        `{ models(name: "fixture", first: 500) { nodes { ${many(1500, (i) => ["name", "version", "description", "tags", "sizeBytes"][i % 5]!)} } } }`,
      ),
      expect: { codes: ["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"], success: true },
    },
    // graphql-armor allow-lists __typename aliases: they cost nothing.
    {
      name: "300 aliases of __typename",
      request: gql(`{ ${many(300, (i) => `a${i}: __typename`)} }`),
      expect: { codes: ["GRAPHQL_VALIDATION_FAILED"], success: true },
    },
    {
      name: "300 aliases of __type",
      request: gql(`{ ${many(300, (i) => `a${i}: __type(name: "Model") { fields { name } }`)} }`),
      expect: INVALID,
    },
    { name: "300 aliases of __schema", request: gql(`{ ${many(300, (i) => `a${i}: __schema { types { name } }`)} }`), expect: INVALID },
    {
      name: "500 aliased model listings",
      request: gql(`{ ${many(500, (i) => `a${i}: models(name: "fixture", first: 500) { totalCount }`)} }`),
      expect: bad("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"),
    },
    {
      name: "ten aliased pages of 500 versions, first from variables",
      request: gql(`query($n: Int) { ${many(10, (i) => `a${i}: models(name: "fixture", first: $n) { nodes { version } }`)} }`, { n: 500 }),
      expect: INVALID,
    },
    {
      name: "ten aliased pages of 500 selecting only totalCount",
      request: gql(`{ ${many(10, (i) => `a${i}: models(name: "fixture", first: 500) { totalCount }`)} }`),
      expect: INVALID,
    },
    {
      name: "200 aliased deleteModels",
      request: gql(`mutation { ${many(200, (i) => `d${i}: deleteModel(name: "fixture", version: 1)`)} }`),
      expect: bad("GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"),
    },
    {
      name: "aliases with conflicting arguments",
      request: gql(`{ a: model(name: "fixture", version: 1) { version } a: model(name: "fixture", version: 2) { version } }`),
      expect: INVALID,
    },
    { name: "200 @skip directives on one field", request: gql(`{ __typename ${many(200, () => "@skip(if: false)")} }`), expect: INVALID },
    {
      name: "1,000 @include directives (over the token limit)",
      request: gql(`{ __typename ${many(1000, () => "@include(if: true)")} }`),
      expect: PARSE,
    },
    { name: "60 unknown directives", request: gql(`{ __typename ${many(60, (i) => `@evil${i}`)} }`), expect: INVALID },
    {
      name: "directive on the operation and variables",
      request: gql(`query($v: Int @skip(if: true)) @include(if: true) { __typename }`),
      expect: INVALID,
    },
    {
      name: "fragment cycle A→B→A",
      request: gql(`query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }`),
      expect: INVALID,
    },
    { name: "self-referencing fragment", request: gql(`query { ...A } fragment A on Query { __typename ...A }`), expect: INVALID },
    {
      name: "fragment cycle through a model field",
      request: gql(
        `{ model(name: "fixture", version: 1) { ...M } } fragment M on Model { name ...N } fragment N on Model { version ...M }`,
      ),
      expect: INVALID,
    },
    { name: "spread of an undefined fragment", request: gql(`{ ...Nope }`), expect: INVALID },
    { name: "fragment on a type that does not exist", request: gql(`{ ...F } fragment F on Evil { x }`), expect: INVALID },
    {
      name: "a 1 MB operation name that is not selected",
      request: () => postJson({ query: `query ${"Q".repeat(1_000_000)} { __typename }`, operationName: "Other" }, keys.write),
      expect: bad("OPERATION_RESOLUTION_FAILURE", "BAD_REQUEST"),
    },
    { name: "two anonymous operations", request: gql(`{ __typename } { __typename }`), expect: INVALID },
    {
      name: "two operations, no operationName",
      request: gql(`query A { __typename } query B { __typename }`),
      expect: bad("OPERATION_RESOLUTION_FAILURE", "BAD_REQUEST", "GRAPHQL_VALIDATION_FAILED"),
    },
    {
      name: "a subscription (the schema has none)",
      request: gql(`subscription { models(name: "fixture") { totalCount } }`),
      expect: bad("GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST"),
    },
    { name: "10,000 opening braces", request: gql("{".repeat(10_000)), expect: PARSE },
    { name: "a lone string token", request: gql(`"""${"x".repeat(100_000)}`), expect: PARSE },
    { name: "a schema definition as the query", request: gql(`type Query { evil: String } schema { query: Query }`), expect: INVALID },
    {
      name: "a 1 MB string argument to __type",
      request: gql(`query($n: String!) { __type(name: $n) { name } }`, { n: "T".repeat(1_000_000) }),
      expect: { codes: ["BAD_USER_INPUT"], success: true },
    },
  ] satisfies Case[];
});
