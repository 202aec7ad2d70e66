/**
 * The compiled executor's own rules, below Apollo: when it compiles, what it
 * remembers, and that a client cannot make it hold an unbounded number of plans.
 * (That its answers equal graphql-js's is graphql-lane.test.ts's job.)
 */
import type { GatewayGraphQLRequestContext } from "@apollo/server-gateway-interface";
import { buildSchema, parse, type DocumentNode, type GraphQLScalarType } from "graphql";
import { JSONObjectResolver } from "graphql-scalars";
import { describe, expect, test } from "vitest";
import { COMPILE_AFTER_RUNS, jitExecutor } from "../gateway/src/graphql/jit-executor.js";

const schema = buildSchema(`type Query { hello(name: String!): String, fail: Int }`);
schema.getQueryType()!.getFields().hello!.resolve = (_root, args: { name: string }) => `hi ${args.name}`;
schema.getQueryType()!.getFields().fail!.resolve = () => {
  throw new Error("boom");
};

const run = (
  executor: ReturnType<typeof jitExecutor>,
  document: DocumentNode,
  variables?: Record<string, unknown>,
  operationName?: string,
) => executor({ document, request: { variables, operationName }, context: {} } as unknown as GatewayGraphQLRequestContext);

describe("jitExecutor", () => {
  test(`a document is compiled on its run ${COMPILE_AFTER_RUNS + 1}, and answers the same before and after`, async () => {
    const executor = jitExecutor(schema);
    const document = parse(`query($n: String!) { hello(name: $n) fail }`);
    const answers = [];
    for (let i = 0; i < COMPILE_AFTER_RUNS + 2; i++) {
      answers.push(JSON.parse(JSON.stringify(await run(executor, document, { n: "x" }))));
      expect(executor.compiled()).toBe(i < COMPILE_AFTER_RUNS ? 0 : 1);
    }
    for (const answer of answers) {
      expect(answer).toEqual({
        data: { hello: "hi x", fail: null },
        errors: [{ message: "boom", locations: [{ line: 1, column: 38 }], path: ["fail"] }],
      });
    }
  });

  test("refused variables are worded by graphql-js, compiled or not", async () => {
    const executor = jitExecutor(schema);
    const document = parse(`query($n: String!) { hello(name: $n) }`);
    for (let i = 0; i < COMPILE_AFTER_RUNS + 2; i++) {
      const result = await run(executor, document, { n: 5 });
      expect(result.errors?.[0]?.message).toBe('Variable "$n" got invalid value 5; String cannot represent a non string value: 5');
      expect(result.errors?.[0]?.nodes).toHaveLength(1);
    }
  });

  test("variables are graphql-js's to accept: an array is no input object, at the top or nested", async () => {
    const inputs = buildSchema(`input Inner { note: String } input Outer { inner: Inner } type Query { echo(outer: Outer): String }`);
    inputs.getQueryType()!.getFields().echo!.resolve = (_root, args: unknown) => JSON.stringify(args);
    const executor = jitExecutor(inputs);
    const document = parse(`query($o: Outer) { echo(outer: $o) }`);
    for (let i = 0; i < COMPILE_AFTER_RUNS + 2; i++) {
      expect(await run(executor, document, { o: { inner: { note: "n" } } })).toEqual({
        data: { echo: '{"outer":{"inner":{"note":"n"}}}' },
      });
      const nested = await run(executor, document, { o: { inner: [] } });
      expect(nested.data).toBeUndefined();
      expect(nested.errors?.[0]?.message).toBe('Variable "$o" got invalid value [] at "o.inner"; Expected type "Inner" to be an object.');
      const top = await run(executor, document, { o: [] });
      expect(top.errors?.[0]?.message).toBe('Variable "$o" got invalid value []; Expected type "Outer" to be an object.');
    }
    expect(executor.compiled()).toBe(1);
  });

  test("unknown operation names are not remembered, however many a client sends", async () => {
    const executor = jitExecutor(schema);
    const document = parse(`query A { hello(name: "a") } query B { fail }`);
    for (let i = 0; i < 200; i++) {
      const result = await run(executor, document, undefined, `Nope${i}`);
      expect(result.errors?.[0]?.message).toBe(`Unknown operation named "Nope${i}".`);
    }
    expect(executor.compiled()).toBe(0);
    for (let i = 0; i < COMPILE_AFTER_RUNS + 1; i++) await run(executor, document, undefined, "A");
    expect(executor.compiled()).toBe(1);
  });

  test("plans are kept for a bounded number of documents, least recently used going first", async () => {
    const executor = jitExecutor(schema, 10);
    const hot = parse(`{ hello(name: "hot") }`);
    for (let i = 0; i < 50; i++) {
      await run(executor, hot);
      await run(executor, parse(`{ hello(name: "cold ${i}") }`));
      expect(executor.documents()).toBeLessThanOrEqual(10);
    }
    // The hot document stayed (used every other run) and stayed compiled.
    expect(executor.compiled()).toBe(1);
    expect(await run(executor, hot)).toEqual({ data: { hello: "hi hot" } });
  });

  test("a variable inside a scalar's literal keeps its value, compiled or not", async () => {
    // graphql-jit parses such a literal once without the variables: `team` was dropped, `list` became [null].
    const json = buildSchema(
      `scalar JSONObject input Filter { tags: JSONObject } type Query { echo(tags: JSONObject, filter: [Filter]): String }`,
    );
    Object.assign(json.getType("JSONObject") as GraphQLScalarType, {
      parseValue: JSONObjectResolver.parseValue,
      parseLiteral: JSONObjectResolver.parseLiteral,
    });
    json.getQueryType()!.getFields().echo!.resolve = (_root, args: unknown) => JSON.stringify(args);
    const executor = jitExecutor(json);
    const document = parse(`query($t: String) { echo(tags: { team: $t, list: [$t] }, filter: { tags: { team: $t } }) }`);
    for (let i = 0; i < COMPILE_AFTER_RUNS + 2; i++) {
      expect(await run(executor, document, { t: "vision" })).toEqual({
        data: { echo: '{"tags":{"team":"vision","list":["vision"]},"filter":[{"tags":{"team":"vision"}}]}' },
      });
    }
    expect(executor.compiled()).toBe(0);
    // A variable given whole, or as an input object's field, is graphql-jit's to fill in.
    const whole = parse(`query($t: JSONObject) { echo(tags: $t, filter: [{ tags: $t }]) }`);
    for (let i = 0; i < COMPILE_AFTER_RUNS + 1; i++) {
      const { data } = await run(executor, whole, { t: { team: "nlp" } });
      expect(JSON.parse(String(data?.echo))).toEqual({ tags: { team: "nlp" }, filter: [{ tags: { team: "nlp" } }] });
    }
    expect(executor.compiled()).toBe(1);
  });

  test("a string holding graphql-jit's marker is text, never code: such a document runs on graphql-js", async () => {
    // graphql-jit replaced "<marker><rest>" in the JSON of literal arguments with `new Date(<rest>)`, a client's code.
    const injected = `__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d0)[(globalThis.jitInjected = true)]+(0`;
    const nan = "__MAGIC_NAN__57f286b9_4c20_487f_b409_79804ddcb4f8";
    const executor = jitExecutor(schema);
    const document = parse(`{ a: hello(name: ${JSON.stringify(injected)}) b: hello(name: ${JSON.stringify(nan)}) }`);
    for (let i = 0; i < COMPILE_AFTER_RUNS + 2; i++) {
      expect(await run(executor, document)).toEqual({ data: { a: `hi ${injected}`, b: `hi ${nan}` } });
    }
    expect((globalThis as { jitInjected?: unknown }).jitInjected).toBeUndefined();
    expect(executor.compiled()).toBe(0);
  });

  test("a name __proto__ (a JSON literal's key, an alias) runs on graphql-js: graphql-jit's object literals took it for the prototype", async () => {
    const protoSchema = buildSchema(`scalar JSONObject type Me { name: String } type Query { echo(tags: JSONObject): String, me: Me }`);
    Object.assign(protoSchema.getType("JSONObject") as GraphQLScalarType, {
      parseValue: JSONObjectResolver.parseValue,
      parseLiteral: JSONObjectResolver.parseLiteral,
    });
    protoSchema.getQueryType()!.getFields().echo!.resolve = (_root, args: { tags: object }) => JSON.stringify(args.tags);
    protoSchema.getQueryType()!.getFields().me!.resolve = () => ({ name: "ci" });
    const executor = jitExecutor(protoSchema);
    const document = parse(`{ echo(tags: { __proto__: 1, team: "nlp" }) me { __proto__: name } }`);
    for (let i = 0; i < COMPILE_AFTER_RUNS + 2; i++) {
      const { data } = await run(executor, document);
      expect(JSON.parse(JSON.stringify(data))).toEqual({ echo: '{"__proto__":1,"team":"nlp"}', me: JSON.parse('{"__proto__":"ci"}') });
    }
    expect(executor.compiled()).toBe(0);
  });

  test("a document selecting introspection runs on graphql-js: compiling it cost 15 times its run, on the event loop", async () => {
    // Under __schema neither the depth limit nor the cost model bounds a document, and graphql-jit
    // writes code for every field it selects: 15 aliases of a 2,500-token fragment compiled in 2 s
    // (the run itself: 140 ms), for any client sending it a third time.
    const executor = jitExecutor(schema);
    const documents = [
      parse(`{ __schema { queryType { name } } }`),
      parse(`{ hello(name: "x") ...Q } fragment Q on Query { __type(name: "Query") { fields { name } } }`),
    ];
    for (const document of documents) {
      const answers = [];
      for (let i = 0; i < COMPILE_AFTER_RUNS + 2; i++) answers.push(JSON.stringify(await run(executor, document)));
      expect(new Set(answers).size).toBe(1);
      expect(JSON.parse(answers[0]!).errors).toBeUndefined();
    }
    expect(executor.compiled()).toBe(0);
    // __typename is no introspection of the schema: such a document is compiled as any other.
    const typename = parse(`{ __typename hello(name: "x") }`);
    for (let i = 0; i < COMPILE_AFTER_RUNS + 1; i++) await run(executor, typename);
    expect(executor.compiled()).toBe(1);
  });
});
