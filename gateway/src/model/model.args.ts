import { ArgsType, Field, Int } from "type-graphql";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../domain/limits.js";
import { ModelFilter } from "./model-filter.input.js";
import { SortDirection } from "./model.type.js";

@ArgsType()
export class ModelArgs {
  @Field(() => String)
  name!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => String, { nullable: true, description: "Defaults to the caller's project." })
  project?: string | null;
}

@ArgsType()
export class ModelsArgs {
  @Field(() => String)
  name!: string;

  @Field(() => String, {
    nullable: true,
    description: "A metric key; versions without it come last. Null sorts by version.",
  })
  sortKey?: string | null;

  @Field(() => SortDirection, { nullable: true, defaultValue: SortDirection.DESC })
  direction?: SortDirection | null;

  @Field(() => String, { nullable: true })
  project?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: `Page size, at most ${MAX_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "An endCursor from a previous page (of the same filter and sort)." })
  after?: string | null;

  @Field(() => ModelFilter, { nullable: true, description: "Only versions that match." })
  filter?: ModelFilter | null;
}

@ArgsType()
export class BestModelArgs {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  metric!: string;

  @Field(() => SortDirection, { nullable: true, defaultValue: SortDirection.DESC })
  direction?: SortDirection | null;

  @Field(() => String, { nullable: true })
  project?: string | null;

  @Field(() => ModelFilter, { nullable: true, description: "The best among the versions that match." })
  filter?: ModelFilter | null;
}
