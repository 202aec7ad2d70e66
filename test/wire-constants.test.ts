import fs from "node:fs/promises";
import { expect, test } from "vitest";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ROLES } from "../gateway/src/domain/limits.js";
import { ERROR_CODES } from "../gateway/src/domain/errors.js";
import { ROLES as SDK_ROLES } from "../sdk/src/admin.js";
import { SERVER_CODES } from "../sdk/src/errors.js";
import { MAX_PAGE_SIZE as SDK_MAX_PAGE_SIZE } from "../sdk/src/registry.js";

// The gateway defines these once (domain/limits.ts); the SDK keeps wire-level copies, checked here against the schema.
test("the SDK's and the gateway's page sizes and roles are the schema's", async () => {
  const schema = await fs.readFile(new URL("../schema.graphql", import.meta.url), "utf8");
  const first = /"""Page size, at most (\d+)\."""\s*first: Int = (\d+)/.exec(schema);
  expect(first?.slice(1).map(Number)).toEqual([MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE]);
  expect(SDK_MAX_PAGE_SIZE).toBe(MAX_PAGE_SIZE);
  const roles = /enum Role \{([^}]*)\}/
    .exec(schema)![1]!
    .trim()
    .split(/\s+/)
    .map((r) => r.toLowerCase());
  expect([...SDK_ROLES].sort()).toEqual([...roles].sort());
  expect([...ROLES]).toEqual([...SDK_ROLES]);
});

// The SDK keeps its own list of the codes a server answers with (it runs without the gateway's code).
test("the SDK knows every error code the gateway's domain answers with", () => {
  expect([...SERVER_CODES].sort()).toEqual([...ERROR_CODES].sort());
});
