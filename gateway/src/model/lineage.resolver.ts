import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, Info, Int, Query, Resolver, Root } from "type-graphql";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../domain/limits.js";
import { refKey } from "../domain/lineage.js";
import type { LineageRecord, ModelRecord, ModelRef } from "../domain/records.js";
import { requestBatch } from "../graphql/batch.js";
import type { Context } from "../graphql/context.js";
import type { DerivedPage } from "../registry/registry.service.js";
import { DerivedModelConnection, DerivedModelsArgs, Lineage, ModelParent } from "./lineage.type.js";
import { selectedParts } from "./model.resolver.js";
import { Model } from "./model.type.js";

/** A page of derived versions as `DerivedModelConnection` answers it. */
function connectionOf(page: DerivedPage) {
  return { nodes: page.nodes, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
}

@Resolver(() => Model)
export class ModelLineageResolver {
  @Query(() => DerivedModelConnection, {
    description:
      "The versions whose lineage names project/name@version as a parent, whether that version exists or was deleted " +
      "(a reference outlives its parent), oldest registration first; only those in projects the caller may read. " +
      "Needs read on the parent's project. Model.derivedModels lists the same for a version that exists.",
  })
  async derivedModels(@Args(() => DerivedModelsArgs) args: DerivedModelsArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const { first, after } = args;
    return connectionOf(await ctx.registry.listDerivedOfRef(ctx.caller, args, { first, after, parts: selectedParts(info, ["nodes"]) }));
  }

  @FieldResolver(() => Lineage, {
    nullable: true,
    description: "Where the version comes from: data set, run, program, environment file and parents; null when none was given.",
  })
  lineage(@Root() model: ModelRecord): LineageRecord | null {
    if (model.lineage === undefined) throw new Error("model lineage was not read with the version");
    return model.lineage;
  }

  @FieldResolver(() => DerivedModelConnection, {
    name: "derivedModels",
    description:
      "The versions whose lineage names this one as a parent, oldest registration first; only those in projects the caller " +
      "may read. The first pages of a page's versions are read together; the query cost charges each as a page.",
  })
  async derivedModelsOf(
    @Root() model: ModelRecord,
    @Arg("first", () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: `Page size, at most ${MAX_PAGE_SIZE}.` })
    first: number | null,
    @Arg("after", () => String, { nullable: true, description: "An endCursor from a previous page." }) after: string | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ) {
    const parts = selectedParts(info, ["nodes"]);
    // A cursor pages one version's derived versions; the first pages of a page's versions share one read.
    const page =
      after != null
        ? await ctx.registry.listDerived(ctx.caller, model, { first, after, parts })
        : await requestBatch(
            ctx,
            `derived:${JSON.stringify([first, parts])}`,
            async (parents: readonly ModelRecord[]) => {
              const pages = await ctx.registry.listDerivedOf(ctx.caller, parents, { first, parts });
              return new Map(parents.map((parent, i) => [refKey(parent), pages[i]!]));
            },
            refKey,
          ).get(model);
    if (!page) throw new Error("a derived page was not read with its batch");
    return connectionOf(page);
  }
}

@Resolver(() => ModelParent)
export class ModelParentResolver {
  @FieldResolver(() => Model, {
    nullable: true,
    description:
      "The parent version as it is now: null when it was deleted or when the caller may not read its project " +
      "(the reference stays either way). The parents of a whole page are read in one statement.",
  })
  model(@Root() parent: ModelRef, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<ModelRecord | null> {
    const parts = selectedParts(info);
    // A page's parents, by the parts their selection asks for, share one read.
    const batch = requestBatch(
      ctx,
      `parents:${JSON.stringify(parts)}`,
      (refs: readonly ModelRef[]) => ctx.registry.getParents(ctx.caller, refs, parts),
      refKey,
    );
    return batch.get(parent).then((model) => model ?? null);
  }
}
