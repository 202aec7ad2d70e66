/**
 * Hostile corpus: updateModel. Every argument mistyped, oversized, unstorable or
 * unauthorised; none may change a version (the aftermath checks every revision is 1).
 */
import { BAD, bad, gql, INVALID_OR_BAD, raw, type Who } from "./requests.js";
import { group, type Case } from "./world.js";

const UPDATE = `mutation($name: String!, $version: Int!, $project: String, $input: UpdateModelInput!) {
  updateModel(name: $name, version: $version, project: $project, input: $input) { revision }
}`;

const update = (input: unknown, target: Record<string, unknown> = {}, who: Who = "write") =>
  gql(UPDATE, { name: "fixture", version: 1, ...target, input }, who);

export const hostileUpdates = group("updateModel", () => {
  const cases: Case[] = [];
  const wrong: Record<string, unknown[]> = {
    description: [5, { a: 1 }, ["x"], true],
    tags: [[1], "x", 5, true],
    mergeTags: [[1], "x", 5, true],
    addMetrics: ["x", [{ key: 1, value: 1 }], [{ key: "a", value: "x" }], [{ key: "a" }], [null], [{ key: "a", value: 1, extra: 1 }]],
    removeMetrics: [5, [5], [null], [{ a: 1 }]],
    expectedRevision: ["1", 1.5, true, [1], { a: 1 }, 2 ** 31],
  };
  for (const [field, values] of Object.entries(wrong)) {
    for (const value of values) {
      cases.push({
        name: `updateModel(input.${field}: ${JSON.stringify(value)})`,
        request: update({ [field]: value }),
        expect: INVALID_OR_BAD,
      });
    }
  }
  const invalid: [string, Record<string, unknown>][] = [
    ["nothing to change", {}],
    ["every field null", { description: undefined, tags: null, mergeTags: null, addMetrics: null, removeMetrics: null }],
    ["description with NUL", { description: "a\u0000b" }],
    ["description with a lone surrogate", { description: "a\ud800b" }],
    ["description with a bidi override", { description: "safe\u202etxt.exe" }],
    ["description past 65536 characters", { description: "d".repeat(65_537) }],
    ["tag key with a control character", { tags: { "k\u001b[31m": 1 } }],
    ["tag key past 256 characters", { mergeTags: { ["k".repeat(257)]: 1 } }],
    ["tag value with NUL", { mergeTags: { k: "a\u0000" } }],
    ["nested tag key with a lone surrogate", { tags: { k: { "\udc00": 1 } } }],
    ["tags past 64 KiB", { tags: { big: "x".repeat(70_000) } }],
    ["tags nested past the depth limit", { mergeTags: { deep: JSON.parse("[".repeat(100) + "]".repeat(100)) as unknown } }],
    ["tags and mergeTags together", { tags: { a: 1 }, mergeTags: { b: 2 } }],
    ["metric key with a slash", { addMetrics: [{ key: "../acc", value: 1 }] }],
    ["metric key past 128 characters", { addMetrics: [{ key: "m".repeat(129), value: 1 }] }],
    [
      "metric key twice",
      {
        addMetrics: [
          { key: "acc", value: 1 },
          { key: "acc", value: 2 },
        ],
      },
    ],
    ["1001 metrics", { addMetrics: Array.from({ length: 1001 }, (_, i) => ({ key: `m${i}`, value: i })) }],
    ["removeMetrics key with NUL", { removeMetrics: ["a\u0000"] }],
    ["removeMetrics key with a space", { removeMetrics: ["no spaces"] }],
    ["removeMetrics of 1001 keys", { removeMetrics: Array.from({ length: 1001 }, (_, i) => `m${i}`) }],
    ["a metric both added and removed", { addMetrics: [{ key: "acc", value: 1 }], removeMetrics: ["acc"] }],
    ["expectedRevision 0", { description: "x", expectedRevision: 0 }],
    ["expectedRevision negative", { description: "x", expectedRevision: -1 }],
  ];
  for (const [name, input] of invalid) cases.push({ name: `updateModel: ${name}`, request: update(input), expect: BAD });
  // Values JSON can spell but a metric cannot hold: the parser or the rules refuse them.
  for (const value of ["NaN", "Infinity", "1e400", "-1e400"]) {
    cases.push({
      name: `updateModel(addMetrics value ${value})`,
      request: raw(
        `{"query":${JSON.stringify(UPDATE)},"variables":{"name":"fixture","version":1,"input":{"addMetrics":[{"key":"acc","value":${value}}]}}}`,
      ),
      expect: bad("BAD_USER_INPUT", "BAD_REQUEST", "GRAPHQL_VALIDATION_FAILED"),
    });
  }
  const targets: [string, Record<string, unknown>][] = [
    ["name with traversal", { name: "../fixture" }],
    ["name with NUL", { name: "fixture\u0000" }],
    ["version 0", { version: 0 }],
    ["version past the maximum", { version: 2 ** 31 }],
    ["project with a control character", { project: "team-a\u0007" }],
  ];
  for (const [name, target] of targets) {
    cases.push({ name: `updateModel target: ${name}`, request: update({ description: "x" }, target), expect: INVALID_OR_BAD });
  }
  // A stale revision is CONFLICT, a version that does not exist NOT_FOUND: both change nothing.
  cases.push({
    name: "updateModel with a stale expectedRevision",
    request: update({ description: "x", expectedRevision: 7 }),
    expect: bad("CONFLICT"),
  });
  cases.push({
    name: "updateModel of an absent version",
    request: update({ description: "x" }, { version: 999 }),
    expect: bad("NOT_FOUND"),
  });
  // Who may not edit: a read key, another project's key, a revoked key, nobody.
  cases.push({ name: "updateModel with a read key", request: update({ description: "x" }, {}, "read"), expect: bad("FORBIDDEN") });
  cases.push({
    name: "updateModel of team-a with team-b's write key",
    request: update({ description: "x" }, { project: "team-a" }, "writeB"),
    expect: bad("FORBIDDEN"),
  });
  cases.push({
    name: "updateModel with a revoked key",
    request: update({ description: "x" }, {}, "revoked"),
    expect: bad("UNAUTHENTICATED"),
  });
  cases.push({ name: "updateModel without a key", request: update({ description: "x" }, {}, null), expect: bad("UNAUTHENTICATED") });
  return cases;
});
