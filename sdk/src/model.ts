import { RegistryError } from "./errors.js";
import { lineageOf, lineageOptions } from "./lineage.js";
import type {
  DownloadOptions,
  Flavors,
  ModelAlias,
  ModelChanges,
  Framework,
  JsonValue,
  Lineage,
  ModelData,
  ModelFileInfo,
  ModelMetadata,
  ModelSignature,
  SaveOptions,
  UpdateModelOptions,
} from "./types.js";

/**
 * A version's registration state. The gateway registers synchronously, so every
 * Model it returns is READY; PENDING and FAILED are reserved for asynchronous
 * registration and are never produced today.
 */
export type ModelStatus = "READY" | "PENDING" | "FAILED";

/** The registry's rule for project, model and metric names (the gateway's `domain/rules.ts`). */
const REGISTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** A model of a project: the versions registered under one name (`getModelFamilies`). */
export interface ModelFamily {
  readonly project: string;
  readonly name: string;
  /** Versions it holds now. */
  readonly versionCount: number;
  /** Its highest version. */
  readonly latestVersion: number;
  /** When that version was registered. */
  readonly latestCreatedAt: Date;
  /** When its first version was registered. */
  readonly createdAt: Date;
  /** When a version was last registered, overwritten, edited or deleted. */
  readonly updatedAt: Date;
  /** Its best version by the metric `getModelFamilies({ best })` named; null when none has it; absent when not asked for. */
  readonly best?: Model | null;
}

/**
 * The registry calls a Model and a ModelDraft make. `ModelRegistry` provides them;
 * naming them here keeps this module free of the registry's.
 */
export interface ModelOwner {
  deleteModel(options: {
    readonly name: string;
    readonly version: number;
    readonly project?: string;
    readonly force?: boolean;
  }): Promise<void>;
  setAlias(options: {
    readonly name: string;
    readonly alias: string;
    readonly version: number;
    readonly project?: string;
  }): Promise<ModelAlias>;
  updateModel(options: UpdateModelOptions): Promise<Model>;
  downloadModel(model: Model, dir: string, options: DownloadOptions): Promise<string>;
  uploadModel(metadata: ModelMetadata, source: unknown, options: SaveOptions & { readonly signal?: AbortSignal }): Promise<Model>;
  headersFor(url: string): Readonly<Record<string, string>>;
  getModelCard(options: { readonly name: string; readonly version: number; readonly project?: string }): Promise<string | null>;
  getDerivedModels(options: { readonly name: string; readonly version: number; readonly project?: string }): Promise<Model[]>;
}

/** A registered version of a model (the design doc's model_meta). */
export class Model {
  readonly id: string;
  readonly project: string;
  readonly name: string;
  readonly version: number;
  readonly description: string | null;
  readonly framework: Framework | null;
  /** Metric values by key. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly signature: ModelSignature | null;
  readonly inputExample: JsonValue | null;
  readonly tags: Readonly<Record<string, JsonValue>>;
  /** Each MLflow flavor's own details, by flavor name (how to load the model); null when none were registered. */
  readonly flavors: Flavors | null;
  /** The TensorFlow SavedModel's MetaGraph tags; null when absent. */
  readonly tfMetaGraphTags: readonly string[] | null;
  readonly files: readonly ModelFileInfo[];
  /** GET streams every file as one tar archive. */
  readonly archiveUrl: string;
  readonly sizeBytes: number;
  readonly status: ModelStatus;
  readonly createdAt: Date;
  readonly createdBy: string | null;
  /** 1 when registered; one more with each edit (`update`) and each overwrite. */
  readonly revision: number;
  /** When the version last changed: `createdAt` until it is edited. */
  readonly updatedAt: Date;
  /** The key that changed it last: `createdBy` until it is edited. */
  readonly updatedBy: string | null;
  /** Where it comes from (data set, run, program, environment file, parents); null when none was registered. */
  readonly lineage: Lineage | null;
  /** The aliases pointing at this version when it was read, by name. */
  readonly aliases: readonly string[];

  /** @internal built by the registry from server data */
  constructor(
    protected readonly registry: ModelOwner,
    data: ModelData,
  ) {
    this.id = data.id;
    this.project = data.project;
    this.name = data.name;
    this.version = data.version;
    this.description = data.description ?? null;
    this.framework = data.framework ?? null;
    // No prototype: a metric named "toString" or "valueOf" must not find Object's.
    this.metrics = Object.freeze(
      Object.assign(Object.create(null) as Record<string, number>, Object.fromEntries(data.metrics.map((m) => [m.key, m.value]))),
    );
    this.signature = data.signature ?? null;
    this.inputExample = (data.inputExample ?? null) as JsonValue | null;
    this.tags = data.tags as Record<string, JsonValue>;
    this.flavors = (data.flavors ?? null) as Flavors | null;
    this.tfMetaGraphTags = data.tfMetaGraphTags ? Object.freeze([...data.tfMetaGraphTags]) : null;
    this.files = Object.freeze(data.files.map(({ path, sizeBytes, sha256, downloadUrl }) => ({ path, sizeBytes, sha256, downloadUrl })));
    this.archiveUrl = data.archiveUrl;
    this.sizeBytes = data.sizeBytes;
    this.status = data.status;
    this.createdAt = new Date(data.createdAt);
    this.createdBy = data.createdBy ?? null;
    this.revision = data.revision;
    this.updatedAt = new Date(data.updatedAt);
    this.updatedBy = data.updatedBy ?? null;
    this.lineage = lineageOf(data.lineage);
    this.aliases = Object.freeze([...data.aliases]);
  }

  /**
   * Edits this version's metadata without re-uploading (files never change) and
   * resolves to the version as edited; this object stays as it was read. The edit
   * applies only if the version is still at this object's revision, otherwise it
   * fails with CONFLICT (someone else edited it: read it again); `force: true`
   * edits whatever is there.
   */
  update(changes: ModelChanges & { readonly force?: boolean }): Promise<Model> {
    const { force, ...rest } = changes;
    return this.registry.updateModel({
      ...rest,
      name: this.name,
      version: this.version,
      project: this.project,
      ...(force ? {} : { expectedRevision: this.revision }),
    });
  }

  /**
   * The model card: the text of the version's top-level `README.md`, fetched now
   * (one request; not part of the Model, so listings stay cheap). Null when there is
   * none, it is over 256 KiB or not UTF-8. Untrusted markdown: sanitise before rendering.
   */
  getCard(): Promise<string | null> {
    return this.registry.getModelCard({ name: this.name, version: this.version, project: this.project });
  }

  /**
   * The versions whose lineage names this one as a parent (fetched now, every page),
   * oldest registration first; only those in projects the API key may read.
   */
  derivedModels(): Promise<Model[]> {
    return this.registry.getDerivedModels({ name: this.name, version: this.version, project: this.project });
  }

  /**
   * Deletes this version from the registry. CONFLICT while aliases point at it,
   * unless `force`, which removes them with it.
   */
  delete(options: { readonly force?: boolean } = {}): Promise<void> {
    return this.registry.deleteModel({ name: this.name, version: this.version, project: this.project, force: options?.force });
  }

  /** Points `alias` at this version (creating or moving it); resolves to the alias as set. */
  setAlias(alias: string): Promise<ModelAlias> {
    return this.registry.setAlias({ name: this.name, alias, version: this.version, project: this.project });
  }

  /**
   * Downloads every file into `dir` (default `./<name>-<version>`), verifying each
   * sha256 and resuming a partly downloaded file with a Range request. Node only.
   */
  download(dir?: string, options: DownloadOptions = {}): Promise<string> {
    if (dir !== undefined) return this.registry.downloadModel(this, dir, options);
    // The default folder is made of what the server answered: only a name and a version the
    // registry could have stored make one folder under the working directory.
    if (typeof this.name !== "string" || !REGISTRY_NAME.test(this.name) || !Number.isSafeInteger(this.version) || this.version < 1) {
      return Promise.reject(
        new RegistryError(
          "INTEGRITY_ERROR",
          `the registry answered a name ${JSON.stringify(String(this.name).slice(0, 200))} and version ${JSON.stringify(String(this.version).slice(0, 50))} ` +
            "that make no folder name: pass the folder to download into",
        ),
      );
    }
    return this.registry.downloadModel(this, `${this.name}-${this.version}`, options);
  }

  /** Uploads `dir` as a new version with this version's metadata (next free version). Node only. */
  save(dir: string, options: SaveOptions = {}): Promise<Model> {
    return this.registry.uploadModel({ ...this.metadata(), version: undefined }, dir, options);
  }

  /** This version's metadata in the form createModel takes. */
  metadata(): ModelMetadata {
    return {
      name: this.name,
      version: this.version,
      project: this.project,
      metrics: this.metrics,
      ...(this.description !== null && { description: this.description }),
      ...(this.framework !== null && { framework: this.framework }),
      ...(this.signature !== null && { signature: this.signature }),
      ...(this.inputExample !== null && { inputExample: this.inputExample }),
      tags: this.tags,
      ...(this.flavors !== null && { flavors: this.flavors }),
      ...(this.tfMetaGraphTags !== null && { tfMetaGraphTags: this.tfMetaGraphTags }),
      ...(this.lineage !== null && { lineage: lineageOptions(this.lineage) }),
    };
  }

  toJSON() {
    const { registry: _, ...rest } = this as unknown as Record<string, unknown>;
    return rest;
  }
}

/**
 * Metadata not registered yet: `createModel` without `modelPath` returns one, and
 * `save(dir)` uploads the directory and registers it (the design doc's
 * `model_meta.save(dir)`).
 */
export class ModelDraft {
  constructor(
    private readonly registry: ModelOwner,
    readonly metadata: ModelMetadata,
    private readonly defaults: SaveOptions & { readonly signal?: AbortSignal },
  ) {}

  get name(): string {
    return this.metadata.name;
  }

  /** Uploads `dir` and registers the version; resolves to the registered Model. */
  save(dir: string, options: SaveOptions = {}): Promise<Model> {
    return this.registry.uploadModel(this.metadata, dir, { ...this.defaults, ...options });
  }
}
