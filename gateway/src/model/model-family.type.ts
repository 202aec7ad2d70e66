import { Field, Int, ObjectType } from "type-graphql";
import { DateTimeResolver } from "graphql-scalars";
import { PageInfo } from "./model.type.js";

@ObjectType({ simpleResolvers: true, description: "A model: the versions registered under one name in a project." })
export class ModelFamily {
  @Field(() => String)
  project!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: "Versions the model holds now." })
  versionCount!: number;

  @Field(() => Int, { description: "Its highest version." })
  latestVersion!: number;

  @Field(() => DateTimeResolver, { description: "When the highest version was registered." })
  latestCreatedAt!: Date;

  @Field(() => DateTimeResolver, { description: "When the model's first version was registered." })
  createdAt!: Date;

  @Field(() => DateTimeResolver, {
    description: "When a version was last registered, overwritten, edited (updateModel) or deleted.",
  })
  updatedAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: "A page of a project's models." })
export class ModelFamilyConnection {
  @Field(() => [ModelFamily])
  nodes!: ModelFamily[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
