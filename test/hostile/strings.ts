/** Hostile corpus: lookalike, control and unpaired characters in every string. */
import { expect } from "vitest";
import { MARK } from "../support/hostile-harness.js";
import { gqlRequest, type Reply } from "../support/raw-request.js";
import { BAD, bad, create, get, gql, upload } from "./requests.js";
import { group, keys, type Case, type Expect } from "./world.js";

export const lookalikes = group("unicode lookalikes and control characters", () => {
  const strange: [string, string][] = [
    ["Cyrillic а", "vіctіm-\u0430"],
    ["all-Cyrillic lookalike", "\u0432\u0456\u0441\u0442\u0456m"],
    ["full-width", "\uFF56\uFF49\uFF43\uFF54\uFF49\uFF4D"],
    ["zero-width joiner", "vic\u200Dtim"],
    ["zero-width space", "vic\u200Btim"],
    ["RTL override U+202E", "vic\u202Etim"],
    ["combining acute", "victim\u0301"],
    ["NUL", "victim\u0000"],
    ["newline", "victim\nx"],
    ["carriage return", "victim\r"],
    ["tab", "vic\ttim"],
    ["DEL", "victim\u007f"],
    ["NEL U+0085", "victim\u0085"],
    ["line separator U+2028", "victim\u2028"],
    ["BOM", "\uFEFFvictim"],
    ["trailing space", "victim "],
    ["emoji", "victim\u{1F480}"],
    ["lone surrogate", "victim\uD800"],
    ["SQL quote", "victim' OR '1'='1"],
    ["path", "../victim"],
  ];
  const cases: Case[] = [];
  for (const [what, s] of strange) {
    cases.push(
      { name: `model name with ${what}`, request: create({ name: s }), expect: BAD },
      { name: `project name with ${what}`, request: create({ name: "victim", project: s }), expect: BAD },
      { name: `metric key with ${what}`, request: create({ name: "victim", metrics: [{ key: s, value: 1 }] }), expect: BAD },
    );
  }
  cases.push(
    {
      name: "models(name) with RTL override",
      request: gql(`query($n: String!) { models(name: $n) { totalCount } }`, { n: "fixture\u202E" }),
      expect: BAD,
    },
    {
      name: "model(project) with full-width letters",
      request: gql(`query($p: String) { model(name: "fixture", version: 1, project: $p) { version } }`, { p: "\uFF54eam-a" }),
      expect: BAD,
    },
    {
      name: "deleteModel(name) with a Cyrillic а",
      request: gql(`mutation($n: String!) { deleteModel(name: $n, version: 1) }`, { n: "fixture-\u0430" }),
      expect: BAD,
    },
    {
      name: "bestModel(project) with NUL",
      request: gql(`query($p: String) { bestModel(name: "fixture", metric: "acc", project: $p) { version } }`, { p: "team-a\u0000" }),
      expect: BAD,
    },
    {
      name: "createProject with a zero-width joiner (admin key)",
      request: () => gqlRequest(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: "team\u200D-a" }, keys.admin),
      expect: BAD,
    },
  );
  return cases;
});

export const unstorableStrings = group("NUL, control characters and lone surrogates in every string argument", () => {
  const ESC = "ci\u001b[1A\u001b[2K\u001b[31mhidden";
  const admin = (query: string, variables: Record<string, unknown>) => gql(query, variables, "admin");
  const versions = (want: number[]) => (r: Reply) =>
    void (r.json.data && expect(r.json.data.models.nodes.map((n: any) => n.version)).toEqual(want));
  const LIST = `query($k: String, $a: String) { models(name: "fixture", sortKey: $k, after: $a) { nodes { version } } }`;
  const BEST = `query($m: String!) { bestModel(name: "fixture", metric: $m) { version } }`;
  const KEY = `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`;
  const REVOKE = `mutation($id: String!) { revokeApiKey(id: $id) { id } }`;
  const NOT_FOUND: Expect = { codes: ["NOT_FOUND"], status: [404] };
  const BAD_PATH: Expect = { codes: ["BAD_USER_INPUT"], status: [400] };
  const cases: Case[] = [
    { name: "models(sortKey) with NUL", request: gql(LIST, { k: "a\u0000b" }), expect: BAD },
    { name: "models(sortKey) with a lone surrogate", request: gql(LIST, { k: "acc\uD800" }), expect: BAD },
    {
      name: "models(sortKey) with an escape sequence sorts by nothing",
      request: gql(LIST, { k: ESC }),
      expect: { success: true, check: versions([2, 1]) },
    },
    { name: "models(after) with NUL", request: gql(LIST, { a: "\u0000" }), expect: BAD },
    { name: "bestModel(metric) that is only NUL", request: gql(BEST, { m: "\u0000" }), expect: BAD },
    { name: "bestModel(metric) with a lone low surrogate", request: gql(BEST, { m: "\uDC00acc" }), expect: BAD },
    {
      name: "bestModel(metric) with an escape sequence is null",
      request: gql(BEST, { m: ESC }),
      expect: { success: true, check: (r) => expect(r.json.data.bestModel).toBeNull() },
    },
    {
      name: "model(name) with NUL",
      request: gql(`query($n: String!) { model(name: $n, version: 1) { version } }`, { n: "fixture\u0000" }),
      expect: BAD,
    },
    {
      name: "deleteModel(project) with NUL",
      request: gql(`mutation($p: String) { deleteModel(name: "fixture", version: 1, project: $p) }`, { p: "\u0000" }),
      expect: BAD,
    },
    { name: "description with NUL", request: create({ name: "victim", description: "a\u0000b" }), expect: BAD },
    { name: "description with an escape sequence", request: create({ name: "victim", description: `x${ESC}` }), expect: BAD },
    { name: "description with a C1 CSI", request: create({ name: "victim", description: "x\u009b31m" }), expect: BAD },
    { name: "description with a lone surrogate", request: create({ name: "victim", description: "x\uD83D" }), expect: BAD },
    {
      name: "description with tabs and line breaks (legal)",
      request: create({ name: "victim", description: "line 1\r\n\tline 2\n" }),
      expect: { success: true },
    },
    { name: "tag key with NUL", request: create({ name: "victim", tags: { "a\u0000": 1 } }), expect: BAD },
    { name: "tag key with an escape sequence", request: create({ name: "victim", tags: { [ESC]: 1 } }), expect: BAD },
    { name: "tag value with NUL", request: create({ name: "victim", tags: { a: "x\u0000y" } }), expect: BAD },
    { name: "NUL deep inside a tag value", request: create({ name: "victim", tags: { a: { b: [1, { c: "\u0000" }] } } }), expect: BAD },
    { name: "NUL in a nested tag key", request: create({ name: "victim", tags: { a: { "\u0000": 1 } } }), expect: BAD },
    { name: "tag value with a lone surrogate", request: create({ name: "victim", tags: { a: "\uDFFF" } }), expect: BAD },
    {
      name: "tag value with an escape sequence (data, legal)",
      request: create({ name: "victim", tags: { a: ESC } }),
      expect: { success: true },
    },
    { name: "inputExample string with NUL", request: create({ name: "victim", inputExample: "\u0000" }), expect: BAD },
    { name: "inputExample key with NUL", request: create({ name: "victim", inputExample: [{ "col\u0000": 1 }] }), expect: BAD },
    { name: "inputExample with a lone surrogate", request: create({ name: "victim", inputExample: ["ok", "\uD800"] }), expect: BAD },
    {
      name: "signature field name with NUL",
      request: create({ name: "victim", signature: { inputs: [{ name: "x\u0000", type: "double" }], outputs: [] } }),
      expect: BAD,
    },
    {
      name: "signature field name with an escape sequence",
      request: create({ name: "victim", signature: { inputs: [{ name: ESC, type: "double" }], outputs: [] } }),
      expect: BAD,
    },
    {
      name: "signature field name with a lone surrogate",
      request: create({ name: "victim", signature: { inputs: [], outputs: [{ name: "\uD800", type: "double" }] } }),
      expect: BAD,
    },
    {
      name: "signature field type with NUL",
      request: create({ name: "victim", signature: { inputs: [{ type: "double\u0000" }], outputs: [] } }),
      expect: BAD,
    },
    { name: "file path with a lone surrogate", request: upload({ name: "victim" }, [[`${MARK}\uD800.bin`, "x"]]), expect: BAD },
    { name: "file path with a bidi override", request: upload({ name: "victim" }, [[`${MARK}\u202Etxt.exe`, "x"]]), expect: BAD },
    {
      name: "createProject with NUL (admin key)",
      request: admin(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: "a\u0000b" }),
      expect: BAD,
    },
    {
      name: "createProject with an escape sequence (admin key)",
      request: admin(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: ESC }),
      expect: BAD,
    },
    {
      name: "createApiKey name with NUL",
      request: admin(KEY, { i: { name: "a\u0000b", grants: [{ project: "team-a", role: "READ" }] } }),
      expect: BAD,
    },
    {
      name: "createApiKey name with terminal escapes",
      request: admin(KEY, { i: { name: ESC, grants: [{ project: "team-a", role: "READ" }] } }),
      expect: BAD,
    },
    {
      name: "createApiKey name with a C1 CSI",
      request: admin(KEY, { i: { name: "ci\u009b2J", grants: [{ project: "team-a", role: "READ" }] } }),
      expect: BAD,
    },
    {
      name: "createApiKey name with an RTL override",
      request: admin(KEY, { i: { name: "ci\u202Eyek", grants: [{ project: "team-a", role: "READ" }] } }),
      expect: BAD,
    },
    {
      name: "createApiKey name with a lone surrogate",
      request: admin(KEY, { i: { name: "ci\uD800", grants: [{ project: "team-a", role: "READ" }] } }),
      expect: BAD,
    },
    {
      name: "createApiKey name with a newline",
      request: admin(KEY, { i: { name: "ci\nadmin", grants: [{ project: "team-a", role: "READ" }] } }),
      expect: BAD,
    },
    {
      name: "createApiKey grant project with NUL",
      request: admin(KEY, { i: { name: "ci", grants: [{ project: "team-a\u0000", role: "READ" }] } }),
      expect: BAD,
    },
    { name: "revokeApiKey(id) with NUL", request: admin(REVOKE, { id: "a\u0000b" }), expect: BAD },
    { name: "revokeApiKey(id) with a lone surrogate", request: admin(REVOKE, { id: "\uD800" }), expect: BAD },
    { name: "revokeApiKey(id) with an escape sequence is absent", request: admin(REVOKE, { id: ESC }), expect: bad("NOT_FOUND") },
    { name: "revokeApiKey(id) of 100 kB is absent", request: admin(REVOKE, { id: "k".repeat(100_000) }), expect: bad("NOT_FOUND") },
    { name: "GET /files/…/%00", request: get("/files/team-a/fixture/1/%00"), expect: BAD_PATH },
    { name: "GET /files/…/dir%00/x.txt", request: get("/files/team-a/fixture/1/dir%00/x.txt"), expect: BAD_PATH },
    { name: "GET /files/%00/…", request: get("/files/%00/fixture/1/w.bin"), expect: BAD_PATH },
    { name: "GET /files/… with an escape sequence is absent", request: get("/files/team-a/fixture/1/%1B%5B2Jw.bin"), expect: NOT_FOUND },
    {
      name: "GET /files/… with a UTF-8-encoded surrogate",
      request: get("/files/team-a/fixture/1/%ED%A0%80"),
      expect: { codes: ["BAD_USER_INPUT", "NOT_FOUND"], status: [400, 404] },
    },
    { name: "GET /files/… with a DEL", request: get("/files/team-a/fixture/1/w.bin%7F"), expect: NOT_FOUND },
    { name: "GET /archives/…%00", request: get("/archives/team-a/fixture%00/1"), expect: BAD_PATH },
    { name: "GET /archives/%00/…", request: get("/archives/%00/fixture/1"), expect: BAD_PATH },
  ];
  return cases;
});
