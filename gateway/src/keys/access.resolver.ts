import { Arg, Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../graphql/context.js";
import { ApiKey, CreateApiKeyInput, CreatedApiKey, Project } from "./access.type.js";

/** Projects and keys; the access service checks the caller's role on each. */
@Resolver()
export class AccessResolver {
  @Query(() => [Project], { description: "Projects the caller has a role on." })
  projects(@Ctx() ctx: Context) {
    return ctx.access.listProjects(ctx.caller);
  }

  @Query(() => [ApiKey], { description: "Keys the caller administers (never their secrets)." })
  apiKeys(@Ctx() ctx: Context) {
    return ctx.access.listApiKeys(ctx.caller);
  }

  @Mutation(() => Project, { description: "Needs an admin key for every project (*)." })
  createProject(@Arg("name", () => String) name: string, @Ctx() ctx: Context) {
    return ctx.access.createProject(ctx.caller, name);
  }

  @Mutation(() => CreatedApiKey, { description: "Needs admin on every project granted. The secret is returned once." })
  async createApiKey(@Arg("input", () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: Context) {
    const { key, token } = await ctx.access.createApiKey(ctx.caller, input);
    return { apiKey: key, secret: token };
  }

  @Mutation(() => ApiKey, { description: "Refused at once on every replica: keys are checked on each request." })
  revokeApiKey(@Arg("id", () => String) id: string, @Ctx() ctx: Context) {
    return ctx.access.revokeApiKey(ctx.caller, id);
  }
}
