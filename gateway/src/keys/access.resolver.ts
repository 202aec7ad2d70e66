import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../graphql/context.js";
import { ApiKey, CreateApiKeyInput, CreatedApiKey, Project, RoleEnum } from "./access.type.js";

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

  @Mutation(() => CreatedApiKey, {
    description: "Needs admin on every project granted; the first key (made without a key) must hold * ADMIN. The secret is returned once.",
  })
  async createApiKey(@Arg("input", () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: Context) {
    const { key, token } = await ctx.access.createApiKey(ctx.caller, input);
    return { apiKey: key, secret: token };
  }

  @Mutation(() => ApiKey, { description: "Refused at once on every replica: keys are checked on each request." })
  revokeApiKey(@Arg("id", () => String) id: string, @Ctx() ctx: Context) {
    return ctx.access.revokeApiKey(ctx.caller, id);
  }
}

/** What the caller may do on each project it lists: a client offers only the actions that would be allowed. */
@Resolver(() => Project)
export class ProjectRoleResolver {
  @FieldResolver(() => RoleEnum, {
    description:
      "The caller's role on the project (a * grant counts; open mode is ADMIN everywhere). Lets a client offer " +
      "only what the key may do; the server checks every request regardless.",
  })
  role(@Root() project: Project, @Ctx() ctx: Context): RoleEnum {
    const role = ctx.caller.roleOn(project.name);
    // `projects` lists only projects the caller has a role on.
    if (role === null) throw new Error(`project ${project.name} was listed for a caller without a role on it`);
    return role as RoleEnum;
  }
}
