import { ArgsType, Field, Int, registerEnumType } from "type-graphql";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../domain/limits.js";

export enum NameMatch {
  PREFIX = "PREFIX",
  SUBSTRING = "SUBSTRING",
}
registerEnumType(NameMatch, {
  name: "NameMatch",
  description: "How `search` matches a name, case-insensitively; no character is a wildcard.",
  valuesConfig: {
    PREFIX: { description: "Names that start with it (an index range)." },
    SUBSTRING: { description: "Names that contain it anywhere (reads the project's models in order until the page is full)." },
  },
});

export enum ModelFamilyOrder {
  NAME = "NAME",
  UPDATED = "UPDATED",
}
registerEnumType(ModelFamilyOrder, {
  name: "ModelFamilyOrder",
  valuesConfig: {
    NAME: { description: "By name, case-insensitively (then byte order)." },
    UPDATED: { description: "Most recently changed first (`updatedAt` descending, then name)." },
  },
});

@ArgsType()
export class ModelFamiliesArgs {
  @Field(() => String, { nullable: true, description: "Defaults to the caller's project." })
  project?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Part of a name, any case, matched as `match` says; no character is a wildcard. Null or empty: every model.",
  })
  search?: string | null;

  @Field(() => NameMatch, { nullable: true, defaultValue: NameMatch.PREFIX })
  match?: NameMatch | null;

  @Field(() => ModelFamilyOrder, { nullable: true, defaultValue: ModelFamilyOrder.NAME })
  orderBy?: ModelFamilyOrder | null;

  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: `Page size, 1 to ${MAX_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "An endCursor from a previous page." })
  after?: string | null;
}
