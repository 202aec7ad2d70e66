import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { ModelConnectionResolver, ModelResolver } from "../model/model.resolver.js";

/** The public schema, built from the code-first types. */
export function buildRegistrySchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [ModelResolver, ModelConnectionResolver],
    validate: false,
    emitSchemaFile: false,
  });
}
