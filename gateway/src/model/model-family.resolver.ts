import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from "type-graphql";
import type { AliasRecord, ModelRecord } from "../domain/records.js";
import type { Context } from "../graphql/context.js";
import type { FamilyPage } from "../registry/registry.service.js";
import { ModelAlias } from "./alias.type.js";
import { ModelFamiliesArgs } from "./model-family.args.js";
import { ModelFamily, ModelFamilyConnection } from "./model-family.type.js";
import { selectedParts } from "./model.resolver.js";
import { Model, SortDirection } from "./model.type.js";

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

  @FieldResolver(() => Model, {
    nullable: true,
    description:
      "The model's first version of that metric sort, as bestModel; null when none has it. " +
      "A statement per model: the query cost charges each, so large pages with `best` are refused.",
  })
  best(
    @Root() family: ModelFamily,
    @Arg("metric", () => String) metric: string,
    @Arg("direction", () => SortDirection, { nullable: true, defaultValue: SortDirection.DESC }) direction: SortDirection | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ModelRecord | null> {
    return ctx.registry.bestModel(ctx.caller, {
      project: family.project,
      name: family.name,
      metric,
      direction,
      parts: selectedParts(info),
    });
  }

  @FieldResolver(() => [ModelAlias], {
    description: "The model's aliases, by name. A statement per model: the query cost charges each.",
  })
  aliases(@Root() family: ModelFamily, @Ctx() ctx: Context): Promise<AliasRecord[]> {
    return ctx.registry.listAliases(ctx.caller, { project: family.project, name: family.name });
  }
}
