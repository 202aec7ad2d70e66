import { DateTimeResolver } from "graphql-scalars";
import { ArgsType, Field, ObjectType } from "type-graphql";
import { ModelArgs } from "./model.args.js";

/** `downloadTicket`'s arguments: a version, and the file in it (none: its archive). */
@ArgsType()
export class DownloadTicketArgs extends ModelArgs {
  @Field(() => String, {
    nullable: true,
    description: "The file's path in the version, as listed; omitted (or null): the version's whole archive (tar).",
  })
  path?: string | null;
}

@ObjectType({
  description: "A URL that downloads one file, or a version's archive, without the API key, briefly: for a browser to stream it to disk.",
  simpleResolvers: true,
})
export class DownloadTicket {
  @Field(() => String, {
    description:
      "The file's (or the archive's) download URL with its ticket: valid for that download only, a few requests (a file's Range resumes), until expiresAt.",
  })
  url!: string;

  @Field(() => DateTimeResolver)
  expiresAt!: Date;
}
