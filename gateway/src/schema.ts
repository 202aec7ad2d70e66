import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AccessResolver } from "./keys/access.resolver.js";
import { ModelConnectionResolver, ModelResolver } from "./model/model.resolver.js";

/** The public schema, built from the code-first types. */
export function buildRegistrySchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [ModelResolver, ModelConnectionResolver, AccessResolver],
    validate: false,
    emitSchemaFile: false,
  });
}
