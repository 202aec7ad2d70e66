/** Hostile corpus: multipart maps that put a file anywhere but an Upload (issue 7, items 1 and 2). */
import { CREATE, multipartRequest, type Part } from "../support/raw-request.js";
import { BAD, bad, INVALID, tokenOf, type Who } from "./requests.js";
import { group, type Case, type Expect } from "./world.js";

export const mapPaths = group("multipart map paths that do not reach an Upload", () => {
  // A file may only go where the operation declares an Upload: anything else is
  // refused (400) before a value is written. The sparse-array shapes once blocked
  // the event loop for ~35 s and killed the process with ~600 bytes.
  const input = (extra: Record<string, unknown> = {}) => ({
    name: "victim",
    files: [{ path: "w", file: null }],
    inputExample: [],
    tags: { x: null, list: [] },
    ...extra,
  });
  const mapped =
    (map: unknown, options: { variables?: Record<string, unknown>; query?: string; parts?: string[]; who?: Who } = {}) =>
    () =>
      multipartRequest(
        [
          {
            name: "operations",
            value: JSON.stringify({ query: options.query ?? CREATE, variables: options.variables ?? { input: input() } }),
          },
          { name: "map", value: typeof map === "string" ? map : JSON.stringify(map) },
          ...(options.parts ?? ["0"]).map((name): Part => ({ name, value: "mapped-bytes", filename: "f" })),
        ],
        tokenOf(options.who ?? "write"),
      );
  const at = (path: string, options?: Parameters<typeof mapped>[1]) => mapped({ 0: [path] }, options);
  const REFUSED: Expect = { codes: ["BAD_USER_INPUT"], status: [400] };
  const cases: Case[] = [
    {
      name: "the 600-byte request: a file at inputExample.200000000",
      request: at("variables.input.inputExample.200000000"),
      expect: REFUSED,
    },
    { name: "a file at tags.list.200000000", request: at("variables.input.tags.list.200000000"), expect: REFUSED },
    { name: "a file at the largest array index of inputExample", request: at("variables.input.inputExample.4294967294"), expect: REFUSED },
    { name: "a file at files.200000000.file", request: at("variables.input.files.200000000.file"), expect: REFUSED },
    { name: "a file at files.20.file (maxFiles)", request: at("variables.input.files.20.file"), expect: REFUSED },
    { name: "a file as a tag value (item 2)", request: at("variables.input.tags.x"), expect: REFUSED },
    { name: "a file as the whole tags object", request: at("variables.input.tags"), expect: REFUSED },
    { name: "a file as the whole inputExample", request: at("variables.input.inputExample"), expect: REFUSED },
    { name: "a file at inputExample.0", request: at("variables.input.inputExample.0"), expect: REFUSED },
    { name: "a file as the model's description", request: at("variables.input.description"), expect: REFUSED },
    { name: "a file as the overwrite flag", request: at("variables.input.overwrite"), expect: REFUSED },
    {
      name: "a file as a signature field's type",
      request: at("variables.input.signature.inputs.0.type", {
        variables: { input: input({ signature: { inputs: [{ type: null }], outputs: [] } }) },
      }),
      expect: REFUSED,
    },
    { name: "a file below the Upload slot", request: at("variables.input.files.0.file.evil"), expect: REFUSED },
    { name: "a file into an undeclared variable", request: at("variables.evil"), expect: REFUSED },
    {
      name: "a file into a declared JSON variable",
      request: at("variables.extra", {
        query: "mutation($input: CreateModelInput!, $extra: JSON) { createModel(input: $input) { version } }",
        variables: { input: input(), extra: null },
      }),
      expect: REFUSED,
    },
    {
      name: "a file into a declared String variable",
      request: at("variables.s", {
        query: "mutation($input: CreateModelInput!, $s: String) { createModel(input: $input) { version } }",
        variables: { input: input(), s: null },
      }),
      expect: REFUSED,
    },
    {
      name: "a file for a declared but unused Upload variable",
      request: at("variables.f", { query: "mutation($f: Upload) { __typename }", variables: { f: null } }),
      expect: INVALID,
    },
    {
      name: "the same file mapped twice",
      request: mapped(
        { 0: ["variables.input.files.0.file", "variables.input.files.1.file"] },
        {
          variables: {
            input: input({
              files: [
                { path: "a", file: null },
                { path: "b", file: null },
              ],
            }),
          },
        },
      ),
      expect: REFUSED,
    },
    {
      name: "two files mapped to one path",
      request: mapped({ 0: ["variables.input.files.0.file"], 1: ["variables.input.files.0.file"] }, { parts: ["0", "1"] }),
      expect: REFUSED,
    },
    {
      name: "a file part the map does not name, first",
      request: mapped({ 0: ["variables.input.files.0.file"] }, { parts: ["1", "0"] }),
      expect: BAD,
    },
    {
      name: "the mapped file part sent twice",
      request: mapped({ 0: ["variables.input.files.0.file"] }, { parts: ["0", "0"] }),
      expect: BAD,
    },
    { name: "a map key with no file part", request: mapped({ 9: ["variables.input.files.0.file"] }), expect: BAD },
    {
      name: "a map key named operations",
      request: mapped({ operations: ["variables.input.files.0.file"] }, { parts: ["operations"] }),
      expect: REFUSED,
    },
    { name: "a map that is an array", request: mapped([["variables.input.files.0.file"]]), expect: REFUSED },
    { name: "a map that is a string", request: mapped('"variables.input.files.0.file"'), expect: REFUSED },
    { name: "a map that is null", request: mapped("null"), expect: REFUSED },
    { name: "a map that is a number", request: mapped("7"), expect: REFUSED },
    { name: "a 500 kB path", request: at(`variables.input.files.0.file${".a".repeat(250_000)}`), expect: REFUSED },
    { name: "a path of 10,000 segments", request: at(`variables.input${".files.0".repeat(5_000)}`), expect: REFUSED },
    {
      name: "the sparse shape with a read key",
      request: at("variables.input.inputExample.200000000", { who: "read" }),
      expect: bad("BAD_USER_INPUT", "FORBIDDEN"),
    },
  ];
  const indices = ["01", "00", "1e3", "1e0", "-1", "-0", " 0", "0 ", "+0", "0x0", "0.0", "0.", "\u0660", "\uff10", "Infinity", "NaN", ""];
  for (const index of indices) {
    cases.push({
      name: `files index ${JSON.stringify(index)} (not canonical)`,
      request: at(`variables.input.files.${index}.file`),
      expect: REFUSED,
    });
  }
  for (const path of [
    "variables.__proto__.polluted",
    "variables.input.__proto__.file",
    "variables.input.tags.__proto__",
    "variables.input.files.constructor",
    "variables.input.constructor.prototype.polluted",
    "variables.input.files.0.prototype",
  ]) {
    cases.push({ name: `object internals: ${path}`, request: at(path), expect: REFUSED });
  }
  return cases;
});
