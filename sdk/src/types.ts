import type { Framework as GeneratedFramework, ModelFieldsFragment } from "./generated/graphql.js";

/** The framework (MLflow flavor) a model was saved with. */
export type Framework = GeneratedFramework;

/** Sort order of `getModels`; versions without the sort metric come last either way. */
export type SortDirection = "asc" | "desc";

/** A column (`name` + `type`) or a tensor (`type` + `shape`, -1 for any size). */
export interface SchemaField {
  readonly name?: string | null;
  readonly type: string;
  readonly shape?: readonly number[] | null;
}

export interface ModelSignature {
  readonly inputs: readonly SchemaField[];
  readonly outputs: readonly SchemaField[];
}

export interface ModelFileInfo {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly downloadUrl: string;
}

/** JSON a model's tags and input example may hold. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Each MLflow flavor's own details (e.g. `sklearn_version`, `loader_module`), by flavor name. */
export type Flavors = Readonly<Record<string, Readonly<Record<string, JsonValue>>>>;

/** Progress of an upload or download: this file and the whole transfer. */
export interface TransferProgress {
  readonly path: string;
  readonly fileBytes: number;
  readonly fileTotal: number;
  readonly bytes: number;
  readonly total: number;
}

/** A version named by lineage: `"base@3"`, `"project/base@3"`, or the parts (project omitted: the new version's own). */
export type ParentRef = string | { readonly name: string; readonly version: number; readonly project?: string };

/** Where a version comes from, as `createModel` and `update` take it; every part optional. */
export interface LineageOptions {
  /** The data set it was trained on; `digest` is `<algorithm>:<hex>`, e.g. `sha256:…`. */
  readonly trainingDataset?: { readonly name: string; readonly version?: string; readonly uri?: string; readonly digest?: string };
  /** The run that produced it, e.g. an MLflow run (its id is read from the MLmodel file's `run_id` when not given). */
  readonly run?: { readonly id: string; readonly uri?: string };
  /** The code: a git commit (7–64 hex digits), an entry point, a repository URI or `git@host:path`. */
  readonly program?: { readonly gitCommit?: string; readonly entryPoint?: string; readonly repository?: string };
  /** The environment's lock file: a path of one of the version's files, e.g. `requirements.txt`. */
  readonly environment?: string;
  /** The versions it was fine-tuned or distilled from (at most 16; each must exist and be readable). */
  readonly parents?: readonly ParentRef[];
}

/** A parent as a version's lineage names it: the reference stays when the parent is deleted. */
export interface ModelParentRef {
  readonly project: string;
  readonly name: string;
  readonly version: number;
}

/** Where a version comes from, as registered. */
export interface Lineage {
  readonly trainingDataset: {
    readonly name: string;
    readonly version: string | null;
    readonly uri: string | null;
    readonly digest: string | null;
  } | null;
  readonly run: { readonly id: string; readonly uri: string | null } | null;
  readonly program: { readonly gitCommit: string | null; readonly entryPoint: string | null; readonly repository: string | null } | null;
  readonly environment: string | null;
  readonly parents: readonly ModelParentRef[];
}

/** Metadata of a version, as `createModel` takes it. */
export interface ModelMetadata {
  readonly name: string;
  /** Omitted: the next free version, assigned atomically by the registry. */
  readonly version?: number;
  readonly project?: string;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly description?: string;
  readonly framework?: Framework;
  readonly signature?: ModelSignature;
  readonly inputExample?: JsonValue;
  readonly tags?: Readonly<Record<string, JsonValue>>;
  /**
   * Each flavor's MLmodel details, so a consumer knows how to load the model. Read
   * from the directory's MLmodel file by `save(dir)` / `createModel({ modelPath })`
   * when not given; given, it replaces what the file says (whole, not merged).
   */
  readonly flavors?: Flavors;
  /** The TensorFlow SavedModel's MetaGraph tags (MLmodel `flavors.tensorflow.meta_graph_tags`), e.g. `["serve"]`. */
  readonly tfMetaGraphTags?: readonly string[];
  /** Where the version comes from: data set, run, program, environment file, parents. */
  readonly lineage?: LineageOptions;
  /** Replace an existing version atomically instead of failing with ALREADY_EXISTS. */
  readonly overwrite?: boolean;
}

/**
 * A metadata edit (`model.update`, `registry.updateModel`): fields left out keep
 * their value; files never change. Give at least one.
 */
export interface ModelChanges {
  /** Sets the description; null clears it. */
  readonly description?: string | null;
  /** Replaces every tag (not with `mergeTags`). */
  readonly tags?: Readonly<Record<string, JsonValue>>;
  /** Sets these tags and keeps the others; a tag set to null is removed (not with `tags`). */
  readonly mergeTags?: Readonly<Record<string, JsonValue>>;
  /** Metric values to add or replace. */
  readonly addMetrics?: Readonly<Record<string, number>>;
  /** Metric keys to remove; keys the version lacks are ignored. */
  readonly removeMetrics?: readonly string[];
  /** Replaces the lineage whole (`{}` removes it). */
  readonly lineage?: LineageOptions;
}

/** Which version `registry.updateModel` edits, what changes, and against which revision. */
export interface UpdateModelOptions extends ModelChanges {
  readonly name: string;
  readonly version: number;
  readonly project?: string;
  /** Edit only if the version is still at this revision, else CONFLICT (omitted: edit whatever is there). */
  readonly expectedRevision?: number;
}

export interface SaveOptions {
  /**
   * Seconds to wait for status READY; 0 does not wait. Default 300. The gateway
   * registers synchronously (`createModel` answers with a READY model once it is
   * committed, and its CREATED event follows the commit), so today this returns
   * at once; it is there for a server that registers asynchronously, which the
   * SDK would poll until READY (TIMEOUT after this long, an error on FAILED).
   * To wait for a version another process registers, use `awaitModel` (events).
   */
  readonly awaitRegistration?: number;
  readonly onProgress?: (progress: TransferProgress) => void;
}

export interface CreateModelOptions extends ModelMetadata, SaveOptions {
  /** A directory to upload now; without it `createModel` returns an unsaved draft. */
  readonly modelPath?: string;
}

export interface DownloadOptions {
  /** Called as bytes arrive; with several files at once, `path` says which file moved and `bytes` counts them all. */
  readonly onProgress?: (progress: TransferProgress) => void;
  /** Aborting stops the download (ABORTED); what arrived is kept, and the next download into the same folder resumes it. */
  readonly signal?: AbortSignal;
  /** Files downloaded at once, 1–16; default 4. */
  readonly concurrency?: number;
}

/** What the server sends for a version (the SDK's ModelFields fragment). */
export type ModelData = ModelFieldsFragment;

/** A named pointer to a version (`champion` → 3): `getModel("mnist@champion")` reads the version it points at. */
export interface ModelAlias {
  readonly project: string;
  /** The model (family) name. */
  readonly name: string;
  readonly alias: string;
  /** The version it points at; overwriting that version keeps it there. */
  readonly version: number;
  /** Moving or removing a protected alias needs an admin key for the project. */
  readonly protected: boolean;
  /** When it was last set, moved or (un)protected. */
  readonly updatedAt: Date;
  /** The key that did it; null in open mode. */
  readonly updatedBy: string | null;
}

/** Which version `getModel` reads: a reference (`"mnist@champion"`), or a name with a version or an alias. */
export type ModelLocator =
  | string
  | { readonly ref: string; readonly project?: string }
  | { readonly name: string; readonly version: number; readonly alias?: undefined; readonly project?: string }
  | { readonly name: string; readonly alias: string; readonly version?: undefined; readonly project?: string };
