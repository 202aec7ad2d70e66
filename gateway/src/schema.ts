import "reflect-metadata";
import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";
import { buildSchema, type PubSub } from "type-graphql";
import { VersionResolver } from "./about/version.resolver.js";
import { AccessResolver, ProjectRoleResolver } from "./keys/access.resolver.js";
import { AliasResolver } from "./model/alias.resolver.js";
import { DownloadTicketResolver } from "./model/download-ticket.resolver.js";
import { ModelEventResolver } from "./model/model-event.resolver.js";
import { ModelFamilyResolver } from "./model/model-family.resolver.js";
import { ModelLineageResolver, ModelParentResolver } from "./model/lineage.resolver.js";
import { ModelConnectionResolver, ModelResolver, modelFields, mutationFields, queryFields } from "./model/model.resolver.js";

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
      DownloadTicketResolver,
    ],
    pubSub: NO_TOPICS,
    validate: false,
    emitSchemaFile: false,
  });
  // Per-version fields, the listing and registration resolve without type-graphql's
  // per-call wrapper (see modelFields, queryFields, mutationFields).
  bindResolvers(schema, "Model", modelFields);
  bindResolvers(schema, "Query", queryFields);
  bindResolvers(schema, "Mutation", mutationFields);
  return schema;
}

function bindResolvers(schema: GraphQLSchema, typeName: string, resolvers: Record<string, unknown>): void {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new Error(`the schema has no ${typeName} object type`);
  const fields = type.getFields();
  for (const [name, resolve] of Object.entries(resolvers)) {
    const field = fields[name];
    if (!field) throw new Error(`${typeName} has no field ${name}`);
    field.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
  }
}
