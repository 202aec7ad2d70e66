import { Args, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../graphql/context.js";
import { filesDigest } from "../domain/records.js";
import { archiveUrl, downloadUrl } from "../http/urls.js";
import { DownloadTicket, DownloadTicketArgs } from "./download-ticket.type.js";

/** Download tickets: the registry finds the file or the version (read access checked), the access service mints. */
@Resolver()
export class DownloadTicketResolver {
  @Mutation(() => DownloadTicket, {
    description:
      "A 60-second URL that downloads one file, or with no path the version's archive, without the API key (a few requests), " +
      "for a browser to stream it to disk. Needs read on the project; refused (BAD_USER_INPUT) without keys, where the plain URL needs none.",
  })
  async downloadTicket(@Args(() => DownloadTicketArgs) args: DownloadTicketArgs, @Ctx() ctx: Context): Promise<DownloadTicket> {
    const ref = { project: args.project ?? ctx.caller.defaultProject, name: args.name, version: args.version };
    if (args.path === undefined || args.path === null) {
      // The archive: minted for the files the version has now, which the download checks again.
      const { files } = await ctx.registry.filesOf(ctx.caller, args);
      const digest = filesDigest(files.map((file) => file.record));
      const { token, expiresAt } = await ctx.access.mintDownloadTicket(ctx.caller, { ...ref, path: null }, digest);
      return { url: `${archiveUrl(ctx.baseUrl, ref)}?ticket=${token}`, expiresAt };
    }
    const stored = await ctx.registry.openFile(ctx.caller, args, args.path);
    // The path as stored (another Unicode spelling finds it too): the URL's, which the ticket must name.
    const { path, sha256 } = stored.record;
    const { token, expiresAt } = await ctx.access.mintDownloadTicket(ctx.caller, { ...ref, path }, sha256);
    return { url: `${downloadUrl(ctx.baseUrl, ref, path)}?ticket=${token}`, expiresAt };
  }
}
