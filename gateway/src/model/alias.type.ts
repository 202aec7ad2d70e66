import { Field, Int, ObjectType } from "type-graphql";
import { DateTimeResolver } from "graphql-scalars";

@ObjectType({
  simpleResolvers: true,
  description:
    "A named pointer to a version of a model (champion, production, staging…). It points at the version number: " +
    "overwriting that version keeps it; deleting it is refused while an alias points at it (unless force).",
})
export class ModelAlias {
  @Field(() => String)
  project!: string;

  @Field(() => String, { description: "The model (family) name." })
  name!: string;

  @Field(() => String)
  alias!: string;

  @Field(() => Int, { description: "The version it points at." })
  version!: number;

  @Field(() => Boolean, { description: "Moving or removing a protected alias needs admin on the project." })
  protected!: boolean;

  @Field(() => DateTimeResolver, { description: "When it was last set, moved or (un)protected." })
  updatedAt!: Date;

  @Field(() => String, { nullable: true, description: "The key that did it (null in open mode)." })
  updatedBy!: string | null;
}
