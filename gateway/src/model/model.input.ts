import { Field, Float, InputType, Int } from "type-graphql";
import { JSONObjectResolver, JSONResolver } from "graphql-scalars";
import { GraphQLUpload, type FileUpload } from "graphql-upload-minimal";
import { LineageInput } from "./lineage.input.js";
import { Framework } from "./model.type.js";

@InputType()
export class MetricInput {
  @Field(() => String)
  key!: string;

  @Field(() => Float)
  value!: number;
}

@InputType()
export class SchemaFieldInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String)
  type!: string;

  @Field(() => [Int], { nullable: true })
  shape?: number[] | null;
}

@InputType()
export class ModelSignatureInput {
  @Field(() => [SchemaFieldInput])
  inputs!: SchemaFieldInput[];

  @Field(() => [SchemaFieldInput])
  outputs!: SchemaFieldInput[];
}

@InputType({ description: "A file of the model directory, sent per the GraphQL multipart request spec." })
export class ModelFileInput {
  @Field(() => String, { description: "Relative, /-separated path inside the model directory." })
  path!: string;

  @Field(() => GraphQLUpload)
  file!: Promise<FileUpload>;
}

@InputType()
export class CreateModelInput {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { nullable: true, description: "Omitted: the next free version, assigned atomically." })
  version?: number | null;

  @Field(() => String, { nullable: true })
  project?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [MetricInput], { nullable: true })
  metrics?: MetricInput[] | null;

  @Field(() => Framework, { nullable: true })
  framework?: Framework | null;

  @Field(() => ModelSignatureInput, { nullable: true })
  signature?: ModelSignatureInput | null;

  @Field(() => JSONResolver, { nullable: true })
  inputExample?: unknown;

  @Field(() => JSONObjectResolver, { nullable: true })
  tags?: Record<string, unknown> | null;

  @Field(() => JSONObjectResolver, {
    nullable: true,
    description:
      "Each MLmodel flavor's own details, by flavor name: a JSON object of objects, e.g. " +
      '{"sklearn": {"sklearn_version": "1.3.0", "serialization_format": "cloudpickle"}, "python_function": {"loader_module": "mlflow.sklearn"}}. ' +
      "Flavor names are at most 128 printable characters; the whole is limited in size (HOMER_MAX_FLAVORS, 64 KiB by default).",
  })
  flavors?: Record<string, unknown> | null;

  @Field(() => [String], {
    nullable: true,
    description:
      "The tags identifying the model's MetaGraph inside a TensorFlow SavedModel (MLflow's tf_meta_graph_tags), e.g. [\"serve\"].",
  })
  tfMetaGraphTags?: string[] | null;

  @Field(() => LineageInput, { nullable: true, description: "Where the version comes from (its parents must exist and be readable)." })
  lineage?: LineageInput | null;

  @Field(() => [ModelFileInput], { nullable: true })
  files?: ModelFileInput[] | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: "Replace an existing version atomically." })
  overwrite?: boolean | null;
}

@InputType({ description: "A metadata edit of a version; files never change. Give at least one change." })
export class UpdateModelInput {
  @Field(() => String, { nullable: true, description: "Sets the description; null clears it; omitted keeps it." })
  description?: string | null;

  @Field(() => JSONObjectResolver, {
    nullable: true,
    description: "Replaces every tag ({} removes them all; null is as omitted). Not with mergeTags.",
  })
  tags?: Record<string, unknown> | null;

  @Field(() => JSONObjectResolver, {
    nullable: true,
    description: "Merged into the tags: each key is set to its value, and a key set to null is removed. Not with tags.",
  })
  mergeTags?: Record<string, unknown> | null;

  @Field(() => [MetricInput], { nullable: true, description: "Metric values to add or replace." })
  addMetrics?: MetricInput[] | null;

  @Field(() => [String], { nullable: true, description: "Metric keys to remove; keys the version lacks are ignored." })
  removeMetrics?: string[] | null;

  @Field(() => LineageInput, {
    nullable: true,
    description:
      "Replaces the lineage whole ({} removes it); null or omitted keeps it. The environment must be one of the version's files.",
  })
  lineage?: LineageInput | null;

  @Field(() => Int, {
    nullable: true,
    description: "The revision the edit was made against: when the version is at another one, nothing changes and the error is CONFLICT.",
  })
  expectedRevision?: number | null;
}
