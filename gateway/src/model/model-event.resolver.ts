import type { GraphQLResolveInfo } from "graphql";
import { Args, Ctx, FieldResolver, Info, Resolver, Root, Subscription } from "type-graphql";
import type { ModelEventRecord, ModelRecord } from "../domain/records.js";
import type { Context } from "../graphql/context.js";
import type { EventItem } from "../registry/event-stream.js";
import { Model } from "./model.type.js";
import { ModelEvent, ModelEventsArgs } from "./model-event.type.js";
import { selectedParts } from "./model.resolver.js";

@Resolver(() => ModelEvent)
export class ModelEventResolver {
  @Subscription(() => ModelEvent, {
    description:
      "Changes to a project's versions (of one model when `name` is given) from now on, over graphql-ws at " +
      "ws://host:port/graphql, each after its commit. Needs read on the project.",
    subscribe: async ({ args, context }) => {
      const { registry, caller, deliveries } = context as Context;
      const events = await registry.watchModels(caller, args as ModelEventsArgs);
      return deliveries ? deliveries.pace(events) : events;
    },
  })
  modelEvents(@Root() item: EventItem, @Args(() => ModelEventsArgs) _args: ModelEventsArgs): ModelEventRecord {
    // The hub's last word on a subscription (a revoked key, a subscriber left behind).
    if (item instanceof Error) throw item;
    return item;
  }

  @FieldResolver(() => Model, { nullable: true, description: "The version as it is now; null after DELETED or once it is gone." })
  model(@Root() event: ModelEventRecord, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<ModelRecord | null> | null {
    if (event.type === "DELETED") return null;
    // One version, read whole as of one moment, its large columns too (at most their registration
    // limits): read by row id after it, a version deleted or replaced meanwhile answered CONFLICT,
    // and an event carrying an error ends the SDK's watch.
    return ctx.registry.getEventModel(ctx.caller, event, { ...selectedParts(info), largeSizes: false });
  }
}
