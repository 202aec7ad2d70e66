import { Field, InputType, Int } from "type-graphql";

@InputType({ description: "The data set a version was trained on." })
export class DatasetInput {
  @Field(() => String, { description: "At most 256 printable characters, e.g. imagenet or s3 prefix name." })
  name!: string;

  @Field(() => String, { nullable: true, description: "The data set's own version label (at most 256 printable characters)." })
  version?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Where it lives: a URI of at most 2048 characters with a scheme such as https, s3, gs, file, dbfs, hf, runs or models.",
  })
  uri?: string | null;

  @Field(() => String, { nullable: true, description: "Its content digest, `<algorithm>:<hex>`, e.g. sha256:<64 hex digits>." })
  digest?: string | null;
}

@InputType({ description: "The training run that produced a version (e.g. an MLflow run)." })
export class RunInput {
  @Field(() => String, { description: "The run's id (at most 256 printable characters)." })
  id!: string;

  @Field(() => String, { nullable: true, description: "A link to the run (a URI, e.g. https://mlflow.example/#/experiments/1/runs/…)." })
  uri?: string | null;
}

@InputType({ description: "The code that produced a version." })
export class ProgramInput {
  @Field(() => String, { nullable: true, description: "The git commit: 7 to 64 hex digits." })
  gitCommit?: string | null;

  @Field(() => String, { nullable: true, description: "What was run, e.g. `train.py:main` (at most 1024 printable characters)." })
  entryPoint?: string | null;

  @Field(() => String, { nullable: true, description: "Where the code lives: a URI or `git@host:path`." })
  repository?: string | null;
}

@InputType({ description: "A model version named by project, name and version." })
export class ModelRefInput {
  @Field(() => String, { nullable: true, description: "Omitted: the project of the version that names it." })
  project?: string | null;

  @Field(() => String)
  name!: string;

  @Field(() => Int)
  version!: number;
}

@InputType({ description: "Where a version comes from. Every part is optional." })
export class LineageInput {
  @Field(() => DatasetInput, { nullable: true })
  trainingDataset?: DatasetInput | null;

  @Field(() => RunInput, { nullable: true })
  run?: RunInput | null;

  @Field(() => ProgramInput, { nullable: true })
  program?: ProgramInput | null;

  @Field(() => String, {
    nullable: true,
    description: "The environment's lock file (pip, conda, npm…): the path of one of the version's files, e.g. requirements.txt.",
  })
  environment?: string | null;

  @Field(() => [ModelRefInput], {
    nullable: true,
    description:
      "The versions this one was fine-tuned or distilled from: at most 16, each once, not itself, each existing and readable " +
      "by the caller (NOT_FOUND otherwise, the same for both) and none of them derived from this version.",
  })
  parents?: ModelRefInput[] | null;
}
