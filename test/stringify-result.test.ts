/**
 * The JSON answer: Apollo's own bytes, and the data tree let go once it is text
 * (why: gateway/src/graphql/stringify-result.ts).
 */
import type { FormattedExecutionResult } from "graphql";
import { describe, expect, test } from "vitest";
import { stringifyResult } from "../gateway/src/graphql/stringify-result.js";

/** Apollo's default `stringifyResult` (`prettyJSONStringify` in its runHttpQuery.js, not exported). */
const apollos = (value: unknown) => JSON.stringify(value) + "\n";

const results = (): FormattedExecutionResult[] => [
  { data: { models: { nodes: [{ version: 3, metric: 0.98 }], pageInfo: { hasNextPage: false, endCursor: null } } } },
  { errors: [{ message: "no such model", path: ["model"], extensions: { code: "NOT_FOUND" } }], data: { model: null } },
  { errors: [{ message: "refused", extensions: { code: "BAD_USER_INPUT" } }] },
  { data: null, errors: [{ message: "x" }], extensions: { cost: 3 } },
  { data: { text: 'é \u2028 "quoted" \\ </script>' } },
];

describe("stringifyResult", () => {
  test("writes exactly what Apollo's default stringifier writes", () => {
    for (const result of results()) {
      const expected = apollos(result);
      expect(stringifyResult(result)).toBe(expected);
    }
  });

  test("empties the data object after writing it, and touches nothing else", () => {
    for (const result of results()) {
      const { errors, extensions, data } = result;
      stringifyResult(result);
      expect(result.errors).toBe(errors);
      expect(result.extensions).toBe(extensions);
      if (data) expect(Object.keys(data)).toEqual([]);
      else expect(result.data).toBe(data);
    }
  });
});
