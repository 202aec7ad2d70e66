import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeResolver, JSONObjectResolver, JSONResolver, SafeIntResolver } from "graphql-scalars";

/** The seed design doc's 17 MLflow flavors, plus OTHER. */
export enum Framework {
  PYTHON_FUNCTION = "PYTHON_FUNCTION",
  CRATE = "CRATE",
  H2O = "H2O",
  KERAS = "KERAS",
  MLEAP = "MLEAP",
  PYTORCH = "PYTORCH",
  SKLEARN = "SKLEARN",
  SPARK = "SPARK",
  TENSORFLOW = "TENSORFLOW",
  ONNX = "ONNX",
  GLUON = "GLUON",
  XGBOOST = "XGBOOST",
  LIGHTGBM = "LIGHTGBM",
  CATBOOST = "CATBOOST",
  SPACY = "SPACY",
  FASTAI = "FASTAI",
  STATSMODELS = "STATSMODELS",
  OTHER = "OTHER",
}
registerEnumType(Framework, { name: "Framework", description: "The framework (MLflow flavor) a model was saved with." });

export enum ModelStatus {
  READY = "READY",
  PENDING = "PENDING",
  FAILED = "FAILED",
}
registerEnumType(ModelStatus, {
  name: "ModelStatus",
  description:
    "Where a version's registration stands. Registration is synchronous: createModel answers only once the files and " +
    "metadata are committed, so every version a client can see is READY. PENDING and FAILED are reserved for " +
    "asynchronous registration and are never produced today.",
  valuesConfig: {
    READY: { description: "Registered: files and metadata committed. The only state the server produces today." },
    PENDING: { description: "Reserved for asynchronous registration; never produced today." },
    FAILED: { description: "Reserved for asynchronous registration; never produced today." },
  },
});

export enum SortDirection {
  ASC = "ASC",
  DESC = "DESC",
}
registerEnumType(SortDirection, { name: "SortDirection" });

@ObjectType({ simpleResolvers: true, description: "One named metric of a model version." })
export class Metric {
  @Field(() => String)
  key!: string;

  @Field(() => Float)
  value!: number;
}

@ObjectType({ simpleResolvers: true, description: "A column (name + type) or a tensor (type + shape, -1 for any size)." })
export class SchemaField {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String)
  type!: string;

  @Field(() => [Int], { nullable: true, description: "Tensor dimensions; -1 means any size." })
  shape?: number[] | null;
}

@ObjectType({ simpleResolvers: true, description: "What a model takes and returns (MLflow's ModelSignature)." })
export class ModelSignature {
  @Field(() => [SchemaField])
  inputs!: SchemaField[];

  @Field(() => [SchemaField])
  outputs!: SchemaField[];
}

@ObjectType({ simpleResolvers: true, description: "A file of a model version." })
export class ModelFile {
  @Field(() => String, { description: "Relative, /-separated path inside the model directory." })
  path!: string;

  @Field(() => SafeIntResolver)
  sizeBytes!: number;

  @Field(() => String, { description: "Lower-case hex sha256 of the content; also the download's ETag." })
  sha256!: string;

  @Field(() => String, { description: "Plain HTTP GET streams the bytes (Range supported)." })
  downloadUrl!: string;
}

@ObjectType({ simpleResolvers: true, description: "A registered version of a model." })
export class Model {
  @Field(() => ID, { description: "Opaque identifier of this version." })
  id!: string;

  @Field(() => String)
  project!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => Framework, { nullable: true })
  framework!: Framework | null;

  @Field(() => ModelSignature, { nullable: true })
  signature!: ModelSignature | null;

  @Field(() => JSONResolver, { nullable: true, description: "An example of valid input, as JSON." })
  inputExample!: unknown;

  @Field(() => JSONObjectResolver)
  tags!: Record<string, unknown>;

  @Field(() => SafeIntResolver, { description: "Sum of the files' sizes." })
  sizeBytes!: number;

  @Field(() => ModelStatus, { description: "Always READY today: registration is synchronous (see ModelStatus)." })
  status!: ModelStatus;

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => String, { nullable: true })
  createdBy!: string | null;

  @Field(() => Int, {
    description: "1 when registered; one more with each updateModel and each overwrite. Pass it as expectedRevision to edit safely.",
  })
  revision!: number;

  @Field(() => DateTimeResolver, { description: "When the version last changed; createdAt until it is edited." })
  updatedAt!: Date;

  @Field(() => String, { nullable: true, description: "The key that changed it last; createdBy until it is edited." })
  updatedBy!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "Pass as `after` to get the next page." })
  endCursor!: string | null;
}

@ObjectType({ simpleResolvers: true, description: "A page of versions of one model." })
export class ModelConnection {
  @Field(() => [Model])
  nodes!: Model[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  /** Counts lazily; see ModelConnectionResolver. */
  countVersions!: () => Promise<number>;
}
