/** Hostile corpus: oversized strings and values, and numbers no metric may hold. */
import { expect } from "vitest";
import { BAD, bad, create, createRaw, gql, INVALID, INVALID_OR_BAD } from "./requests.js";
import { group, MAX_INPUT_EXAMPLE, type Case } from "./world.js";

export const hugeStrings = group("huge strings and oversized values", () => {
  const kb10 = "n".repeat(10_000);
  const mb2 = "n".repeat(2_000_000);
  const deepArray = (n: number) => "[".repeat(n) + "]".repeat(n);
  return [
    { name: "10 kB model name", request: create({ name: kb10 }), expect: BAD },
    { name: "2 MB model name", request: create({ name: mb2 }), expect: BAD },
    {
      name: "2 MB model name as an inline literal",
      request: gql(`mutation { createModel(input: { name: "${mb2}" }) { version } }`),
      expect: BAD,
    },
    {
      name: "3 MB model name (over the body limit)",
      request: create({ name: "n".repeat(3_000_000) }),
      expect: { codes: ["PAYLOAD_TOO_LARGE"], status: [413] },
    },
    { name: "10 kB project name", request: create({ name: "victim", project: kb10 }), expect: BAD },
    { name: "10 kB metric key", request: create({ name: "victim", metrics: [{ key: kb10, value: 1 }] }), expect: BAD },
    {
      name: "1,001 metrics",
      request: create({ name: "victim", metrics: Array.from({ length: 1001 }, (_, i) => ({ key: `m${i}`, value: i })) }),
      expect: BAD,
    },
    { name: "description one over the limit", request: create({ name: "victim", description: "d".repeat(65_537) }), expect: BAD },
    { name: "1.9 MB description", request: create({ name: "victim", description: "d".repeat(1_900_000) }), expect: BAD },
    { name: "70 kB tag value", request: create({ name: "victim", tags: { blob: "t".repeat(70_000) } }), expect: BAD },
    { name: "100 kB tag key", request: create({ name: "victim", tags: { ["k".repeat(100_000)]: 1 } }), expect: BAD },
    {
      name: "10,000 tags",
      request: create({ name: "victim", tags: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`t${i}`, i])) }),
      expect: BAD,
    },
    {
      name: "inputExample just over the limit",
      request: create({ name: "victim", inputExample: { data: "x".repeat(MAX_INPUT_EXAMPLE) } }),
      expect: BAD,
    },
    { name: "1.5 MB inputExample", request: create({ name: "victim", inputExample: "x".repeat(1_500_000) }), expect: BAD },
    {
      name: "inputExample of 100,000 small numbers",
      request: create({ name: "victim", inputExample: Array.from({ length: 100_000 }, () => 1) }),
      expect: BAD,
    },
    {
      name: "inputExample nested 5,000 deep (10 kB)",
      request: createRaw(`{"name":"victim","inputExample":${deepArray(5_000)}}`),
      expect: BAD,
    },
    {
      name: "inputExample nested 100,000 deep",
      request: createRaw(`{"name":"victim","inputExample":${deepArray(100_000)}}`),
      expect: BAD,
    },
    {
      name: "tags with a value nested 100,000 deep",
      request: createRaw(`{"name":"victim","tags":{"a":${deepArray(100_000)}}}`),
      expect: BAD,
    },
    {
      name: "signature with 10,001 fields",
      request: create({ name: "victim", signature: { inputs: Array.from({ length: 10_001 }, () => ({ type: "double" })), outputs: [] } }),
      expect: BAD,
    },
    {
      name: "signature field type of 100 kB",
      request: create({ name: "victim", signature: { inputs: [{ type: "t".repeat(100_000) }], outputs: [] } }),
      expect: BAD,
    },
    {
      name: "signature shape of 10,000 dimensions",
      request: create({
        name: "victim",
        signature: { inputs: [{ type: "float32", shape: Array.from({ length: 10_000 }, () => 1) }], outputs: [] },
      }),
      expect: BAD,
    },
    { name: "models(name: 10 kB)", request: gql(`query($n: String!) { models(name: $n) { totalCount } }`, { n: kb10 }), expect: BAD },
    { name: "model(name: 2 MB)", request: gql(`query($n: String!) { model(name: $n, version: 1) { version } }`, { n: mb2 }), expect: BAD },
    {
      name: "deleteModel(name: 2 MB)",
      request: gql(`mutation($n: String!) { deleteModel(name: $n, version: 1) }`, { n: mb2 }),
      expect: BAD,
    },
    {
      name: "models(sortKey: 1 MB) (an unknown key sorts by nothing)",
      request: gql(`query($k: String) { models(name: "fixture", sortKey: $k) { nodes { version } } }`, { k: "k".repeat(1_000_000) }),
      expect: { codes: ["BAD_USER_INPUT"], success: true },
    },
    {
      name: "modelFamilies(search: 1 MB)",
      request: gql(`query($s: String) { modelFamilies(search: $s) { nodes { name } } }`, { s: "s".repeat(1_000_000) }),
      expect: BAD,
    },
    {
      name: "bestModel(metric: 1 MB)",
      request: gql(`query($k: String!) { bestModel(name: "fixture", metric: $k) { version } }`, { k: "k".repeat(1_000_000) }),
      expect: { codes: ["BAD_USER_INPUT"], success: true, check: (r) => void (r.json.data && expect(r.json.data.bestModel).toBeNull()) },
    },
    {
      name: "Model.metric(key: 1 MB)",
      request: gql(`query($k: String!) { model(name: "fixture", version: 1) { metric(key: $k) } }`, { k: "k".repeat(1_000_000) }),
      expect: { codes: ["BAD_USER_INPUT"], success: true },
    },
    {
      name: "createProject(name: 2 MB) with a write key",
      request: gql(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: mb2 }),
      expect: bad("FORBIDDEN", "BAD_USER_INPUT"),
    },
  ] satisfies Case[];
});

export const extremeMetrics = group("non-finite and extreme metric values", () => {
  const metric = (valueText: string, name = "victim", extra = "") =>
    createRaw(`{"name":"${name}"${extra},"metrics":[{"key":"acc","value":${valueText}}]}`);
  // Legal floats go to fixture@1 without overwrite, so the request fails after full validation.
  const legal = (valueText: string) => metric(valueText, "fixture", ',"version":1');
  return [
    { name: "raw NaN", request: metric("NaN"), expect: BAD },
    { name: "raw Infinity", request: metric("Infinity"), expect: BAD },
    { name: "raw -Infinity", request: metric("-Infinity"), expect: BAD },
    { name: "raw +1", request: metric("+1"), expect: BAD },
    { name: "raw .5", request: metric(".5"), expect: BAD },
    { name: "raw 0x10", request: metric("0x10"), expect: BAD },
    { name: "raw 1e400 (Infinity after parsing)", request: metric("1e400"), expect: BAD },
    { name: "raw -1e400", request: metric("-1e400"), expect: BAD },
    { name: 'string "NaN"', request: metric('"NaN"'), expect: BAD },
    { name: 'string "Infinity"', request: metric('"Infinity"'), expect: BAD },
    { name: "null value", request: metric("null"), expect: BAD },
    {
      name: "literal 1e400",
      request: gql(`mutation { createModel(input: { name: "victim", metrics: [{ key: "acc", value: 1e400 }] }) { version } }`),
      expect: INVALID_OR_BAD,
    },
    {
      name: "literal -1e400",
      request: gql(`mutation { createModel(input: { name: "victim", metrics: [{ key: "acc", value: -1e400 }] }) { version } }`),
      expect: INVALID_OR_BAD,
    },
    {
      name: "literal NaN (an enum value)",
      request: gql(`mutation { createModel(input: { name: "victim", metrics: [{ key: "acc", value: NaN }] }) { version } }`),
      expect: INVALID,
    },
    {
      name: "literal Infinity",
      request: gql(`mutation { createModel(input: { name: "victim", metrics: [{ key: "acc", value: Infinity }] }) { version } }`),
      expect: INVALID,
    },
    { name: "denormal 5e-324 (legal; version taken)", request: legal("5e-324"), expect: bad("ALREADY_EXISTS") },
    { name: "denormal 2.2250738585072e-310 (legal; version taken)", request: legal("2.2250738585072e-310"), expect: bad("ALREADY_EXISTS") },
    { name: "1e-400 underflows to 0 (legal; version taken)", request: legal("1e-400"), expect: bad("ALREADY_EXISTS") },
    { name: "-0 (legal; version taken)", request: legal("-0"), expect: bad("ALREADY_EXISTS") },
    { name: "largest double (legal; version taken)", request: legal("1.7976931348623157e308"), expect: bad("ALREADY_EXISTS") },
    {
      name: "a second metric NaN after a valid one",
      request: createRaw('{"name":"victim","metrics":[{"key":"a","value":1},{"key":"b","value":NaN}]}'),
      expect: BAD,
    },
    {
      name: "fixture@1 keeps its metric after the numeric attacks",
      request: gql(`{ model(name: "fixture", version: 1) { metrics { key value } } }`),
      expect: { success: true, check: (r) => expect(r.json.data.model.metrics).toEqual([{ key: "acc", value: 0.5 }]) },
    },
  ] satisfies Case[];
});
