import "reflect-metadata";
import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";
import { buildSchema, type PubSub } from "type-graphql";
import { VersionResolver } from "./about/version.resolver.js";
import { AccessResolver, ProjectRoleResolver } from "./keys/access.resolver.js";
import { AliasResolver } from "./model/alias.resolver.js";
import { ModelEventResolver } from "./model/model-event.resolver.js";
import { ModelFamilyResolver } from "./model/model-family.resolver.js";
import { ModelLineageResolver, ModelParentResolver } from "./model/lineage.resolver.js";
import { ModelConnectionResolver, ModelResolver, modelFields } from "./model/model.resolver.js";

/**
 * type-graphql insists on a PubSub once any subscription exists, even when every
 * subscription brings its own source (`subscribe`), as ours does: topics are unused.
 */
const NO_TOPICS: PubSub = {
  publish() {
    throw new Error("Homer's subscriptions read the event log; nothing publishes to topics");
  },
  subscribe() {
    throw new Error("Homer's subscriptions read the event log; there are no topics");
  },
};

/** The public schema, built from the code-first types. */
export async function buildRegistrySchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [
      ModelResolver,
      ModelConnectionResolver,
      ModelFamilyResolver,
      AliasResolver,
      AccessResolver,
      ProjectRoleResolver,
      ModelEventResolver,
      VersionResolver,
      ModelLineageResolver,
      ModelParentResolver,
    ],
    pubSub: NO_TOPICS,
    validate: false,
    emitSchemaFile: false,
  });
  // Per-version fields resolve without type-graphql's per-call wrapper (see modelFields).
  const model = schema.getType("Model");
  if (!isObjectType(model)) throw new Error("the schema has no Model object type");
  const fields = model.getFields();
  for (const [name, resolve] of Object.entries(modelFields)) {
    const field = fields[name];
    if (!field) throw new Error(`Model has no field ${name}`);
    field.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
  }
  return schema;
}
