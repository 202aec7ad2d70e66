import { Args, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { AliasRecord } from "../domain/records.js";
import type { Context } from "../graphql/context.js";
import { AliasArgs, ModelAliasesArgs, ProtectAliasArgs, SetAliasArgs } from "./alias.args.js";
import { ModelAlias } from "./alias.type.js";

@Resolver(() => ModelAlias)
export class AliasResolver {
  @Query(() => [ModelAlias], { description: "A model's aliases, by name. Needs read on the project." })
  modelAliases(@Args(() => ModelAliasesArgs) args: ModelAliasesArgs, @Ctx() ctx: Context): Promise<AliasRecord[]> {
    return ctx.registry.listAliases(ctx.caller, args);
  }

  @Mutation(() => ModelAlias, {
    description:
      "Points an alias at a version, creating or moving it atomically (concurrent moves serialise); records ALIAS_SET " +
      "when it now points elsewhere. Needs write; moving a protected alias, or giving `protected`, needs admin. " +
      "NOT_FOUND when the version does not exist.",
  })
  setAlias(@Args(() => SetAliasArgs) args: SetAliasArgs, @Ctx() ctx: Context): Promise<AliasRecord> {
    return ctx.registry.setAlias(ctx.caller, args);
  }

  @Mutation(() => Boolean, {
    description: "Removes an alias (records ALIAS_REMOVED). Needs write; a protected alias needs admin. NOT_FOUND when absent.",
  })
  async removeAlias(@Args(() => AliasArgs) args: AliasArgs, @Ctx() ctx: Context): Promise<boolean> {
    await ctx.registry.removeAlias(ctx.caller, args);
    return true;
  }

  @Mutation(() => ModelAlias, {
    description: "Protects an alias (or lifts its protection): moving or removing a protected alias needs admin. Needs admin.",
  })
  protectAlias(@Args(() => ProtectAliasArgs) args: ProtectAliasArgs, @Ctx() ctx: Context): Promise<AliasRecord> {
    return ctx.registry.protectAlias(ctx.caller, args);
  }
}
