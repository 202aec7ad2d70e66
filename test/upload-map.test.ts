/**
 * The multipart `map` rule (issue 7, items 1 and 2), checked against the real schema:
 * a path is accepted only when it reaches a null of type Upload in a variable the
 * operation declares; everything else is refused before anything is written.
 */
import type { GraphQLSchema } from "graphql";
import { Upload } from "graphql-upload-minimal";
import { beforeAll, describe, expect, test } from "vitest";
import { codeOf } from "./support/domain-code.js";
import { buildRegistrySchema } from "../gateway/src/schema.js";
import { placeUploads } from "../gateway/src/graphql/upload-map.js";

const CREATE = "mutation($input: CreateModelInput!) { createModel(input: $input) { version } }";
const LIMITS = { maxFiles: 20, maxTokens: 5000 };

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildRegistrySchema();
});

/** A createModel operation with two file slots and every JSON-typed field present. */
function operations(extra: Record<string, unknown> = {}) {
  return {
    query: CREATE,
    variables: {
      input: {
        name: "victim",
        inputExample: [],
        tags: { x: null, list: [] },
        metrics: [{ key: "acc", value: 1 }],
        files: [
          { path: "a", file: null },
          { path: "b", file: null },
        ],
        ...extra,
      },
    },
  };
}

describe("multipart map paths that reach an Upload are placed", () => {
  test("variables.input.files.N.file: one Upload each, in place of the null", () => {
    const ops = operations();
    const uploads = placeUploads(ops, { 0: ["variables.input.files.0.file"], 1: ["variables.input.files.1.file"] }, schema, LIMITS);
    expect([...uploads.keys()]).toEqual(["0", "1"]);
    expect(ops.variables.input.files[0]!.file).toBe(uploads.get("0"));
    expect(ops.variables.input.files[1]!.file).toBeInstanceOf(Upload);
  });

  test("an empty map places nothing, whatever the operations are", () => {
    expect(placeUploads([{ query: "{ __typename }" }], {}, schema, LIMITS).size).toBe(0);
  });

  test("another declared variable of an Upload-holding type, selected by operationName", () => {
    const query =
      "query Other { __typename } " + `mutation Up($a: CreateModelInput!, $b: CreateModelInput!) { a: createModel(input: $a) { version } }`;
    const ops = { query, operationName: "Up", variables: { a: { name: "x" }, b: { name: "y", files: [{ path: "p", file: null }] } } };
    const uploads = placeUploads(ops, { f: ["variables.b.files.0.file"] }, schema, LIMITS);
    expect(ops.variables.b.files[0]!.file).toBe(uploads.get("f"));
  });

  test("the same query text again (its parsed document is kept): each request gets its own uploads; the token cap still applies", () => {
    const first = operations();
    const second = operations();
    const map = { 0: ["variables.input.files.0.file"] };
    const a = placeUploads(first, map, schema, LIMITS);
    const b = placeUploads(second, map, schema, LIMITS);
    expect(a.get("0")).not.toBe(b.get("0"));
    expect(first.variables.input.files[0]!.file).toBe(a.get("0"));
    expect(second.variables.input.files[0]!.file).toBe(b.get("0"));
    expect(second.variables.input.files[1]!.file).toBeNull();
    // Kept under a larger cap, the same text is parsed again under a cap it exceeds.
    expect(codeOf(() => placeUploads(operations(), map, schema, { ...LIMITS, maxTokens: 10 }))).toBe("BAD_USER_INPUT");
    expect(placeUploads(operations(), map, schema, LIMITS).size).toBe(1);
  });

  test("a variable declared as Upload itself, or as a list of them", () => {
    const ops = { query: "mutation($f: Upload!, $fs: [Upload!]) { __typename }", variables: { f: null, fs: [null, null] } };
    placeUploads(ops, { a: ["variables.f"], b: ["variables.fs.1"] }, schema, LIMITS);
    expect(ops.variables.f).toBeInstanceOf(Upload);
    expect(ops.variables.fs).toEqual([null, expect.any(Upload)]);
  });
});

describe("every other map is refused before anything is written", () => {
  const refused: [string, unknown][] = [
    // Item 1: indices that would grow an array, whatever their spelling.
    ["a file at index 200,000,000 of inputExample", { 0: ["variables.input.inputExample.200000000"] }],
    ["a file at a high index of a list inside tags", { 0: ["variables.input.tags.list.4294967294"] }],
    ["a file at a high index of files", { 0: ["variables.input.files.200000000.file"] }],
    ["files index at maxFiles", { 0: [`variables.input.files.${LIMITS.maxFiles}.file`] }],
    ["files index past the list the operation sends", { 0: ["variables.input.files.2.file"] }],
    ["files index with a leading zero", { 0: ["variables.input.files.01.file"] }],
    ["files index in exponent form", { 0: ["variables.input.files.1e0.file"] }],
    ["files index 1e3", { 0: ["variables.input.files.1e3.file"] }],
    ["negative files index", { 0: ["variables.input.files.-1.file"] }],
    ["files index with a leading space", { 0: ["variables.input.files. 1.file"] }],
    ["files index with a plus sign", { 0: ["variables.input.files.+1.file"] }],
    ["files index 1.0", { 0: ["variables.input.files.1.0.file"] }],
    ["files index in hex", { 0: ["variables.input.files.0x1.file"] }],
    ["files index that is empty", { 0: ["variables.input.files..file"] }],
    ["files index 'length'", { 0: ["variables.input.files.length"] }],
    // Item 2: a file in a JSON scalar or any other non-Upload value.
    ["a file as a tag value", { 0: ["variables.input.tags.x"] }],
    ["a file as the whole tags object", { 0: ["variables.input.tags"] }],
    ["a file as the whole inputExample", { 0: ["variables.input.inputExample"] }],
    ["a file inside inputExample at index 0", { 0: ["variables.input.inputExample.0"] }],
    ["a file as the model name", { 0: ["variables.input.name"] }],
    ["a file as a metric key", { 0: ["variables.input.metrics.0.key"] }],
    ["a file as a file's path", { 0: ["variables.input.files.0.path"] }],
    ["a file as a files entry itself", { 0: ["variables.input.files.0"] }],
    ["a file as the files list", { 0: ["variables.input.files"] }],
    ["a file as the whole input", { 0: ["variables.input"] }],
    ["a file below the Upload slot", { 0: ["variables.input.files.0.file.x"] }],
    // Object internals and places outside the declared variables.
    ["__proto__ as the variable", { 0: ["variables.__proto__.polluted"] }],
    ["__proto__ inside tags", { 0: ["variables.input.tags.__proto__"] }],
    ["constructor.prototype", { 0: ["variables.input.constructor.prototype.polluted"] }],
    ["prototype as a segment", { 0: ["variables.input.files.0.prototype"] }],
    ["a variable the operation does not declare", { 0: ["variables.other.files.0.file"] }],
    ["the query text", { 0: ["query"] }],
    ["the operation name", { 0: ["operationName"] }],
    ["variables itself", { 0: ["variables"] }],
    ["an empty path", { 0: [""] }],
    ["a path of dots", { 0: ["..."] }],
    ["a 100 kB path", { 0: [`variables.input.files.0.file${".x".repeat(50_000)}`] }],
    ["a path of 17 segments", { 0: [`variables.input${".files.0".repeat(8)}`] }],
    // The shape of the map itself.
    ["the same file mapped to two paths", { 0: ["variables.input.files.0.file", "variables.input.files.1.file"] }],
    ["the same file mapped twice to one path", { 0: ["variables.input.files.0.file", "variables.input.files.0.file"] }],
    ["two files mapped to one path", { 0: ["variables.input.files.0.file"], 1: ["variables.input.files.0.file"] }],
    ["a file mapped to no path", { 0: [] }],
    ["a path that is not a string", { 0: [5] }],
    ["a path list that is a string", { 0: "variables.input.files.0.file" }],
    ["a path list that is an object", { 0: { path: "variables.input.files.0.file" } }],
    ["a map that is an array", [["variables.input.files.0.file"]]],
    ["a map that is a string", "variables.input.files.0.file"],
    ["a map that is null", null],
    ["a map that is a number", 7],
    ["a file part named 'operations'", { operations: ["variables.input.files.0.file"] }],
    ["a file part name of 101 characters", { ["k".repeat(101)]: ["variables.input.files.0.file"] }],
  ];

  test.each(refused)("%s → BAD_USER_INPUT, operations untouched", (_, map) => {
    const ops = operations();
    const before = JSON.stringify(ops);
    // A valid entry first: it must not be placed either.
    const withValid =
      map !== null && typeof map === "object" && !Array.isArray(map) ? { valid: ["variables.input.files.1.file"], ...map } : map;
    expect(codeOf(() => placeUploads(ops, withValid, schema, LIMITS))).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(ops)).toBe(before);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  test("a slot that already holds a value is refused", () => {
    const ops = operations({ files: [{ path: "a", file: "not null" }] });
    expect(codeOf(() => placeUploads(ops, { 0: ["variables.input.files.0.file"] }, schema, LIMITS))).toBe("BAD_USER_INPUT");
  });

  test("operations that cannot hold files: a batch, no variables, no query, a query that does not parse, two unnamed operations", () => {
    const map = { 0: ["variables.input.files.0.file"] };
    const ops = operations();
    expect(codeOf(() => placeUploads([ops], { 0: ["0.variables.input.files.0.file"] }, schema, LIMITS))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => placeUploads({ query: CREATE }, map, schema, LIMITS))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => placeUploads({ ...ops, query: undefined }, map, schema, LIMITS))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => placeUploads({ ...ops, query: "mutation($input: {" }, map, schema, LIMITS))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => placeUploads({ ...ops, query: `${CREATE} ${CREATE}` }, map, schema, LIMITS))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => placeUploads({ ...ops, operationName: "Nope" }, map, schema, LIMITS))).toBe("BAD_USER_INPUT");
  });

  test("more entries than maxFiles is PAYLOAD_TOO_LARGE", () => {
    const map = Object.fromEntries(Array.from({ length: LIMITS.maxFiles + 1 }, (_, i) => [String(i), [`variables.input.files.${i}.file`]]));
    expect(codeOf(() => placeUploads(operations(), map, schema, LIMITS))).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("refusals quote what the client sent safely", () => {
  test("control and bidirectional characters of a map path are escaped in the message", () => {
    let message = "";
    try {
      placeUploads(operations(), { 0: ["variables.input.tags.\u202e\u001b[31mx"] }, schema, LIMITS);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^multipart map: /);
    expect(message).toContain("\\u202e");
    expect(message).not.toMatch(/[\u0000-\u001f\u202e]/);
  });
});
