/**
 * The JSON answer: Apollo's own bytes, and the data tree let go once it is text
 * (why: gateway/src/graphql/stringify-result.ts).
 */
import { ApolloServer, HeaderMap } from "@apollo/server";
import { buildSchema, GraphQLError, type FormattedExecutionResult } from "graphql";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ANSWER_TOO_LARGE, stringifyResult } from "../gateway/src/graphql/stringify-result.js";

const schema = buildSchema(`
  type Node { version: Int, metric: Float, text: String }
  type Query { nodes: [Node!]!, missing: Node, fails: Int }
`);
const rootValue = {
  nodes: () => [
    { version: 3, metric: 0.98, text: 'é \u2028 "quoted" \\ </script>' },
    { version: 4, metric: null, text: "\u0000\u001f" },
  ],
  missing: () => null,
  fails: () => {
    throw new GraphQLError("refused", { extensions: { code: "BAD_USER_INPUT" } });
  },
};

const queries = [
  "{ nodes { version metric text } }",
  "{ missing { version } nodes { version } }",
  "{ fails nodes { version } }",
  "{ nope }",
  "{ nodes { version ",
];

/** The body one server answers `query` with. */
async function answer(server: ApolloServer, query: string): Promise<string> {
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: "POST", headers: new HeaderMap([["content-type", "application/json"]]), search: "", body: { query } },
    context: async () => ({}),
  });
  if (response.body.kind !== "complete") throw new Error("expected a complete body");
  return response.body.string;
}

describe("stringifyResult", () => {
  const apollos = new ApolloServer({ schema, rootValue });
  const ours = new ApolloServer({ schema, rootValue, stringifyResult });
  beforeAll(async () => {
    await apollos.start();
    await ours.start();
  });
  afterAll(async () => {
    await apollos.stop();
    await ours.stop();
  });

  test("answers byte for byte what Apollo's default stringifier answers (data, nulls, errors beside data, refusals)", async () => {
    for (const query of queries) expect(await answer(ours, query)).toBe(await answer(apollos, query));
  });

  test("an answer too long for one string is a typed refusal (PAYLOAD_TOO_LARGE), not a thrown RangeError", () => {
    // What JSON.stringify throws past V8's longest string, without building half a gigabyte here.
    const huge = {
      toJSON: () => {
        throw new RangeError("Invalid string length");
      },
    };
    const text = stringifyResult({ data: { models: huge } });
    expect(JSON.parse(text)).toEqual({ errors: [{ message: ANSWER_TOO_LARGE, extensions: { code: "PAYLOAD_TOO_LARGE" } }] });
    expect(text.endsWith("\n")).toBe(true);
    // Anything else still throws, as before.
    const broken = {
      toJSON: () => {
        throw new TypeError("no");
      },
    };
    expect(() => stringifyResult({ data: { x: broken } })).toThrow(TypeError);
  });

  test("empties the data object after writing it, and touches nothing else", () => {
    const results: FormattedExecutionResult[] = [
      { data: { models: { nodes: [{ version: 3 }] } } },
      { errors: [{ message: "x", path: ["model"] }], data: { model: null } },
      { data: null, errors: [{ message: "x" }], extensions: { cost: 3 } },
    ];
    for (const result of results) {
      const { errors, extensions, data } = result;
      const before = structuredClone(result);
      expect(stringifyResult(result)).toBe(`${JSON.stringify(before)}\n`);
      expect(result.errors).toBe(errors);
      expect(result.extensions).toBe(extensions);
      if (data) expect(Object.keys(data)).toEqual([]);
      else expect(result.data).toBe(data);
    }
  });
});
