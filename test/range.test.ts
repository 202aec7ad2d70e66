import { describe, expect, test } from "vitest";
import { parseRange } from "../gateway/src/http/range.js";

describe("Range headers, read by range-parser with RFC 9110's answers", () => {
  test.each([
    ["bytes=0-9", 100, { kind: "partial", range: { start: 0, end: 9 } }],
    ["bytes=90-", 100, { kind: "partial", range: { start: 90, end: 99 } }],
    ["bytes=-5", 100, { kind: "partial", range: { start: 95, end: 99 } }],
    ["bytes=0-99999999999999999999", 100, { kind: "partial", range: { start: 0, end: 99 } }],
    // a suffix longer than the file is the whole file (range-parser alone answers 416)
    ["bytes=-101", 100, { kind: "partial", range: { start: 0, end: 99 } }],
    ["bytes=-99999999999", 1, { kind: "partial", range: { start: 0, end: 0 } }],
    ["bytes=100-", 100, { kind: "unsatisfiable" }],
    ["bytes=99999999999999999999999-", 100, { kind: "unsatisfiable" }],
    ["bytes=-0", 100, { kind: "unsatisfiable" }],
    ["bytes=-5", 0, { kind: "unsatisfiable" }],
    ["bytes=0-0", 0, { kind: "unsatisfiable" }],
    // invalid (backwards, malformed), several ranges or another unit: the whole body
    ["bytes=5-2", 100, { kind: "full" }],
    ["bytes=0-1,5-6", 100, { kind: "full" }],
    ["bytes=0-1,5-2", 100, { kind: "full" }],
    ["items=0-5", 100, { kind: "full" }],
    ["bytes=abc", 100, { kind: "full" }],
    ["bytes=-", 100, { kind: "full" }],
    ["bytes=1-2-3", 100, { kind: "full" }],
    ["", 100, { kind: "full" }],
  ])("%j of %i bytes", (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});
