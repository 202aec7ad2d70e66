/**
 * How the schema's fields resolve. type-graphql wraps every plain property of an
 * object type in its middleware and auth stack unless the type says
 * `simpleResolvers: true`; Homer has no middlewares and no @Authorized fields, so
 * that wrapper only cost a call per field per row (50 `version`s on a page), and
 * it kept graphql-jit from reading the property inline.
 */
import { isObjectType } from "graphql";
import { getMetadataStorage } from "type-graphql";
import { describe, expect, test } from "vitest";
import { buildRegistrySchema } from "../gateway/src/schema.js";

describe("schema resolvers", () => {
  test("every object type declares simpleResolvers, so no plain property goes through type-graphql's wrapper", async () => {
    await buildRegistrySchema();
    const types = getMetadataStorage().objectTypes;
    expect(types.length).toBeGreaterThan(15);
    expect(types.filter((t) => t.simpleResolvers !== true).map((t) => t.name)).toEqual([]);
  });

  test("plain properties have no resolver; computed fields keep theirs", async () => {
    const schema = await buildRegistrySchema();
    const fields = (type: string) => {
      const t = schema.getType(type);
      if (!isObjectType(t)) throw new Error(`${type} is not an object type`);
      return t.getFields();
    };
    for (const name of ["version", "name", "project", "createdAt"]) expect(fields("Model")[name]!.resolve).toBeUndefined();
    // Stored text is counted against the answer's budget (graphql/answer-budget.ts) as it resolves.
    for (const name of ["description", "tags", "signature", "inputExample", "flavors"]) {
      expect(fields("Model")[name]!.resolve, name).toBeTypeOf("function");
    }
    for (const name of ["nodes", "pageInfo"]) expect(fields("ModelConnection")[name]!.resolve).toBeUndefined();
    expect(fields("ModelFile").downloadUrl!.resolve).toBeUndefined();
    // Resolvers bound to the schema or declared with @FieldResolver stay.
    expect(fields("Model").metric!.resolve).toBeTypeOf("function");
    expect(fields("Query").models!.resolve).toBeTypeOf("function");
    expect(fields("ModelFamily").best!.resolve).toBeTypeOf("function");
    expect(fields("ModelConnection").totalCount!.resolve).toBeTypeOf("function");
  });
});
