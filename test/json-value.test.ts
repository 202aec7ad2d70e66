/**
 * `tags` and `inputExample` must be plain JSON, weighed with work bounded by the
 * limit (issue 7, items 1 and 2): no holes, no class instances, no functions.
 */
import { Upload } from "graphql-upload-minimal";
import { describe, expect, test } from "vitest";
import { codeOf } from "./support/domain-code.js";
import { assertJsonSize, MAX_JSON_DEPTH } from "../gateway/src/domain/json-value.js";

const nested = (depth: number): unknown => {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
};

describe("plain JSON is weighed exactly as JSON.stringify writes it", () => {
  const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, 'b\u0001"': ["x"] });
  const samples: [string, unknown][] = [
    ["null", null],
    ["true", true],
    ["false", false],
    ["zero", 0],
    ["negative zero", -0],
    ["a fraction", -1.5e-7],
    ["a large number", 1e21],
    ["an empty string", ""],
    ["a string that needs escapes", 'quote " backslash \\ SOH \u0001 newline \n'],
    ["multi-byte characters", "h\u00e9llo \u{1F600} \u4e2d"],
    ["an empty array", []],
    ["nested arrays", [[], [[1]], "a", null]],
    ["an empty object", {}],
    ["an object", { a: 1, b: [true, { c: "d" }], "k\u00e9y": null }],
    ["an object with a null prototype (GraphQL literals)", nullPrototype],
    ["an own __proto__ key (as JSON.parse makes it)", JSON.parse('{"__proto__":{"x":1},"y":2}')],
    [`${MAX_JSON_DEPTH} levels deep`, nested(MAX_JSON_DEPTH)],
  ];

  test.each(samples)("%s: accepted at its exact size, refused one byte below", (_, value) => {
    const size = Buffer.byteLength(JSON.stringify(value));
    expect(codeOf(() => assertJsonSize(value, size, "input.tags"))).toBe("accepted");
    expect(codeOf(() => assertJsonSize(value, size - 1, "input.tags"))).toBe("BAD_USER_INPUT");
  });
});

describe("anything that is not plain JSON is BAD_USER_INPUT", () => {
  class Custom {
    readonly a = 1;
  }
  class List extends Array<number> {}
  const sparse: unknown[] = [];
  sparse[5] = 1;
  const refused: [string, unknown][] = [
    // eslint-disable-next-line no-sparse-arrays -- the hole is the input under test
    ["an array with a hole", [1, , 2]],
    ["an array with only a high index set", sparse],
    ["an array whose length was raised", Object.assign([1], { length: 3 })],
    ["a NUL in a string (no backend stores it)", ["ok", "a\u0000b"]],
    ["a NUL in a key", { "k\u0000": 1 }],
    ["a lone surrogate", { a: "\ud800" }],
    ["an upload (a file mapped into JSON)", new Upload()],
    ["an upload inside tags", { x: new Upload() }],
    ["an upload inside an array", [1, new Upload()]],
    ["a Date", new Date(0)],
    ["a Map", new Map([["a", 1]])],
    ["a class instance", new Custom()],
    ["an Array subclass", List.from([1])],
    ["a typed array", new Uint8Array(2)],
    ["a Buffer", Buffer.from("x")],
    ["a boxed string", new String("x")],
    ["a promise", Promise.resolve(1)],
    ["an object inheriting from another", Object.create({ inherited: 1 })],
    ["a function", () => 1],
    ["a function as a value", { f: () => 1 }],
    ["a symbol", Symbol("s")],
    ["a bigint", 10n],
    ["undefined", undefined],
    ["undefined as a value", { a: undefined }],
    ["NaN", NaN],
    ["Infinity inside an array", [Infinity]],
    [`${MAX_JSON_DEPTH + 1} levels deep`, nested(MAX_JSON_DEPTH + 1)],
    ["100,000 levels deep", nested(100_000)],
  ];

  test.each(refused)("%s", (_, value) => {
    expect(codeOf(() => assertJsonSize(value, 1_000_000, "input.inputExample"))).toBe("BAD_USER_INPUT");
  });

  test("the error names where the value is not plain JSON", () => {
    let error: unknown;
    try {
      assertJsonSize({ a: [1, { b: new Upload() }] }, 1000, "input.tags");
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "BAD_USER_INPUT", details: { field: "input.tags.a[1].b" } });
    expect((error as Error).message).toMatch(/input\.tags\.a\[1\]\.b must be plain JSON, not an instance of Upload/);
  });
});

describe("the work is bounded by the limit, not by the value", () => {
  /** An array that counts every look at it. */
  function watched(length: number) {
    const target: unknown[] = [];
    target.length = length;
    let looks = 0;
    const proxy = new Proxy(target, {
      get: (t, k, r) => (looks++, Reflect.get(t, k, r)),
      has: (t, k) => (looks++, Reflect.has(t, k)),
      getOwnPropertyDescriptor: (t, k) => (looks++, Reflect.getOwnPropertyDescriptor(t, k)),
      ownKeys: (t) => (looks++, Reflect.ownKeys(t)),
    });
    return { proxy, looks: () => looks };
  }

  test("a 2,000,000-entry sparse array against a 4 kB limit is refused after a handful of looks", () => {
    const { proxy, looks } = watched(2_000_000);
    expect(codeOf(() => assertJsonSize(proxy, 4096, "input.inputExample"))).toBe("BAD_USER_INPUT");
    expect(looks()).toBeLessThan(20);
  });

  test("the same array nested in tags is refused the same way", () => {
    const { proxy, looks } = watched(2_000_000);
    expect(codeOf(() => assertJsonSize({ x: proxy }, 65_536, "input.tags"))).toBe("BAD_USER_INPUT");
    expect(looks()).toBeLessThan(20);
  });

  test("an array with a hole far inside its size budget is refused at the hole", () => {
    const { proxy, looks } = watched(100);
    expect(codeOf(() => assertJsonSize(proxy, 4096, "input.inputExample"))).toBe("BAD_USER_INPUT");
    expect(looks()).toBeLessThan(200);
  });
});
