import { DateTimeResolver } from "graphql-scalars";
import { ArgsType, Field, Int, ObjectType } from "type-graphql";

@ArgsType()
export class DownloadTicketArgs {
  @Field(() => String)
  name!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => String, {
    nullable: true,
    description: "The file's path in the version, as listed; omitted (or null): the version's whole archive (tar).",
  })
  path?: string | null;

  @Field(() => String, { nullable: true, description: "Defaults to the caller's project." })
  project?: string | null;
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
