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

/** `model`'s arguments: a version by number or by alias, exactly one. */
@ArgsType()
export class ModelLookupArgs {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { nullable: true, description: "The version number; give this or alias." })
  version?: number | null;

  @Field(() => String, { nullable: true, description: "An alias pointing at the version (e.g. champion); give this or version." })
  alias?: string | null;

  @Field(() => String, { nullable: true, description: "Defaults to the caller's project." })
  project?: string | null;
}

@ArgsType()
export class DeleteModelArgs extends ModelArgs {
  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: "Also remove the aliases pointing at the version (a protected one needs admin); without it such a delete is CONFLICT.",
  })
  force?: boolean | null;
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
