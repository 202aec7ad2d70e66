import { Args, Ctx, Query, Resolver } from "type-graphql";
import type { Context } from "../graphql/context.js";
import type { FamilyPage } from "../registry/registry.service.js";
import { ModelFamiliesArgs } from "./model-family.args.js";
import { ModelFamily, ModelFamilyConnection } from "./model-family.type.js";

@Resolver(() => ModelFamily)
export class ModelFamilyResolver {
  @Query(() => ModelFamilyConnection, {
    description:
      "The models of a project (one per name holding a version), by name case-insensitively, " +
      "those starting with `search` when given. Needs read on the project.",
  })
  async modelFamilies(@Args(() => ModelFamiliesArgs) args: ModelFamiliesArgs, @Ctx() ctx: Context) {
    const page: FamilyPage = await ctx.registry.listFamilies(ctx.caller, args);
    return { nodes: page.nodes, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  }
}
