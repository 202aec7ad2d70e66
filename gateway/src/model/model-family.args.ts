import { ArgsType, Field, Int } from "type-graphql";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../domain/limits.js";

@ArgsType()
export class ModelFamiliesArgs {
  @Field(() => String, { nullable: true, description: "Defaults to the caller's project." })
  project?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "A name prefix, any case; no character is a wildcard. Null or empty: every model.",
  })
  search?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: `Page size, 1 to ${MAX_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "An endCursor from a previous page." })
  after?: string | null;
}
