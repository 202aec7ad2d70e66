import type { Connection as CoreConnection } from "../connection.js";
import type { ModelRegistry as CoreRegistry } from "../registry.js";
import type { ModelChanges, ModelMetadata, UpdateModelOptions } from "../types.js";
import type { ModelEvent as CoreModelEvent, WatchOptions } from "../watch.js";
import type { AwaitModelOptions } from "../await-model.js";
import type { GetModelsOptions } from "../registry.js";
import type { BrowserModel } from "./model.js";
import type { BrowserCreateModelOptions, BrowserSaveOptions, UploadSource } from "./options.js";

/*
 * The browser entry's view of the shared classes: the same objects, typed
 * without what needs Node, with the browser's uploads and downloads.
 */

/** A registered version as the browser entry offers it: in-memory downloads, no directories. */
export interface Model extends Omit<BrowserModel, "download" | "save" | "update"> {
  /** Edits this version's metadata (see the Node entry's Model.update); resolves to the version as edited. */
  update(changes: ModelChanges & { readonly force?: boolean }): Promise<Model>;
  /** Uploads `files` as a new version with this version's metadata (next free version). */
  save(files: UploadSource, options?: BrowserSaveOptions): Promise<Model>;
}

/** Metadata not registered yet; `save(files)` uploads and registers it. */
export interface ModelDraft {
  readonly name: string;
  readonly metadata: ModelMetadata;
  /** Uploads `files` and registers the version; resolves to the registered Model. */
  save(files: UploadSource, options?: BrowserSaveOptions): Promise<Model>;
}

/** A live event whose `model` is the browser's Model. */
export interface ModelEvent extends Omit<CoreModelEvent, "model"> {
  readonly model: Model | null;
}

/** Live events, as the browser entry offers them: `for await (const event of mr.watch())`. */
export interface ModelWatch extends AsyncIterableIterator<ModelEvent> {
  /** Closes the WebSocket; the iteration ends. */
  close(): Promise<void>;
}

/** The registry's own plumbing (the Node entry's types show it as @internal); no part of the browser's view. */
type Internal = "wrap" | "uploadModel" | "downloadModel" | "headersFor";
type Redeclared = "createModel" | "updateModel" | "getModel" | "getModels" | "iterateModels" | "getBestModel" | "watch" | "awaitModel";

/** A project's model registry as the browser entry offers it: uploads take files, not directories. */
export interface ModelRegistry extends Omit<CoreRegistry, Internal | Redeclared> {
  /**
   * Registers a version. With `files`, uploads them now and resolves to the
   * Model; without, resolves to a draft whose `save(files)` uploads later.
   */
  createModel(options: BrowserCreateModelOptions & { readonly files: UploadSource }): Promise<Model>;
  createModel(options: BrowserCreateModelOptions & { readonly files?: undefined }): Promise<ModelDraft>;
  createModel(options: BrowserCreateModelOptions): Promise<Model | ModelDraft>;
  /** Edits a version's metadata without re-uploading (see the Node entry's updateModel). */
  updateModel(options: UpdateModelOptions): Promise<Model>;
  /** One version, or null when it does not exist. */
  getModel(options: Parameters<CoreRegistry["getModel"]>[0]): Promise<Model | null>;
  /** Every version of a model, best first when sorted by a metric (pages are fetched for you). */
  getModels(options: GetModelsOptions): Promise<Model[]>;
  /** The versions one page at a time. */
  iterateModels(options: GetModelsOptions): AsyncGenerator<Model, void, undefined>;
  /** The best version by `metric` (highest unless direction "asc"), or null when none has it. */
  getBestModel(options: Parameters<CoreRegistry["getBestModel"]>[0]): Promise<Model | null>;
  /** Live events of the project (of one model with `name`), over the browser's WebSocket. */
  watch(options?: WatchOptions): ModelWatch;
  /** Waits until a version another process registers exists (see the Node entry's awaitModel). */
  awaitModel(options: AwaitModelOptions): Promise<Model>;
}

/** A connection as the browser entry offers it. */
export interface Connection extends Omit<CoreConnection, "getModelRegistry"> {
  /** The registry of `project` (default: the connection's, else the API key's own); checks that the gateway answers. */
  getModelRegistry(project?: string): Promise<ModelRegistry>;
}
