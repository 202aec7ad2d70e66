import { ArgsType, Field, Int, ObjectType } from "type-graphql";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../domain/limits.js";
import { ModelArgs } from "./model.args.js";
import { Model, PageInfo } from "./model.type.js";

@ObjectType("LineageDataset", { simpleResolvers: true, description: "The data set a version was trained on." })
export class LineageDataset {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  version!: string | null;

  @Field(() => String, { nullable: true })
  uri!: string | null;

  @Field(() => String, { nullable: true, description: "`<algorithm>:<lower-case hex>`." })
  digest!: string | null;
}

@ObjectType("LineageRun", { simpleResolvers: true, description: "The training run that produced a version." })
export class LineageRun {
  @Field(() => String)
  id!: string;

  @Field(() => String, { nullable: true })
  uri!: string | null;
}

@ObjectType("LineageProgram", { simpleResolvers: true, description: "The code that produced a version." })
export class LineageProgram {
  @Field(() => String, { nullable: true, description: "Lower-case hex." })
  gitCommit!: string | null;

  @Field(() => String, { nullable: true })
  entryPoint!: string | null;

  @Field(() => String, { nullable: true })
  repository!: string | null;
}

@ObjectType({ simpleResolvers: true, description: "A version another was derived from, as its lineage names it." })
export class ModelParent {
  @Field(() => String)
  project!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int)
  version!: number;
}

@ObjectType({ simpleResolvers: true, description: "Where a version comes from." })
export class Lineage {
  @Field(() => LineageDataset, { nullable: true })
  trainingDataset!: LineageDataset | null;

  @Field(() => LineageRun, { nullable: true })
  run!: LineageRun | null;

  @Field(() => LineageProgram, { nullable: true })
  program!: LineageProgram | null;

  @Field(() => String, { nullable: true, description: "The path of the version's file that locks its environment." })
  environment!: string | null;

  @Field(() => [ModelParent], { description: "In the order given at registration." })
  parents!: ModelParent[];
}

@ObjectType({ simpleResolvers: true, description: "A page of the versions derived from one version." })
export class DerivedModelConnection {
  @Field(() => [Model])
  nodes!: Model[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

/** `Query.derivedModels`' arguments: a version by reference (it may be deleted), and a page. */
@ArgsType()
export class DerivedModelsArgs extends ModelArgs {
  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: `Page size, at most ${MAX_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "An endCursor from a previous page." })
  after?: string | null;
}
