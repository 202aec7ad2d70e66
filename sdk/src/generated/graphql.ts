/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar. */
  DateTime: { input: string; output: string; }
  /** The `JSON` scalar type represents JSON values as specified by [ECMA-404](http://www.ecma-international.org/publications/files/ECMA-ST/ECMA-404.pdf). */
  JSON: { input: unknown; output: unknown; }
  /** The `JSONObject` scalar type represents JSON objects as specified by [ECMA-404](http://www.ecma-international.org/publications/files/ECMA-ST/ECMA-404.pdf). */
  JSONObject: { input: Record<string, unknown>; output: Record<string, unknown>; }
  /** The `SafeInt` scalar type represents non-fractional signed whole numeric values that are considered safe as defined by the ECMAScript specification. */
  SafeInt: { input: number; output: number; }
  /** The `Upload` scalar type represents a file upload. */
  Upload: { input: unknown; output: unknown; }
};

/** An API key, without its secret. */
export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  /** Id of the key that created this one. */
  createdBy?: Maybe<Scalars['String']['output']>;
  grants: Array<Grant>;
  id: Scalars['String']['output'];
  name: Scalars['String']['output'];
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
};

export type CreateApiKeyInput = {
  grants: Array<GrantInput>;
  /** What the key is for, e.g. ci-training. */
  name: Scalars['String']['input'];
};

export type CreateModelInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  files?: InputMaybe<Array<ModelFileInput>>;
  /** Each MLmodel flavor's own details, by flavor name: a JSON object of objects, e.g. {"sklearn": {"sklearn_version": "1.3.0", "serialization_format": "cloudpickle"}, "python_function": {"loader_module": "mlflow.sklearn"}}. Flavor names are at most 128 printable characters; the whole is limited in size (HOMER_MAX_FLAVORS, 64 KiB by default). */
  flavors?: InputMaybe<Scalars['JSONObject']['input']>;
  framework?: InputMaybe<Framework>;
  inputExample?: InputMaybe<Scalars['JSON']['input']>;
  /** Where the version comes from (its parents must exist and be readable). */
  lineage?: InputMaybe<LineageInput>;
  metrics?: InputMaybe<Array<MetricInput>>;
  name: Scalars['String']['input'];
  /** Replace an existing version atomically. */
  overwrite?: InputMaybe<Scalars['Boolean']['input']>;
  project?: InputMaybe<Scalars['String']['input']>;
  signature?: InputMaybe<ModelSignatureInput>;
  tags?: InputMaybe<Scalars['JSONObject']['input']>;
  /** The tags identifying the model's MetaGraph inside a TensorFlow SavedModel (MLflow's tf_meta_graph_tags), e.g. ["serve"]. */
  tfMetaGraphTags?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Omitted: the next free version, assigned atomically. */
  version?: InputMaybe<Scalars['Int']['input']>;
};

export type CreatedApiKey = {
  __typename?: 'CreatedApiKey';
  apiKey: ApiKey;
  /** The key to send as Authorization: Bearer …; shown only this once. */
  secret: Scalars['String']['output'];
};

/** The data set a version was trained on. */
export type DatasetInput = {
  /** Its content digest, `<algorithm>:<hex>`, e.g. sha256:<64 hex digits>. */
  digest?: InputMaybe<Scalars['String']['input']>;
  /** At most 256 printable characters, e.g. imagenet or s3 prefix name. */
  name: Scalars['String']['input'];
  /** Where it lives: a URI of at most 2048 characters with a scheme such as https, s3, gs, file, dbfs, hf, runs or models. */
  uri?: InputMaybe<Scalars['String']['input']>;
  /** The data set's own version label (at most 256 printable characters). */
  version?: InputMaybe<Scalars['String']['input']>;
};

/** A page of the versions derived from one version. */
export type DerivedModelConnection = {
  __typename?: 'DerivedModelConnection';
  nodes: Array<Model>;
  pageInfo: PageInfo;
};

/** A URL that downloads one file, or a version's archive, without the API key, briefly: for a browser to stream it to disk. */
export type DownloadTicket = {
  __typename?: 'DownloadTicket';
  expiresAt: Scalars['DateTime']['output'];
  /** The file's (or the archive's) download URL with its ticket: valid for that download only, a few requests (a file's Range resumes), until expiresAt. */
  url: Scalars['String']['output'];
};

/** The framework (MLflow flavor) a model was saved with. */
export type Framework =
  | 'CATBOOST'
  | 'CRATE'
  | 'FASTAI'
  | 'GLUON'
  | 'H2O'
  | 'KERAS'
  | 'LIGHTGBM'
  | 'MLEAP'
  | 'ONNX'
  | 'OTHER'
  | 'PYTHON_FUNCTION'
  | 'PYTORCH'
  | 'SKLEARN'
  | 'SPACY'
  | 'SPARK'
  | 'STATSMODELS'
  | 'TENSORFLOW'
  | 'XGBOOST';

/** A role on a project; project * means every project. */
export type Grant = {
  __typename?: 'Grant';
  project: Scalars['String']['output'];
  role: Role;
};

export type GrantInput = {
  /** A project name, or * for every project (global admins only). */
  project: Scalars['String']['input'];
  role: Role;
};

/** Where a version comes from. */
export type Lineage = {
  __typename?: 'Lineage';
  /** The path of the version's file that locks its environment. */
  environment?: Maybe<Scalars['String']['output']>;
  /** In the order given at registration. */
  parents: Array<ModelParent>;
  program?: Maybe<LineageProgram>;
  run?: Maybe<LineageRun>;
  trainingDataset?: Maybe<LineageDataset>;
};

/** The data set a version was trained on. */
export type LineageDataset = {
  __typename?: 'LineageDataset';
  /** `<algorithm>:<lower-case hex>`. */
  digest?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  uri?: Maybe<Scalars['String']['output']>;
  version?: Maybe<Scalars['String']['output']>;
};

/** Where a version comes from. Every part is optional. */
export type LineageInput = {
  /** The environment's lock file (pip, conda, npm…): the path of one of the version's files, e.g. requirements.txt. */
  environment?: InputMaybe<Scalars['String']['input']>;
  /** The versions this one was fine-tuned or distilled from: at most 16, each once, not itself, each existing and readable by the caller (NOT_FOUND otherwise, the same for both) and none of them derived from this version. */
  parents?: InputMaybe<Array<ModelRefInput>>;
  program?: InputMaybe<ProgramInput>;
  run?: InputMaybe<RunInput>;
  trainingDataset?: InputMaybe<DatasetInput>;
};

/** The code that produced a version. */
export type LineageProgram = {
  __typename?: 'LineageProgram';
  entryPoint?: Maybe<Scalars['String']['output']>;
  /** Lower-case hex. */
  gitCommit?: Maybe<Scalars['String']['output']>;
  repository?: Maybe<Scalars['String']['output']>;
};

/** The training run that produced a version. */
export type LineageRun = {
  __typename?: 'LineageRun';
  id: Scalars['String']['output'];
  uri?: Maybe<Scalars['String']['output']>;
};

/** One named metric of a model version. */
export type Metric = {
  __typename?: 'Metric';
  key: Scalars['String']['output'];
  value: Scalars['Float']['output'];
};

/** A condition on one metric: one bound (gt, gte, lt or lte), a range (a lower and an upper bound) or eq. Versions without the metric do not match. */
export type MetricCondition = {
  eq?: InputMaybe<Scalars['Float']['input']>;
  gt?: InputMaybe<Scalars['Float']['input']>;
  gte?: InputMaybe<Scalars['Float']['input']>;
  /** A metric key (the name rule). */
  key: Scalars['String']['input'];
  lt?: InputMaybe<Scalars['Float']['input']>;
  lte?: InputMaybe<Scalars['Float']['input']>;
};

export type MetricInput = {
  key: Scalars['String']['input'];
  value: Scalars['Float']['input'];
};

/** A registered version of a model. */
export type Model = {
  __typename?: 'Model';
  /** The aliases pointing at this version, by name. */
  aliases: Array<Scalars['String']['output']>;
  /** Plain HTTP GET streams every file of the version as one tar archive. */
  archiveUrl: Scalars['String']['output'];
  /** The model card: the text of the version's top-level file at exactly `README.md` (case-sensitive), read from the blob store when selected. Null when there is none, when it is larger than 256 KiB (download it from `files` instead) or when it is not UTF-8. UNTRUSTED markdown written by whoever registered the version: the gateway does not sanitise it; clients must before rendering (no raw HTML, no script URLs). Costly in the query cost model (a blob read per version): a page of about 100 versions selecting it passes the default limit, 500 do not. */
  card?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  createdBy?: Maybe<Scalars['String']['output']>;
  /** The versions whose lineage names this one as a parent, oldest registration first; only those in projects the caller may read. The first pages of a page's versions are read together; the query cost charges each as a page. */
  derivedModels: DerivedModelConnection;
  description?: Maybe<Scalars['String']['output']>;
  /** Ordered by path. */
  files: Array<ModelFile>;
  /** Each MLmodel flavor's own details, by flavor name (e.g. sklearn_version, serialization_format, loader_module, python_version): how to load the model. `framework` is the headline; null when none were given. */
  flavors?: Maybe<Scalars['JSONObject']['output']>;
  framework?: Maybe<Framework>;
  /** Opaque identifier of this version. */
  id: Scalars['ID']['output'];
  /** An example of valid input, as JSON. */
  inputExample?: Maybe<Scalars['JSON']['output']>;
  /** Where the version comes from: data set, run, program, environment file and parents; null when none was given. */
  lineage?: Maybe<Lineage>;
  /** One metric's value; null when absent. */
  metric?: Maybe<Scalars['Float']['output']>;
  /** Ordered by key. */
  metrics: Array<Metric>;
  name: Scalars['String']['output'];
  project: Scalars['String']['output'];
  /** 1 when registered; one more with each updateModel and each overwrite. Pass it as expectedRevision to edit safely. */
  revision: Scalars['Int']['output'];
  signature?: Maybe<ModelSignature>;
  /** Sum of the files' sizes. */
  sizeBytes: Scalars['SafeInt']['output'];
  /** Always READY today: registration is synchronous (see ModelStatus). */
  status: ModelStatus;
  tags: Scalars['JSONObject']['output'];
  /** The tags identifying the model's MetaGraph inside a TensorFlow SavedModel; null when absent. */
  tfMetaGraphTags?: Maybe<Array<Scalars['String']['output']>>;
  /** When the version last changed; createdAt until it is edited. */
  updatedAt: Scalars['DateTime']['output'];
  /** The key that changed it last; createdBy until it is edited. */
  updatedBy?: Maybe<Scalars['String']['output']>;
  version: Scalars['Int']['output'];
};


/** A registered version of a model. */
export type ModelDerivedModelsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** A registered version of a model. */
export type ModelMetricArgs = {
  key: Scalars['String']['input'];
};

/** A named pointer to a version of a model (champion, production, staging…). It points at the version number: overwriting that version keeps it; deleting it is refused while an alias points at it (unless force). */
export type ModelAlias = {
  __typename?: 'ModelAlias';
  alias: Scalars['String']['output'];
  /** The model (family) name. */
  name: Scalars['String']['output'];
  project: Scalars['String']['output'];
  /** Moving or removing a protected alias needs admin on the project. */
  protected: Scalars['Boolean']['output'];
  /** When it was last set, moved or (un)protected. */
  updatedAt: Scalars['DateTime']['output'];
  /** The key that did it (null in open mode). */
  updatedBy?: Maybe<Scalars['String']['output']>;
  /** The version it points at. */
  version: Scalars['Int']['output'];
};

/** A page of versions of one model. */
export type ModelConnection = {
  __typename?: 'ModelConnection';
  nodes: Array<Model>;
  pageInfo: PageInfo;
  /** Versions of the model in all, whatever the filter. */
  totalCount: Scalars['Int']['output'];
};

/** A committed change to a version. Delivered only after the change committed: when it arrives, `model` (and the model query) already returns the version, or null after DELETED. */
export type ModelEvent = {
  __typename?: 'ModelEvent';
  /** The alias an ALIAS_SET or ALIAS_REMOVED is about; null otherwise. */
  alias?: Maybe<Scalars['String']['output']>;
  /** When the change was recorded (in its transaction). */
  at: Scalars['DateTime']['output'];
  /** The version as it is now; null after DELETED or once it is gone. */
  model?: Maybe<Model>;
  name: Scalars['String']['output'];
  project: Scalars['String']['output'];
  type: ModelEventType;
  version: Scalars['Int']['output'];
};

/** What happened to a version. */
export type ModelEventType =
  /** An alias (`alias`) that pointed at `version` was removed (removeAlias, or a forced deleteModel). */
  | 'ALIAS_REMOVED'
  /** An alias (`alias`) was created or moved: it now points at `version`. */
  | 'ALIAS_SET'
  /** A new version was registered. */
  | 'CREATED'
  /** The version was deleted. */
  | 'DELETED'
  /** An existing version was replaced (createModel with overwrite). */
  | 'OVERWRITTEN'
  /** The version's metadata was edited (updateModel); its files are unchanged. */
  | 'UPDATED';

/** A model: the versions registered under one name in a project. */
export type ModelFamily = {
  __typename?: 'ModelFamily';
  /** The model's aliases, by name. Read for the whole page in one statement. */
  aliases: Array<ModelAlias>;
  /** The model's first version of that metric sort, as bestModel; null when none has it. Read for the whole page in one statement (per distinct metric and direction). */
  best?: Maybe<Model>;
  /** When the model's first version was registered. */
  createdAt: Scalars['DateTime']['output'];
  /** When the highest version was registered. */
  latestCreatedAt: Scalars['DateTime']['output'];
  /** Its highest version. */
  latestVersion: Scalars['Int']['output'];
  name: Scalars['String']['output'];
  project: Scalars['String']['output'];
  /** When a version was last registered, overwritten, edited (updateModel) or deleted. */
  updatedAt: Scalars['DateTime']['output'];
  /** Versions the model holds now. */
  versionCount: Scalars['Int']['output'];
};


/** A model: the versions registered under one name in a project. */
export type ModelFamilyBestArgs = {
  direction?: InputMaybe<SortDirection>;
  metric: Scalars['String']['input'];
};

/** A page of a project's models. */
export type ModelFamilyConnection = {
  __typename?: 'ModelFamilyConnection';
  nodes: Array<ModelFamily>;
  pageInfo: PageInfo;
};

export type ModelFamilyOrder =
  /** By name, case-insensitively (then byte order). */
  | 'NAME'
  /** Most recently changed first (`updatedAt` descending, then name). */
  | 'UPDATED';

/** A file of a model version. */
export type ModelFile = {
  __typename?: 'ModelFile';
  /** Plain HTTP GET streams the bytes (Range supported). */
  downloadUrl: Scalars['String']['output'];
  /** Relative, /-separated path inside the model directory. */
  path: Scalars['String']['output'];
  /** Lower-case hex sha256 of the content; also the download's ETag. */
  sha256: Scalars['String']['output'];
  sizeBytes: Scalars['SafeInt']['output'];
};

/** A file of the model directory, sent per the GraphQL multipart request spec. */
export type ModelFileInput = {
  file: Scalars['Upload']['input'];
  /** Relative, /-separated path inside the model directory. */
  path: Scalars['String']['input'];
};

/** Versions that match every condition given; an empty filter keeps every version. */
export type ModelFilter = {
  /** Created strictly after this instant. */
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Created strictly before this instant; before createdAfter: no version. */
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  framework?: InputMaybe<Framework>;
  /** At most 16, one per key. */
  metrics?: InputMaybe<Array<MetricCondition>>;
  /** Tags the version has with exactly these values (strings, numbers or booleans); at most 16. */
  tags?: InputMaybe<Scalars['JSONObject']['input']>;
};

/** A version another was derived from, as its lineage names it. */
export type ModelParent = {
  __typename?: 'ModelParent';
  /** The parent version as it is now: null when it was deleted or when the caller may not read its project (the reference stays either way). The parents of a whole page are read in one statement. */
  model?: Maybe<Model>;
  name: Scalars['String']['output'];
  project: Scalars['String']['output'];
  version: Scalars['Int']['output'];
};

/** A model version named by project, name and version. */
export type ModelRefInput = {
  name: Scalars['String']['input'];
  /** Omitted: the project of the version that names it. */
  project?: InputMaybe<Scalars['String']['input']>;
  version: Scalars['Int']['input'];
};

/** What a model takes and returns (MLflow's ModelSignature). */
export type ModelSignature = {
  __typename?: 'ModelSignature';
  inputs: Array<SchemaField>;
  outputs: Array<SchemaField>;
};

export type ModelSignatureInput = {
  inputs: Array<SchemaFieldInput>;
  outputs: Array<SchemaFieldInput>;
};

/** Where a version's registration stands. Registration is synchronous: createModel answers only once the files and metadata are committed, so every version a client can see is READY. PENDING and FAILED are reserved for asynchronous registration and are never produced today. */
export type ModelStatus =
  /** Reserved for asynchronous registration; never produced today. */
  | 'FAILED'
  /** Reserved for asynchronous registration; never produced today. */
  | 'PENDING'
  /** Registered: files and metadata committed. The only state the server produces today. */
  | 'READY';

export type Mutation = {
  __typename?: 'Mutation';
  /** Needs admin on every project granted; the first key (made without a key) must hold * ADMIN. The secret is returned once. */
  createApiKey: CreatedApiKey;
  /** Registers a version atomically: all its files and metadata, or nothing. */
  createModel: Model;
  /** Needs an admin key for every project (*). */
  createProject: Project;
  /** Deletes a version and reclaims files no other version uses. CONFLICT when aliases point at it (extensions.aliases names them), unless force. */
  deleteModel: Scalars['Boolean']['output'];
  /** A 60-second URL that downloads one file, or with no path the version's archive, without the API key (a few requests), for a browser to stream it to disk. Needs read on the project; refused (BAD_USER_INPUT) without keys, where the plain URL needs none. */
  downloadTicket: DownloadTicket;
  /** Protects an alias (or lifts its protection): moving or removing a protected alias needs admin. Needs admin. */
  protectAlias: ModelAlias;
  /** Removes an alias (records ALIAS_REMOVED). Needs write; a protected alias needs admin. NOT_FOUND when absent. */
  removeAlias: Scalars['Boolean']['output'];
  /** Refused at once on every replica: keys are checked on each request. */
  revokeApiKey: ApiKey;
  /** Points an alias at a version, creating or moving it atomically (concurrent moves serialise); records ALIAS_SET when it now points elsewhere. Needs write; moving a protected alias, or giving `protected`, needs admin. NOT_FOUND when the version does not exist. */
  setAlias: ModelAlias;
  /** Edits a version's metadata (description, tags, metrics) atomically, without re-uploading: files never change. Needs write on the project. Records an UPDATED event and raises the version's revision by one. */
  updateModel: Model;
};


export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


export type MutationCreateModelArgs = {
  input: CreateModelInput;
};


export type MutationCreateProjectArgs = {
  name: Scalars['String']['input'];
};


export type MutationDeleteModelArgs = {
  force?: InputMaybe<Scalars['Boolean']['input']>;
  name: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
  version: Scalars['Int']['input'];
};


export type MutationDownloadTicketArgs = {
  name: Scalars['String']['input'];
  path?: InputMaybe<Scalars['String']['input']>;
  project?: InputMaybe<Scalars['String']['input']>;
  version: Scalars['Int']['input'];
};


export type MutationProtectAliasArgs = {
  alias: Scalars['String']['input'];
  name: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
  protected: Scalars['Boolean']['input'];
};


export type MutationRemoveAliasArgs = {
  alias: Scalars['String']['input'];
  name: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
};


export type MutationRevokeApiKeyArgs = {
  id: Scalars['String']['input'];
};


export type MutationSetAliasArgs = {
  alias: Scalars['String']['input'];
  name: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
  protected?: InputMaybe<Scalars['Boolean']['input']>;
  version: Scalars['Int']['input'];
};


export type MutationUpdateModelArgs = {
  input: UpdateModelInput;
  name: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
  version: Scalars['Int']['input'];
};

/** How `search` matches a name, case-insensitively; no character is a wildcard. */
export type NameMatch =
  /** Names that start with it (an index range). */
  | 'PREFIX'
  /** Names that contain it anywhere (reads the project's models in order until the page is full). */
  | 'SUBSTRING';

export type PageInfo = {
  __typename?: 'PageInfo';
  /** Pass as `after` to get the next page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

/** The code that produced a version. */
export type ProgramInput = {
  /** What was run, e.g. `train.py:main` (at most 1024 printable characters). */
  entryPoint?: InputMaybe<Scalars['String']['input']>;
  /** The git commit: 7 to 64 hex digits. */
  gitCommit?: InputMaybe<Scalars['String']['input']>;
  /** Where the code lives: a URI or `git@host:path`. */
  repository?: InputMaybe<Scalars['String']['input']>;
};

export type Project = {
  __typename?: 'Project';
  createdAt: Scalars['DateTime']['output'];
  name: Scalars['String']['output'];
  /** The caller's role on the project (a * grant counts; open mode is ADMIN everywhere). Lets a client offer only what the key may do; the server checks every request regardless. */
  role: Role;
};

export type Query = {
  __typename?: 'Query';
  /** Keys the caller administers (never their secrets). */
  apiKeys: Array<ApiKey>;
  /** The first version of that metric sort; null when none has it. */
  bestModel?: Maybe<Model>;
  /** The versions whose lineage names project/name@version as a parent, whether that version exists or was deleted (a reference outlives its parent), oldest registration first; only those in projects the caller may read. Needs read on the parent's project. Model.derivedModels lists the same for a version that exists. */
  derivedModels: DerivedModelConnection;
  /** One version, by number or by an alias pointing at it (exactly one of the two); null when absent. */
  model?: Maybe<Model>;
  /** A model's aliases, by name. Needs read on the project. */
  modelAliases: Array<ModelAlias>;
  /** The models of a project (one per name holding a version), by name case-insensitively or most recently changed first, those whose name starts with (or contains) `search` when given. Needs read on the project. */
  modelFamilies: ModelFamilyConnection;
  /** Versions of a model sorted by a metric (missing last, ties by version descending) or by version. */
  models: ModelConnection;
  /** Projects the caller has a role on. */
  projects: Array<Project>;
  /** The gateway's release and schema version; needs no role (GET /healthz answers it without a key). */
  version: ServerVersion;
};


export type QueryBestModelArgs = {
  direction?: InputMaybe<SortDirection>;
  filter?: InputMaybe<ModelFilter>;
  metric: Scalars['String']['input'];
  name: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
};


export type QueryDerivedModelsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  name: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
  version: Scalars['Int']['input'];
};


export type QueryModelArgs = {
  alias?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
  version?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryModelAliasesArgs = {
  name: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
};


export type QueryModelFamiliesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  match?: InputMaybe<NameMatch>;
  orderBy?: InputMaybe<ModelFamilyOrder>;
  project?: InputMaybe<Scalars['String']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


export type QueryModelsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  direction?: InputMaybe<SortDirection>;
  filter?: InputMaybe<ModelFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  name: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
  sortKey?: InputMaybe<Scalars['String']['input']>;
};

/** read: query and download; write: also create and delete models; admin: also manage keys. */
export type Role =
  | 'ADMIN'
  | 'READ'
  | 'WRITE';

/** The training run that produced a version (e.g. an MLflow run). */
export type RunInput = {
  /** The run's id (at most 256 printable characters). */
  id: Scalars['String']['input'];
  /** A link to the run (a URI, e.g. https://mlflow.example/#/experiments/1/runs/…). */
  uri?: InputMaybe<Scalars['String']['input']>;
};

/** A column (name + type) or a tensor (type + shape, -1 for any size). */
export type SchemaField = {
  __typename?: 'SchemaField';
  name?: Maybe<Scalars['String']['output']>;
  /** Tensor dimensions; -1 means any size. */
  shape?: Maybe<Array<Scalars['Int']['output']>>;
  type: Scalars['String']['output'];
};

export type SchemaFieldInput = {
  name?: InputMaybe<Scalars['String']['input']>;
  shape?: InputMaybe<Array<Scalars['Int']['input']>>;
  type: Scalars['String']['input'];
};

/** What this gateway runs: its release and the version of the GraphQL contract it serves. */
export type ServerVersion = {
  __typename?: 'ServerVersion';
  /** The gateway's release (semver), as /healthz reports it. */
  gateway: Scalars['String']['output'];
  /** The GraphQL contract, major.minor: minors only add; clients check the major they speak. */
  schema: Scalars['String']['output'];
};

export type SortDirection =
  | 'ASC'
  | 'DESC';

export type Subscription = {
  __typename?: 'Subscription';
  /** Changes to a project's versions (of one model when `name` is given) from now on, over graphql-ws at ws://host:port/graphql, each after its commit. Needs read on the project. */
  modelEvents: ModelEvent;
};


export type SubscriptionModelEventsArgs = {
  name?: InputMaybe<Scalars['String']['input']>;
  project?: InputMaybe<Scalars['String']['input']>;
};

/** A metadata edit of a version; files never change. Give at least one change. */
export type UpdateModelInput = {
  /** Metric values to add or replace. */
  addMetrics?: InputMaybe<Array<MetricInput>>;
  /** Sets the description; null clears it; omitted keeps it. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** The revision the edit was made against: when the version is at another one, nothing changes and the error is CONFLICT. */
  expectedRevision?: InputMaybe<Scalars['Int']['input']>;
  /** Replaces the lineage whole ({} removes it); null or omitted keeps it. The environment must be one of the version's files. */
  lineage?: InputMaybe<LineageInput>;
  /** Merged into the tags: each key is set to its value, and a key set to null is removed. Not with tags. */
  mergeTags?: InputMaybe<Scalars['JSONObject']['input']>;
  /** Metric keys to remove; keys the version lacks are ignored. */
  removeMetrics?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Replaces every tag ({} removes them all; null is as omitted). Not with mergeTags. */
  tags?: InputMaybe<Scalars['JSONObject']['input']>;
};

export type ApiKeyFieldsFragment = { __typename?: 'ApiKey', id: string, name: string, createdAt: string, createdBy?: string | null, revokedAt?: string | null, grants: Array<{ __typename?: 'Grant', project: string, role: Role }> };

export type ListProjectsQueryVariables = Exact<{ [key: string]: never; }>;


export type ListProjectsQuery = { __typename?: 'Query', projects: Array<{ __typename?: 'Project', name: string, createdAt: string }> };

export type CreateProjectMutationVariables = Exact<{
  name: Scalars['String']['input'];
}>;


export type CreateProjectMutation = { __typename?: 'Mutation', createProject: { __typename?: 'Project', name: string, createdAt: string } };

export type ListApiKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type ListApiKeysQuery = { __typename?: 'Query', apiKeys: Array<{ __typename?: 'ApiKey', id: string, name: string, createdAt: string, createdBy?: string | null, revokedAt?: string | null, grants: Array<{ __typename?: 'Grant', project: string, role: Role }> }> };

export type CreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type CreateApiKeyMutation = { __typename?: 'Mutation', createApiKey: { __typename?: 'CreatedApiKey', secret: string, apiKey: { __typename?: 'ApiKey', id: string, name: string, createdAt: string, createdBy?: string | null, revokedAt?: string | null, grants: Array<{ __typename?: 'Grant', project: string, role: Role }> } } };

export type RevokeApiKeyMutationVariables = Exact<{
  id: Scalars['String']['input'];
}>;


export type RevokeApiKeyMutation = { __typename?: 'Mutation', revokeApiKey: { __typename?: 'ApiKey', id: string, name: string, createdAt: string, createdBy?: string | null, revokedAt?: string | null, grants: Array<{ __typename?: 'Grant', project: string, role: Role }> } };

export type ModelFieldsFragment = { __typename?: 'Model', id: string, project: string, name: string, version: number, description?: string | null, framework?: Framework | null, inputExample?: unknown | null, tags: Record<string, unknown>, flavors?: Record<string, unknown> | null, tfMetaGraphTags?: Array<string> | null, archiveUrl: string, sizeBytes: number, status: ModelStatus, createdAt: string, createdBy?: string | null, revision: number, updatedAt: string, updatedBy?: string | null, aliases: Array<string>, metrics: Array<{ __typename?: 'Metric', key: string, value: number }>, signature?: { __typename?: 'ModelSignature', inputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }>, outputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }> } | null, files: Array<{ __typename?: 'ModelFile', path: string, sizeBytes: number, sha256: string, downloadUrl: string }>, lineage?: { __typename?: 'Lineage', environment?: string | null, trainingDataset?: { __typename?: 'LineageDataset', name: string, version?: string | null, uri?: string | null, digest?: string | null } | null, run?: { __typename?: 'LineageRun', id: string, uri?: string | null } | null, program?: { __typename?: 'LineageProgram', gitCommit?: string | null, entryPoint?: string | null, repository?: string | null } | null, parents: Array<{ __typename?: 'ModelParent', project: string, name: string, version: number }> } | null };

export type AliasFieldsFragment = { __typename?: 'ModelAlias', project: string, name: string, alias: string, version: number, protected: boolean, updatedAt: string, updatedBy?: string | null };

export type GetModelQueryVariables = Exact<{
  name: Scalars['String']['input'];
  version: Scalars['Int']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
}>;


export type GetModelQuery = { __typename?: 'Query', model?: { __typename?: 'Model', id: string, project: string, name: string, version: number, description?: string | null, framework?: Framework | null, inputExample?: unknown | null, tags: Record<string, unknown>, flavors?: Record<string, unknown> | null, tfMetaGraphTags?: Array<string> | null, archiveUrl: string, sizeBytes: number, status: ModelStatus, createdAt: string, createdBy?: string | null, revision: number, updatedAt: string, updatedBy?: string | null, aliases: Array<string>, metrics: Array<{ __typename?: 'Metric', key: string, value: number }>, signature?: { __typename?: 'ModelSignature', inputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }>, outputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }> } | null, files: Array<{ __typename?: 'ModelFile', path: string, sizeBytes: number, sha256: string, downloadUrl: string }>, lineage?: { __typename?: 'Lineage', environment?: string | null, trainingDataset?: { __typename?: 'LineageDataset', name: string, version?: string | null, uri?: string | null, digest?: string | null } | null, run?: { __typename?: 'LineageRun', id: string, uri?: string | null } | null, program?: { __typename?: 'LineageProgram', gitCommit?: string | null, entryPoint?: string | null, repository?: string | null } | null, parents: Array<{ __typename?: 'ModelParent', project: string, name: string, version: number }> } | null } | null };

export type GetModelByAliasQueryVariables = Exact<{
  name: Scalars['String']['input'];
  alias: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
}>;


export type GetModelByAliasQuery = { __typename?: 'Query', model?: { __typename?: 'Model', id: string, project: string, name: string, version: number, description?: string | null, framework?: Framework | null, inputExample?: unknown | null, tags: Record<string, unknown>, flavors?: Record<string, unknown> | null, tfMetaGraphTags?: Array<string> | null, archiveUrl: string, sizeBytes: number, status: ModelStatus, createdAt: string, createdBy?: string | null, revision: number, updatedAt: string, updatedBy?: string | null, aliases: Array<string>, metrics: Array<{ __typename?: 'Metric', key: string, value: number }>, signature?: { __typename?: 'ModelSignature', inputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }>, outputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }> } | null, files: Array<{ __typename?: 'ModelFile', path: string, sizeBytes: number, sha256: string, downloadUrl: string }>, lineage?: { __typename?: 'Lineage', environment?: string | null, trainingDataset?: { __typename?: 'LineageDataset', name: string, version?: string | null, uri?: string | null, digest?: string | null } | null, run?: { __typename?: 'LineageRun', id: string, uri?: string | null } | null, program?: { __typename?: 'LineageProgram', gitCommit?: string | null, entryPoint?: string | null, repository?: string | null } | null, parents: Array<{ __typename?: 'ModelParent', project: string, name: string, version: number }> } | null } | null };

export type ListModelsQueryVariables = Exact<{
  name: Scalars['String']['input'];
  sortKey?: InputMaybe<Scalars['String']['input']>;
  direction?: InputMaybe<SortDirection>;
  project?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ModelFilter>;
}>;


export type ListModelsQuery = { __typename?: 'Query', models: { __typename?: 'ModelConnection', nodes: Array<{ __typename?: 'Model', id: string, project: string, name: string, version: number, description?: string | null, framework?: Framework | null, inputExample?: unknown | null, tags: Record<string, unknown>, flavors?: Record<string, unknown> | null, tfMetaGraphTags?: Array<string> | null, archiveUrl: string, sizeBytes: number, status: ModelStatus, createdAt: string, createdBy?: string | null, revision: number, updatedAt: string, updatedBy?: string | null, aliases: Array<string>, metrics: Array<{ __typename?: 'Metric', key: string, value: number }>, signature?: { __typename?: 'ModelSignature', inputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }>, outputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }> } | null, files: Array<{ __typename?: 'ModelFile', path: string, sizeBytes: number, sha256: string, downloadUrl: string }>, lineage?: { __typename?: 'Lineage', environment?: string | null, trainingDataset?: { __typename?: 'LineageDataset', name: string, version?: string | null, uri?: string | null, digest?: string | null } | null, run?: { __typename?: 'LineageRun', id: string, uri?: string | null } | null, program?: { __typename?: 'LineageProgram', gitCommit?: string | null, entryPoint?: string | null, repository?: string | null } | null, parents: Array<{ __typename?: 'ModelParent', project: string, name: string, version: number }> } | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type GetModelCardQueryVariables = Exact<{
  name: Scalars['String']['input'];
  version: Scalars['Int']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
}>;


export type GetModelCardQuery = { __typename?: 'Query', model?: { __typename?: 'Model', card?: string | null } | null };

export type DerivedModelsQueryVariables = Exact<{
  name: Scalars['String']['input'];
  version: Scalars['Int']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type DerivedModelsQuery = { __typename?: 'Query', model?: { __typename?: 'Model', derivedModels: { __typename?: 'DerivedModelConnection', nodes: Array<{ __typename?: 'Model', id: string, project: string, name: string, version: number, description?: string | null, framework?: Framework | null, inputExample?: unknown | null, tags: Record<string, unknown>, flavors?: Record<string, unknown> | null, tfMetaGraphTags?: Array<string> | null, archiveUrl: string, sizeBytes: number, status: ModelStatus, createdAt: string, createdBy?: string | null, revision: number, updatedAt: string, updatedBy?: string | null, aliases: Array<string>, metrics: Array<{ __typename?: 'Metric', key: string, value: number }>, signature?: { __typename?: 'ModelSignature', inputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }>, outputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }> } | null, files: Array<{ __typename?: 'ModelFile', path: string, sizeBytes: number, sha256: string, downloadUrl: string }>, lineage?: { __typename?: 'Lineage', environment?: string | null, trainingDataset?: { __typename?: 'LineageDataset', name: string, version?: string | null, uri?: string | null, digest?: string | null } | null, run?: { __typename?: 'LineageRun', id: string, uri?: string | null } | null, program?: { __typename?: 'LineageProgram', gitCommit?: string | null, entryPoint?: string | null, repository?: string | null } | null, parents: Array<{ __typename?: 'ModelParent', project: string, name: string, version: number }> } | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } } | null };

export type FamilyFieldsFragment = { __typename?: 'ModelFamily', project: string, name: string, versionCount: number, latestVersion: number, latestCreatedAt: string, createdAt: string, updatedAt: string };

export type ListModelFamiliesQueryVariables = Exact<{
  project?: InputMaybe<Scalars['String']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
  match?: InputMaybe<NameMatch>;
  orderBy?: InputMaybe<ModelFamilyOrder>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type ListModelFamiliesQuery = { __typename?: 'Query', modelFamilies: { __typename?: 'ModelFamilyConnection', nodes: Array<{ __typename?: 'ModelFamily', project: string, name: string, versionCount: number, latestVersion: number, latestCreatedAt: string, createdAt: string, updatedAt: string }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type ListModelFamiliesWithBestQueryVariables = Exact<{
  project?: InputMaybe<Scalars['String']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
  match?: InputMaybe<NameMatch>;
  orderBy?: InputMaybe<ModelFamilyOrder>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  bestMetric: Scalars['String']['input'];
  bestDirection?: InputMaybe<SortDirection>;
}>;


export type ListModelFamiliesWithBestQuery = { __typename?: 'Query', modelFamilies: { __typename?: 'ModelFamilyConnection', nodes: Array<{ __typename?: 'ModelFamily', project: string, name: string, versionCount: number, latestVersion: number, latestCreatedAt: string, createdAt: string, updatedAt: string, best?: { __typename?: 'Model', id: string, project: string, name: string, version: number, description?: string | null, framework?: Framework | null, inputExample?: unknown | null, tags: Record<string, unknown>, flavors?: Record<string, unknown> | null, tfMetaGraphTags?: Array<string> | null, archiveUrl: string, sizeBytes: number, status: ModelStatus, createdAt: string, createdBy?: string | null, revision: number, updatedAt: string, updatedBy?: string | null, aliases: Array<string>, metrics: Array<{ __typename?: 'Metric', key: string, value: number }>, signature?: { __typename?: 'ModelSignature', inputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }>, outputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }> } | null, files: Array<{ __typename?: 'ModelFile', path: string, sizeBytes: number, sha256: string, downloadUrl: string }>, lineage?: { __typename?: 'Lineage', environment?: string | null, trainingDataset?: { __typename?: 'LineageDataset', name: string, version?: string | null, uri?: string | null, digest?: string | null } | null, run?: { __typename?: 'LineageRun', id: string, uri?: string | null } | null, program?: { __typename?: 'LineageProgram', gitCommit?: string | null, entryPoint?: string | null, repository?: string | null } | null, parents: Array<{ __typename?: 'ModelParent', project: string, name: string, version: number }> } | null } | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type BestModelQueryVariables = Exact<{
  name: Scalars['String']['input'];
  metric: Scalars['String']['input'];
  direction?: InputMaybe<SortDirection>;
  project?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ModelFilter>;
}>;


export type BestModelQuery = { __typename?: 'Query', bestModel?: { __typename?: 'Model', id: string, project: string, name: string, version: number, description?: string | null, framework?: Framework | null, inputExample?: unknown | null, tags: Record<string, unknown>, flavors?: Record<string, unknown> | null, tfMetaGraphTags?: Array<string> | null, archiveUrl: string, sizeBytes: number, status: ModelStatus, createdAt: string, createdBy?: string | null, revision: number, updatedAt: string, updatedBy?: string | null, aliases: Array<string>, metrics: Array<{ __typename?: 'Metric', key: string, value: number }>, signature?: { __typename?: 'ModelSignature', inputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }>, outputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }> } | null, files: Array<{ __typename?: 'ModelFile', path: string, sizeBytes: number, sha256: string, downloadUrl: string }>, lineage?: { __typename?: 'Lineage', environment?: string | null, trainingDataset?: { __typename?: 'LineageDataset', name: string, version?: string | null, uri?: string | null, digest?: string | null } | null, run?: { __typename?: 'LineageRun', id: string, uri?: string | null } | null, program?: { __typename?: 'LineageProgram', gitCommit?: string | null, entryPoint?: string | null, repository?: string | null } | null, parents: Array<{ __typename?: 'ModelParent', project: string, name: string, version: number }> } | null } | null };

export type CreateModelMutationVariables = Exact<{
  input: CreateModelInput;
}>;


export type CreateModelMutation = { __typename?: 'Mutation', createModel: { __typename?: 'Model', id: string, project: string, name: string, version: number, description?: string | null, framework?: Framework | null, inputExample?: unknown | null, tags: Record<string, unknown>, flavors?: Record<string, unknown> | null, tfMetaGraphTags?: Array<string> | null, archiveUrl: string, sizeBytes: number, status: ModelStatus, createdAt: string, createdBy?: string | null, revision: number, updatedAt: string, updatedBy?: string | null, aliases: Array<string>, metrics: Array<{ __typename?: 'Metric', key: string, value: number }>, signature?: { __typename?: 'ModelSignature', inputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }>, outputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }> } | null, files: Array<{ __typename?: 'ModelFile', path: string, sizeBytes: number, sha256: string, downloadUrl: string }>, lineage?: { __typename?: 'Lineage', environment?: string | null, trainingDataset?: { __typename?: 'LineageDataset', name: string, version?: string | null, uri?: string | null, digest?: string | null } | null, run?: { __typename?: 'LineageRun', id: string, uri?: string | null } | null, program?: { __typename?: 'LineageProgram', gitCommit?: string | null, entryPoint?: string | null, repository?: string | null } | null, parents: Array<{ __typename?: 'ModelParent', project: string, name: string, version: number }> } | null } };

export type UpdateModelMutationVariables = Exact<{
  name: Scalars['String']['input'];
  version: Scalars['Int']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
  input: UpdateModelInput;
}>;


export type UpdateModelMutation = { __typename?: 'Mutation', updateModel: { __typename?: 'Model', id: string, project: string, name: string, version: number, description?: string | null, framework?: Framework | null, inputExample?: unknown | null, tags: Record<string, unknown>, flavors?: Record<string, unknown> | null, tfMetaGraphTags?: Array<string> | null, archiveUrl: string, sizeBytes: number, status: ModelStatus, createdAt: string, createdBy?: string | null, revision: number, updatedAt: string, updatedBy?: string | null, aliases: Array<string>, metrics: Array<{ __typename?: 'Metric', key: string, value: number }>, signature?: { __typename?: 'ModelSignature', inputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }>, outputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }> } | null, files: Array<{ __typename?: 'ModelFile', path: string, sizeBytes: number, sha256: string, downloadUrl: string }>, lineage?: { __typename?: 'Lineage', environment?: string | null, trainingDataset?: { __typename?: 'LineageDataset', name: string, version?: string | null, uri?: string | null, digest?: string | null } | null, run?: { __typename?: 'LineageRun', id: string, uri?: string | null } | null, program?: { __typename?: 'LineageProgram', gitCommit?: string | null, entryPoint?: string | null, repository?: string | null } | null, parents: Array<{ __typename?: 'ModelParent', project: string, name: string, version: number }> } | null } };

export type DeleteModelMutationVariables = Exact<{
  name: Scalars['String']['input'];
  version: Scalars['Int']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
  force?: InputMaybe<Scalars['Boolean']['input']>;
}>;


export type DeleteModelMutation = { __typename?: 'Mutation', deleteModel: boolean };

export type ModelAliasesQueryVariables = Exact<{
  name: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
}>;


export type ModelAliasesQuery = { __typename?: 'Query', modelAliases: Array<{ __typename?: 'ModelAlias', project: string, name: string, alias: string, version: number, protected: boolean, updatedAt: string, updatedBy?: string | null }> };

export type SetAliasMutationVariables = Exact<{
  name: Scalars['String']['input'];
  alias: Scalars['String']['input'];
  version: Scalars['Int']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
  protected?: InputMaybe<Scalars['Boolean']['input']>;
}>;


export type SetAliasMutation = { __typename?: 'Mutation', setAlias: { __typename?: 'ModelAlias', project: string, name: string, alias: string, version: number, protected: boolean, updatedAt: string, updatedBy?: string | null } };

export type RemoveAliasMutationVariables = Exact<{
  name: Scalars['String']['input'];
  alias: Scalars['String']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
}>;


export type RemoveAliasMutation = { __typename?: 'Mutation', removeAlias: boolean };

export type ProtectAliasMutationVariables = Exact<{
  name: Scalars['String']['input'];
  alias: Scalars['String']['input'];
  protected: Scalars['Boolean']['input'];
  project?: InputMaybe<Scalars['String']['input']>;
}>;


export type ProtectAliasMutation = { __typename?: 'Mutation', protectAlias: { __typename?: 'ModelAlias', project: string, name: string, alias: string, version: number, protected: boolean, updatedAt: string, updatedBy?: string | null } };

export type WatchModelsSubscriptionVariables = Exact<{
  project?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
}>;


export type WatchModelsSubscription = { __typename?: 'Subscription', modelEvents: { __typename?: 'ModelEvent', type: ModelEventType, project: string, name: string, version: number, at: string, alias?: string | null, model?: { __typename?: 'Model', id: string, project: string, name: string, version: number, description?: string | null, framework?: Framework | null, inputExample?: unknown | null, tags: Record<string, unknown>, flavors?: Record<string, unknown> | null, tfMetaGraphTags?: Array<string> | null, archiveUrl: string, sizeBytes: number, status: ModelStatus, createdAt: string, createdBy?: string | null, revision: number, updatedAt: string, updatedBy?: string | null, aliases: Array<string>, metrics: Array<{ __typename?: 'Metric', key: string, value: number }>, signature?: { __typename?: 'ModelSignature', inputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }>, outputs: Array<{ __typename?: 'SchemaField', name?: string | null, type: string, shape?: Array<number> | null }> } | null, files: Array<{ __typename?: 'ModelFile', path: string, sizeBytes: number, sha256: string, downloadUrl: string }>, lineage?: { __typename?: 'Lineage', environment?: string | null, trainingDataset?: { __typename?: 'LineageDataset', name: string, version?: string | null, uri?: string | null, digest?: string | null } | null, run?: { __typename?: 'LineageRun', id: string, uri?: string | null } | null, program?: { __typename?: 'LineageProgram', gitCommit?: string | null, entryPoint?: string | null, repository?: string | null } | null, parents: Array<{ __typename?: 'ModelParent', project: string, name: string, version: number }> } | null } | null } };

export type GatewayVersionQueryVariables = Exact<{ [key: string]: never; }>;


export type GatewayVersionQuery = { __typename?: 'Query', version: { __typename?: 'ServerVersion', gateway: string, schema: string } };

export const ApiKeyFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ApiKeyFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"grants"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]} as unknown as DocumentNode<ApiKeyFieldsFragment, unknown>;
export const ModelFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ModelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Model"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"framework"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"signature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputExample"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"flavors"}},{"kind":"Field","name":{"kind":"Name","value":"tfMetaGraphTags"}},{"kind":"Field","name":{"kind":"Name","value":"files"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"archiveUrl"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trainingDataset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"digest"}}]}},{"kind":"Field","name":{"kind":"Name","value":"run"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}}]}},{"kind":"Field","name":{"kind":"Name","value":"program"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gitCommit"}},{"kind":"Field","name":{"kind":"Name","value":"entryPoint"}},{"kind":"Field","name":{"kind":"Name","value":"repository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"environment"}},{"kind":"Field","name":{"kind":"Name","value":"parents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}}]}}]} as unknown as DocumentNode<ModelFieldsFragment, unknown>;
export const AliasFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AliasFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ModelAlias"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"alias"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"protected"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}}]}}]} as unknown as DocumentNode<AliasFieldsFragment, unknown>;
export const FamilyFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FamilyFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ModelFamily"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"versionCount"}},{"kind":"Field","name":{"kind":"Name","value":"latestVersion"}},{"kind":"Field","name":{"kind":"Name","value":"latestCreatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<FamilyFieldsFragment, unknown>;
export const ListProjectsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ListProjects"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"projects"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]} as unknown as DocumentNode<ListProjectsQuery, ListProjectsQueryVariables>;
export const CreateProjectDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateProject"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createProject"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]} as unknown as DocumentNode<CreateProjectMutation, CreateProjectMutationVariables>;
export const ListApiKeysDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ListApiKeys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiKeys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ApiKeyFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ApiKeyFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"grants"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]} as unknown as DocumentNode<ListApiKeysQuery, ListApiKeysQueryVariables>;
export const CreateApiKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateApiKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateApiKeyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ApiKeyFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ApiKeyFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"grants"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]} as unknown as DocumentNode<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RevokeApiKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ApiKeyFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ApiKeyFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ApiKey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"grants"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]} as unknown as DocumentNode<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;
export const GetModelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"GetModel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"version"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"version"},"value":{"kind":"Variable","name":{"kind":"Name","value":"version"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ModelFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ModelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Model"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"framework"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"signature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputExample"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"flavors"}},{"kind":"Field","name":{"kind":"Name","value":"tfMetaGraphTags"}},{"kind":"Field","name":{"kind":"Name","value":"files"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"archiveUrl"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trainingDataset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"digest"}}]}},{"kind":"Field","name":{"kind":"Name","value":"run"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}}]}},{"kind":"Field","name":{"kind":"Name","value":"program"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gitCommit"}},{"kind":"Field","name":{"kind":"Name","value":"entryPoint"}},{"kind":"Field","name":{"kind":"Name","value":"repository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"environment"}},{"kind":"Field","name":{"kind":"Name","value":"parents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}}]}}]} as unknown as DocumentNode<GetModelQuery, GetModelQueryVariables>;
export const GetModelByAliasDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"GetModelByAlias"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"alias"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"alias"},"value":{"kind":"Variable","name":{"kind":"Name","value":"alias"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ModelFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ModelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Model"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"framework"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"signature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputExample"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"flavors"}},{"kind":"Field","name":{"kind":"Name","value":"tfMetaGraphTags"}},{"kind":"Field","name":{"kind":"Name","value":"files"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"archiveUrl"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trainingDataset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"digest"}}]}},{"kind":"Field","name":{"kind":"Name","value":"run"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}}]}},{"kind":"Field","name":{"kind":"Name","value":"program"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gitCommit"}},{"kind":"Field","name":{"kind":"Name","value":"entryPoint"}},{"kind":"Field","name":{"kind":"Name","value":"repository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"environment"}},{"kind":"Field","name":{"kind":"Name","value":"parents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}}]}}]} as unknown as DocumentNode<GetModelByAliasQuery, GetModelByAliasQueryVariables>;
export const ListModelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ListModels"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sortKey"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"direction"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"SortDirection"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ModelFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"sortKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sortKey"}}},{"kind":"Argument","name":{"kind":"Name","value":"direction"},"value":{"kind":"Variable","name":{"kind":"Name","value":"direction"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ModelFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ModelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Model"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"framework"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"signature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputExample"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"flavors"}},{"kind":"Field","name":{"kind":"Name","value":"tfMetaGraphTags"}},{"kind":"Field","name":{"kind":"Name","value":"files"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"archiveUrl"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trainingDataset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"digest"}}]}},{"kind":"Field","name":{"kind":"Name","value":"run"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}}]}},{"kind":"Field","name":{"kind":"Name","value":"program"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gitCommit"}},{"kind":"Field","name":{"kind":"Name","value":"entryPoint"}},{"kind":"Field","name":{"kind":"Name","value":"repository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"environment"}},{"kind":"Field","name":{"kind":"Name","value":"parents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}}]}}]} as unknown as DocumentNode<ListModelsQuery, ListModelsQueryVariables>;
export const GetModelCardDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"GetModelCard"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"version"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"version"},"value":{"kind":"Variable","name":{"kind":"Name","value":"version"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"card"}}]}}]}}]} as unknown as DocumentNode<GetModelCardQuery, GetModelCardQueryVariables>;
export const DerivedModelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DerivedModels"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"version"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"version"},"value":{"kind":"Variable","name":{"kind":"Name","value":"version"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"derivedModels"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ModelFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ModelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Model"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"framework"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"signature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputExample"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"flavors"}},{"kind":"Field","name":{"kind":"Name","value":"tfMetaGraphTags"}},{"kind":"Field","name":{"kind":"Name","value":"files"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"archiveUrl"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trainingDataset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"digest"}}]}},{"kind":"Field","name":{"kind":"Name","value":"run"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}}]}},{"kind":"Field","name":{"kind":"Name","value":"program"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gitCommit"}},{"kind":"Field","name":{"kind":"Name","value":"entryPoint"}},{"kind":"Field","name":{"kind":"Name","value":"repository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"environment"}},{"kind":"Field","name":{"kind":"Name","value":"parents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}}]}}]} as unknown as DocumentNode<DerivedModelsQuery, DerivedModelsQueryVariables>;
export const ListModelFamiliesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ListModelFamilies"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"match"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"NameMatch"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ModelFamilyOrder"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"modelFamilies"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}},{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}},{"kind":"Argument","name":{"kind":"Name","value":"match"},"value":{"kind":"Variable","name":{"kind":"Name","value":"match"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"FamilyFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FamilyFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ModelFamily"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"versionCount"}},{"kind":"Field","name":{"kind":"Name","value":"latestVersion"}},{"kind":"Field","name":{"kind":"Name","value":"latestCreatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]} as unknown as DocumentNode<ListModelFamiliesQuery, ListModelFamiliesQueryVariables>;
export const ListModelFamiliesWithBestDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ListModelFamiliesWithBest"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"match"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"NameMatch"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ModelFamilyOrder"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"bestMetric"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"bestDirection"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"SortDirection"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"modelFamilies"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}},{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}},{"kind":"Argument","name":{"kind":"Name","value":"match"},"value":{"kind":"Variable","name":{"kind":"Name","value":"match"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"FamilyFields"}},{"kind":"Field","name":{"kind":"Name","value":"best"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"metric"},"value":{"kind":"Variable","name":{"kind":"Name","value":"bestMetric"}}},{"kind":"Argument","name":{"kind":"Name","value":"direction"},"value":{"kind":"Variable","name":{"kind":"Name","value":"bestDirection"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ModelFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FamilyFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ModelFamily"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"versionCount"}},{"kind":"Field","name":{"kind":"Name","value":"latestVersion"}},{"kind":"Field","name":{"kind":"Name","value":"latestCreatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ModelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Model"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"framework"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"signature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputExample"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"flavors"}},{"kind":"Field","name":{"kind":"Name","value":"tfMetaGraphTags"}},{"kind":"Field","name":{"kind":"Name","value":"files"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"archiveUrl"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trainingDataset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"digest"}}]}},{"kind":"Field","name":{"kind":"Name","value":"run"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}}]}},{"kind":"Field","name":{"kind":"Name","value":"program"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gitCommit"}},{"kind":"Field","name":{"kind":"Name","value":"entryPoint"}},{"kind":"Field","name":{"kind":"Name","value":"repository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"environment"}},{"kind":"Field","name":{"kind":"Name","value":"parents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}}]}}]} as unknown as DocumentNode<ListModelFamiliesWithBestQuery, ListModelFamiliesWithBestQueryVariables>;
export const BestModelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BestModel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"metric"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"direction"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"SortDirection"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ModelFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bestModel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"metric"},"value":{"kind":"Variable","name":{"kind":"Name","value":"metric"}}},{"kind":"Argument","name":{"kind":"Name","value":"direction"},"value":{"kind":"Variable","name":{"kind":"Name","value":"direction"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ModelFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ModelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Model"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"framework"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"signature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputExample"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"flavors"}},{"kind":"Field","name":{"kind":"Name","value":"tfMetaGraphTags"}},{"kind":"Field","name":{"kind":"Name","value":"files"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"archiveUrl"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trainingDataset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"digest"}}]}},{"kind":"Field","name":{"kind":"Name","value":"run"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}}]}},{"kind":"Field","name":{"kind":"Name","value":"program"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gitCommit"}},{"kind":"Field","name":{"kind":"Name","value":"entryPoint"}},{"kind":"Field","name":{"kind":"Name","value":"repository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"environment"}},{"kind":"Field","name":{"kind":"Name","value":"parents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}}]}}]} as unknown as DocumentNode<BestModelQuery, BestModelQueryVariables>;
export const CreateModelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateModel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateModelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createModel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ModelFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ModelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Model"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"framework"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"signature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputExample"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"flavors"}},{"kind":"Field","name":{"kind":"Name","value":"tfMetaGraphTags"}},{"kind":"Field","name":{"kind":"Name","value":"files"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"archiveUrl"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trainingDataset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"digest"}}]}},{"kind":"Field","name":{"kind":"Name","value":"run"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}}]}},{"kind":"Field","name":{"kind":"Name","value":"program"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gitCommit"}},{"kind":"Field","name":{"kind":"Name","value":"entryPoint"}},{"kind":"Field","name":{"kind":"Name","value":"repository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"environment"}},{"kind":"Field","name":{"kind":"Name","value":"parents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}}]}}]} as unknown as DocumentNode<CreateModelMutation, CreateModelMutationVariables>;
export const UpdateModelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateModel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"version"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateModelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateModel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"version"},"value":{"kind":"Variable","name":{"kind":"Name","value":"version"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}},{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ModelFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ModelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Model"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"framework"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"signature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputExample"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"flavors"}},{"kind":"Field","name":{"kind":"Name","value":"tfMetaGraphTags"}},{"kind":"Field","name":{"kind":"Name","value":"files"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"archiveUrl"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trainingDataset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"digest"}}]}},{"kind":"Field","name":{"kind":"Name","value":"run"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}}]}},{"kind":"Field","name":{"kind":"Name","value":"program"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gitCommit"}},{"kind":"Field","name":{"kind":"Name","value":"entryPoint"}},{"kind":"Field","name":{"kind":"Name","value":"repository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"environment"}},{"kind":"Field","name":{"kind":"Name","value":"parents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}}]}}]} as unknown as DocumentNode<UpdateModelMutation, UpdateModelMutationVariables>;
export const DeleteModelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteModel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"version"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"force"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteModel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"version"},"value":{"kind":"Variable","name":{"kind":"Name","value":"version"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}},{"kind":"Argument","name":{"kind":"Name","value":"force"},"value":{"kind":"Variable","name":{"kind":"Name","value":"force"}}}]}]}}]} as unknown as DocumentNode<DeleteModelMutation, DeleteModelMutationVariables>;
export const ModelAliasesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ModelAliases"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"modelAliases"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AliasFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AliasFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ModelAlias"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"alias"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"protected"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}}]}}]} as unknown as DocumentNode<ModelAliasesQuery, ModelAliasesQueryVariables>;
export const SetAliasDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SetAlias"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"alias"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"version"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"protected"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"setAlias"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"alias"},"value":{"kind":"Variable","name":{"kind":"Name","value":"alias"}}},{"kind":"Argument","name":{"kind":"Name","value":"version"},"value":{"kind":"Variable","name":{"kind":"Name","value":"version"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}},{"kind":"Argument","name":{"kind":"Name","value":"protected"},"value":{"kind":"Variable","name":{"kind":"Name","value":"protected"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AliasFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AliasFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ModelAlias"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"alias"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"protected"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}}]}}]} as unknown as DocumentNode<SetAliasMutation, SetAliasMutationVariables>;
export const RemoveAliasDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RemoveAlias"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"alias"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"removeAlias"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"alias"},"value":{"kind":"Variable","name":{"kind":"Name","value":"alias"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}}]}]}}]} as unknown as DocumentNode<RemoveAliasMutation, RemoveAliasMutationVariables>;
export const ProtectAliasDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ProtectAlias"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"alias"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"protected"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"protectAlias"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"alias"},"value":{"kind":"Variable","name":{"kind":"Name","value":"alias"}}},{"kind":"Argument","name":{"kind":"Name","value":"protected"},"value":{"kind":"Variable","name":{"kind":"Name","value":"protected"}}},{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"AliasFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AliasFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ModelAlias"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"alias"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"protected"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}}]}}]} as unknown as DocumentNode<ProtectAliasMutation, ProtectAliasMutationVariables>;
export const WatchModelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"WatchModels"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"project"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"modelEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"project"},"value":{"kind":"Variable","name":{"kind":"Name","value":"project"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"alias"}},{"kind":"Field","name":{"kind":"Name","value":"model"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ModelFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ModelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Model"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"framework"}},{"kind":"Field","name":{"kind":"Name","value":"metrics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"signature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"inputExample"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"flavors"}},{"kind":"Field","name":{"kind":"Name","value":"tfMetaGraphTags"}},{"kind":"Field","name":{"kind":"Name","value":"files"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"archiveUrl"}},{"kind":"Field","name":{"kind":"Name","value":"sizeBytes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"}},{"kind":"Field","name":{"kind":"Name","value":"revision"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trainingDataset"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"digest"}}]}},{"kind":"Field","name":{"kind":"Name","value":"run"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}}]}},{"kind":"Field","name":{"kind":"Name","value":"program"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gitCommit"}},{"kind":"Field","name":{"kind":"Name","value":"entryPoint"}},{"kind":"Field","name":{"kind":"Name","value":"repository"}}]}},{"kind":"Field","name":{"kind":"Name","value":"environment"}},{"kind":"Field","name":{"kind":"Name","value":"parents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"project"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}}]}}]} as unknown as DocumentNode<WatchModelsSubscription, WatchModelsSubscriptionVariables>;
export const GatewayVersionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"GatewayVersion"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gateway"}},{"kind":"Field","name":{"kind":"Name","value":"schema"}}]}}]}}]} as unknown as DocumentNode<GatewayVersionQuery, GatewayVersionQueryVariables>;