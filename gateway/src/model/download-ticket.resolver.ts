import { Args, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../graphql/context.js";
import { downloadUrl } from "../http/urls.js";
import { DownloadTicket, DownloadTicketArgs } from "./download-ticket.type.js";

/** Download tickets: the registry finds the file (read access checked), the access service mints. */
@Resolver()
export class DownloadTicketResolver {
  @Mutation(() => DownloadTicket, {
    description:
      "A 60-second URL that downloads one file without the API key (a few requests), for a browser to stream it " +
      "to disk. Needs read on the project; refused (BAD_USER_INPUT) without keys, where the plain URL needs none.",
  })
  async downloadTicket(@Args(() => DownloadTicketArgs) args: DownloadTicketArgs, @Ctx() ctx: Context): Promise<DownloadTicket> {
    const stored = await ctx.registry.openFile(ctx.caller, args, args.path);
    const ref = { project: args.project ?? ctx.caller.defaultProject, name: args.name, version: args.version };
    // The path as stored (another Unicode spelling finds it too): the URL's, which the ticket must name.
    const { path, sha256 } = stored.record;
    const { token, expiresAt } = await ctx.access.mintDownloadTicket(ctx.caller, { ...ref, path }, sha256);
    return { url: `${downloadUrl(ctx.baseUrl, ref, path)}?ticket=${token}`, expiresAt };
  }
}
