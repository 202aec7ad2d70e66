import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema, type PubSub } from "type-graphql";
import { AccessResolver } from "./keys/access.resolver.js";
import { ModelEventResolver } from "./model/model-event.resolver.js";
import { ModelConnectionResolver, ModelResolver } from "./model/model.resolver.js";

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
export function buildRegistrySchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [ModelResolver, ModelConnectionResolver, AccessResolver, ModelEventResolver],
    pubSub: NO_TOPICS,
    validate: false,
    emitSchemaFile: false,
  });
}
