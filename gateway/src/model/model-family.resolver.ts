import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from "type-graphql";
import type { AliasRecord, ModelRecord } from "../domain/records.js";
import { requestBatch } from "../graphql/batch.js";
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
      "The models of a project (one per name holding a version), by name case-insensitively or most recently " +
      "changed first, those whose name starts with (or contains) `search` when given. Needs read on the project.",
  })
  async modelFamilies(@Args(() => ModelFamiliesArgs) args: ModelFamiliesArgs, @Ctx() ctx: Context) {
    const page: FamilyPage = await ctx.registry.listFamilies(ctx.caller, args);
    return { nodes: page.nodes, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  }

  @FieldResolver(() => Model, {
    nullable: true,
    description:
      "The model's first version of that metric sort, as bestModel; null when none has it. " +
      "Read for the whole page in one statement (per distinct metric and direction).",
  })
  best(
    @Root() family: ModelFamily,
    @Arg("metric", () => String) metric: string,
    @Arg("direction", () => SortDirection, { nullable: true, defaultValue: SortDirection.DESC }) direction: SortDirection | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ModelRecord | null> {
    const parts = selectedParts(info);
    const sort = direction ?? SortDirection.DESC;
    // The page's families share one read per (project, metric, direction, parts).
    const batch = requestBatch(ctx, `best:${JSON.stringify([family.project, metric, sort, parts])}`, (names: readonly string[]) =>
      ctx.registry.bestOfFamilies(ctx.caller, { project: family.project, names, metric, direction: sort, parts }),
    );
    return batch.get(family.name).then((best) => best ?? null);
  }

  @FieldResolver(() => [ModelAlias], {
    description: "The model's aliases, by name. Read for the whole page in one statement.",
  })
  aliases(@Root() family: ModelFamily, @Ctx() ctx: Context): Promise<AliasRecord[]> {
    // The page's families share one read per project.
    const batch = requestBatch(ctx, `aliases:${family.project}`, (names: readonly string[]) =>
      ctx.registry.aliasesOfFamilies(ctx.caller, family.project, names),
    );
    return batch.get(family.name).then((aliases) => aliases ?? []);
  }
}
