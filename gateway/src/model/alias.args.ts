import { ArgsType, Field, Int } from "type-graphql";

@ArgsType()
export class ModelAliasesArgs {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: "Defaults to the caller's project." })
  project?: string | null;
}

@ArgsType()
export class AliasArgs extends ModelAliasesArgs {
  @Field(() => String, {
    description: 'The alias: 1-63 of a-z 0-9 _ -, starting with a letter; not "latest" nor starting with "best" (reference keywords).',
  })
  alias!: string;
}

@ArgsType()
export class SetAliasArgs extends AliasArgs {
  @Field(() => Int, { description: "The version to point at; it must exist." })
  version!: number;

  @Field(() => Boolean, {
    nullable: true,
    description: "Protect it (true) or lift its protection (false): a change needs admin. Omitted: unchanged (false for a new alias).",
  })
  protected?: boolean | null;
}

@ArgsType()
export class ProtectAliasArgs extends AliasArgs {
  @Field(() => Boolean)
  protected!: boolean;
}
