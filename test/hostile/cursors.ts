/** Hostile corpus: forged, foreign and malformed pagination cursors. */
import { expect } from "vitest";
import { b64, BAD, gql, type Who } from "./requests.js";
import { cursors, group, type Case } from "./world.js";

export const invalidCursors = group("invalid cursors", () => {
  const list = (after: string, args = `name: "fixture"`, who: Who = "write") =>
    gql(`query($a: String) { models(${args}, after: $a) { nodes { name version } } }`, { a: after }, who);
  const body = (p: string, rest = '"j":"team-a","n":"fixture","k":null,"d":"DESC"') => b64(`{${rest},"p":${p}}`);
  return [
    { name: "garbage", request: list("!!!not a cursor!!!"), expect: BAD },
    // "" is not the absence of a cursor: a client resuming with it must not be given the first page again.
    { name: "an empty cursor", request: list(""), expect: BAD },
    { name: "valid base64 of garbage", request: list(b64("hello, world")), expect: BAD },
    { name: "valid base64 of garbage JSON", request: list(b64('{"n":"fixture",')), expect: BAD },
    { name: "base64 of null", request: list(b64("null")), expect: BAD },
    { name: "base64 of an array", request: list(b64("[1,2,3]")), expect: BAD },
    { name: "base64 of {}", request: list(b64("{}")), expect: BAD },
    { name: "a cursor whose version is NaN", request: list(body('{"phase":"version","version":NaN}')), expect: BAD },
    {
      name: "a cursor whose metric value is NaN",
      request: list(
        body('{"phase":"metric","version":1,"value":NaN}', '"j":"team-a","n":"fixture","k":"acc","d":"DESC"'),
        `name: "fixture", sortKey: "acc"`,
      ),
      expect: BAD,
    },
    {
      name: "a cursor whose metric value is 1e400",
      request: list(
        body('{"phase":"metric","version":1,"value":1e400}', '"j":"team-a","n":"fixture","k":"acc","d":"DESC"'),
        `name: "fixture", sortKey: "acc"`,
      ),
      expect: BAD,
    },
    {
      name: "a cursor whose metric value is a string",
      request: list(
        body('{"phase":"metric","version":1,"value":"0.5"}', '"j":"team-a","n":"fixture","k":"acc","d":"DESC"'),
        `name: "fixture", sortKey: "acc"`,
      ),
      expect: BAD,
    },
    { name: "a cursor whose version is 1.5", request: list(body('{"phase":"version","version":1.5}')), expect: BAD },
    {
      name: "a cursor whose version is 1e20",
      request: list(body('{"phase":"version","version":1e20}')),
      expect: { codes: ["BAD_USER_INPUT"], success: true },
    },
    {
      name: "a cursor whose version is negative",
      request: list(body('{"phase":"version","version":-5}')),
      expect: { codes: ["BAD_USER_INPUT"], success: true },
    },
    { name: "a cursor with an unknown phase", request: list(body('{"phase":"evil","version":1}')), expect: BAD },
    {
      name: "a cursor with __proto__ as its position",
      request: list(b64('{"j":"team-a","n":"fixture","k":null,"d":"DESC","__proto__":{"p":{"phase":"version","version":1}}}')),
      expect: BAD,
    },
    { name: "a cursor from another model name", request: () => list(cursors.other)(), expect: BAD },
    { name: "a cursor from another sort key", request: () => list(cursors.acc)(), expect: BAD },
    { name: "a cursor from another direction", request: () => list(cursors.asc)(), expect: BAD },
    {
      name: "a version cursor used for a metric sort",
      request: () => list(cursors.version, `name: "fixture", sortKey: "acc"`)(),
      expect: BAD,
    },
    {
      name: "a cursor used from another project",
      request: () => list(cursors.version, `name: "fixture", project: "team-b"`, "writeB")(),
      expect: BAD,
    },
    { name: "a 4,000-character cursor", request: list("A".repeat(4000)), expect: BAD },
    { name: "a 1 MB cursor", request: list("A".repeat(1_000_000)), expect: BAD },
    { name: "a cursor with base64 padding and slashes", request: list("eyJuIjoiZml4dHVyZSJ9/+=="), expect: BAD },
    { name: "a cursor with a NUL byte", request: list("abc\u0000def"), expect: BAD },
    {
      name: "a cursor whose sort key is an injection attempt, with the same sortKey",
      request: list(
        b64(`{"j":"team-a","n":"fixture","k":"acc' OR 1=1 --","d":"DESC","p":{"phase":"missing","version":2}}`),
        `name: "fixture", sortKey: "acc' OR 1=1 --"`,
      ),
      expect: {
        codes: ["BAD_USER_INPUT"],
        success: true,
        check: (r) => void (r.json.data && expect(r.json.data.models.nodes.every((n: any) => n.name === "fixture")).toBe(true)),
      },
    },
    ...familyCursors(),
  ] satisfies Case[];
});

/** modelFamilies' cursors: the same refusals, and never another listing's cursor. */
function familyCursors(): Case[] {
  const list = (after: string, args = "") =>
    gql(`query($a: String) { modelFamilies(${args} after: $a) { nodes { name } } }`, { a: after }, "write");
  const forged = (a: string, rest = '"j":"team-a","s":"","m":"PREFIX","o":"NAME"') => b64(`{${rest},"a":${a}}`);
  return [
    { name: "a family cursor of garbage", request: list("!!!not a cursor!!!"), expect: BAD },
    { name: "an empty family cursor", request: list(""), expect: BAD },
    { name: "a family cursor of base64 null", request: list(b64("null")), expect: BAD },
    { name: "a family cursor naming no name", request: list(forged('"x\' OR 1=1 --"')), expect: BAD },
    { name: "a family cursor whose name is a number", request: list(forged("42")), expect: BAD },
    { name: "a family cursor whose name is an object", request: list(forged('{"toString":1}')), expect: BAD },
    { name: "a family cursor of another project", request: list(forged('"fixture"', '"j":"team-b","s":""')), expect: BAD },
    { name: "a family cursor of another search", request: list(forged('"fixture"', '"j":"team-a","s":"fix"')), expect: BAD },
    { name: "a models cursor for modelFamilies", request: () => list(cursors.version)(), expect: BAD },
    { name: "a 1 MB family cursor", request: list("A".repeat(1_000_000)), expect: BAD },
    {
      name: "a forged family cursor of a real name resumes after it",
      request: list(forged('"fixture"')),
      expect: {
        success: true,
        check: (r) => void expect(r.json.data.modelFamilies.nodes.map((n: any) => n.name)).not.toContain("fixture"),
      },
    },
  ];
}
