import fs from "node:fs";
import { buildSchema, GraphQLEnumType } from "graphql";
import { expect, test } from "vitest";

test("the schema says plainly that registration is synchronous and PENDING/FAILED are never produced", () => {
  const schema = buildSchema(fs.readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));
  const status = schema.getType("ModelStatus") as GraphQLEnumType;
  expect(status.description).toMatch(/Registration is synchronous/);
  for (const reserved of ["PENDING", "FAILED"]) expect(status.getValue(reserved)?.description).toMatch(/never produced today/);
  expect(schema.getTypeMap().Model!.toConfig()).toMatchObject({
    fields: { status: { description: expect.stringMatching(/synchronous/) } },
  });
});
