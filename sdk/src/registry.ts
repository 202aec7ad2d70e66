import type { Client } from "@urql/core";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { RegistryError, shownValue } from "./errors.js";
import { notShaped, runOperation } from "./operation.js";
import { withoutApiKey, type ResolvedOptions } from "./client.js";
import {
  BestModelDocument,
  DeleteModelDocument,
  DerivedModelsDocument,
  GetModelCardDocument,
  GetModelByAliasDocument,
  GetModelDocument,
  ListModelFamiliesDocument,
  ListModelFamiliesWithBestDocument,
  type ListModelFamiliesQuery,
  type ListModelFamiliesWithBestQuery,
  ListModelsDocument,
  ModelAliasesDocument,
  ProtectAliasDocument,
  RemoveAliasDocument,
  SetAliasDocument,
  UpdateModelDocument,
  type AliasFieldsFragment,
  type CreateModelInput,
  type SortDirection as GraphQLSortDirection,
} from "./generated/graphql.js";
import { toFilterInput, type ModelFilter } from "./filter.js";
import { jsonInput, signatureInput } from "./json-input.js";
import { lineageInput } from "./lineage.js";
import type { LocalFiles } from "./local-files.js";
import { Model, ModelDraft, type ModelFamily } from "./model.js";
import { assertAliasName, assertVersion, formatModelRef, parseModelRef, type ModelReference } from "./model-ref.js";
import type {
  CreateModelOptions,
  DownloadOptions,
  ModelAlias,
  ModelData,
  ModelLocator,
  ModelMetadata,
  SaveOptions,
  SortDirection,
  UpdateModelOptions,
} from "./types.js";
import { ModelWatch, type WatchOptions } from "./watch.js";
import { awaitModel, type AwaitModelOptions } from "./await-model.js";

/** The most versions one `models` page may hold (the schema's `first`; test/wire-constants.test.ts checks it). */
export const MAX_PAGE_SIZE = 500;

export interface GetModelsOptions {
  readonly name: string;
  /** A metric key; versions without it come last. Omitted: by version. */
  readonly sortKey?: string;
  /** Default "desc". */
  readonly direction?: SortDirection;
  readonly project?: string;
  /** Versions fetched per request, 1-500; default 500. */
  readonly pageSize?: number;
  /** Only versions that match, e.g. `{ metrics: [{ key: "latency", lt: 20 }] }`. */
  readonly filter?: ModelFilter;
}

export interface GetModelFamiliesOptions {
  /** Part of a name, matched in any case; no character is a wildcard. Omitted: every model. */
  readonly search?: string;
  /** "prefix" (the default): names starting with `search`; "substring": names containing it. */
  readonly match?: "prefix" | "substring";
  /** "name" (the default, in any case) or "updated": most recently changed first. */
  readonly orderBy?: "name" | "updated";
  /** Also fetch each model's best version by this metric (`best`, highest unless direction "asc"), in the same requests. */
  readonly best?: { readonly metric: string; readonly direction?: SortDirection };
  readonly project?: string;
  /** Models fetched per request, 1-500; default 500. */
  readonly pageSize?: number;
}

/** The version whose derived versions (those naming it as a parent) are read. */
export interface GetDerivedModelsOptions {
  readonly name: string;
  readonly version: number;
  readonly project?: string;
  /** Versions fetched per request, 1-500; default 500. */
  readonly pageSize?: number;
}

const DEFAULT_AWAIT_SECONDS = 300;

/** The server's spelling of an option given as one of `choices`' keys (undefined stays undefined), or BAD_USER_INPUT. */
function choice<C extends Record<string, string>>(value: string | undefined, field: string, choices: C): C[keyof C] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && Object.hasOwn(choices, value)) return choices[value as keyof C];
  const allowed = Object.keys(choices).map((c) => JSON.stringify(c));
  throw new RegistryError("BAD_USER_INPUT", `${field} must be ${allowed.join(" or ")}, got ${JSON.stringify(value)}`, { field });
}

function toDirection(direction: SortDirection | undefined): GraphQLSortDirection {
  return choice(direction, "direction", { asc: "ASC", desc: "DESC" } as const) ?? "DESC";
}

/**
 * A project's model registry (the design doc's `connection.get_model_registry()`).
 * Every call takes an optional `project`; the registry's own is the default.
 */
export class ModelRegistry {
  /** @internal */
  constructor(
    private readonly client: Client,
    private readonly options: ResolvedOptions,
    /** The default project of this handle (undefined: the API key's own, else "default"). */
    readonly project: string | undefined,
    private readonly files: LocalFiles | undefined,
  ) {}

  #run<D, V extends object>(document: TypedDocumentNode<D, V>, variables: V, doing: string, mutation = false): Promise<D> {
    return runOperation(this.client, document, variables, doing, mutation ? "mutation" : "query");
  }

  /**
   * One page, asked for `size.first` items or fewer: an answer past the gateway's budget of
   * stored text (PAYLOAD_TOO_LARGE: versions with large input examples, signatures, tags) is
   * asked again at half the size, down to one, and the size that passed is kept for the next pages.
   */
  async #page<T>(size: { first: number }, fetch: (first: number) => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fetch(size.first);
      } catch (error) {
        if (!(error instanceof RegistryError) || error.code !== "PAYLOAD_TOO_LARGE" || size.first === 1) throw error;
        size.first = Math.max(1, Math.floor(size.first / 2));
      }
    }
  }

  #localFiles(what: string): LocalFiles {
    if (!this.files)
      throw new RegistryError("UNSUPPORTED", `${what} needs local files: import the SDK in Node (the browser entry has none)`);
    return this.files;
  }

  /** @internal */
  wrap(data: ModelData): Model {
    try {
      return new (this.files?.Model ?? Model)(this, data);
    } catch (error) {
      // Null where the schema promises a list, or no object at all.
      if (error instanceof TypeError) throw notShaped("reading a version", error.message, error);
      throw error;
    }
  }

  /**
   * Registers a version. With `modelPath`, uploads that directory now and resolves
   * to the Model; without, resolves to a draft whose `save(dir)` uploads later.
   */
  createModel(options: CreateModelOptions & { readonly modelPath: string }): Promise<Model>;
  createModel(options: CreateModelOptions & { readonly modelPath?: undefined }): Promise<ModelDraft>;
  createModel(options: CreateModelOptions): Promise<Model | ModelDraft>;
  // `files` is the browser entry's source (its own option types name it).
  async createModel(
    options: CreateModelOptions & { readonly files?: unknown; readonly signal?: AbortSignal },
  ): Promise<Model | ModelDraft> {
    optionsOf(options, "createModel");
    const { modelPath, files, awaitRegistration, onProgress, signal, ...metadata } = options;
    checkSaveOptions({ awaitRegistration, onProgress });
    if (metadata.version !== undefined) assertVersion(metadata.version);
    const source = modelPath ?? files;
    if (source === undefined) {
      // What JSON cannot carry is refused now, not when the draft is saved.
      this.#input(metadata);
      return new ModelDraft(this, { ...metadata, project: metadata.project ?? this.project }, { awaitRegistration, onProgress, signal });
    }
    return this.uploadModel(metadata, source, { awaitRegistration, onProgress, signal });
  }

  /** @internal uploads `source` (a directory in Node, files in a browser) as a version with `metadata` */
  async uploadModel(metadata: ModelMetadata, source: unknown, options: SaveOptions & { readonly signal?: AbortSignal }): Promise<Model> {
    const files = this.#localFiles("createModel({ modelPath })");
    checkSaveOptions(options);
    if (metadata.version !== undefined) assertVersion(metadata.version);
    // Refused before the directory is read (see #input).
    this.#input(metadata);
    const { runId, ...found } = await files.describe(source);
    const given = stripUndefined(metadata);
    // MLflow writes the run that logged the model into MLmodel: its lineage unless the caller names a run.
    const lineage = runId !== undefined && !given.lineage?.run ? { ...given.lineage, run: { id: runId } } : given.lineage;
    const input = this.#input({ ...found, ...given, ...(lineage ? { lineage } : {}) });
    const { url, headers, idleMs } = this.options;
    const data = await files.upload({ url, headers, idleMs, source, input, onProgress: options.onProgress, signal: options.signal });
    return this.#awaitReady(this.wrap(data), options.awaitRegistration ?? DEFAULT_AWAIT_SECONDS);
  }

  /** @internal the headers a GET of `url` carries: the API key only to the connection's own origin */
  headersFor(url: string): Readonly<Record<string, string>> {
    return new URL(url).origin === new URL(this.options.url).origin ? this.options.headers : withoutApiKey(this.options.headers);
  }

  #input(metadata: ModelMetadata): Omit<CreateModelInput, "files"> {
    const { metrics, signature, project, tfMetaGraphTags, lineage, inputExample, tags, flavors, ...rest } = metadata;
    return {
      ...rest,
      ...(inputExample !== undefined && { inputExample: jsonInput(inputExample, "inputExample") }),
      ...(tags !== undefined && { tags: jsonInput(tags, "tags") }),
      ...(flavors !== undefined && { flavors: jsonInput(flavors, "flavors") }),
      lineage: lineageInput(lineage, "lineage"),
      project: project ?? this.project,
      metrics: metricList(metrics, "metrics"),
      tfMetaGraphTags: tfMetaGraphTags && [...stringList(tfMetaGraphTags, "tfMetaGraphTags")],
      signature: signatureInput(signature, "signature"),
    };
  }

  /**
   * Polls until the version is READY. Registration is synchronous today, so the
   * loop never runs: it waits only on a server that answers PENDING.
   */
  async #awaitReady(model: Model, seconds: number): Promise<Model> {
    const deadline = Date.now() + seconds * 1000;
    let current = model;
    if (seconds <= 0) return current; // 0: do not wait
    while (current.status === "PENDING") {
      if (Date.now() >= deadline) {
        throw new RegistryError("TIMEOUT", `${model.name}@${model.version} was not READY within ${seconds} s (awaitRegistration)`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      current = (await this.getModel({ name: model.name, version: model.version, project: model.project })) ?? current;
    }
    if (current.status === "FAILED")
      throw new RegistryError("INTERNAL_SERVER_ERROR", `registration of ${model.name}@${model.version} failed`);
    return current;
  }

  /**
   * One version, or null when it does not exist: by reference (`"mnist@3"`,
   * `"mnist@champion"`, `"mnist@latest"`, `"mnist@best:accuracy"`, `"mnist@best:loss:asc"`;
   * a bare name is the latest), or `{ name, version }`, or `{ name, alias }`. A
   * malformed reference or alias is BAD_USER_INPUT before any request.
   */
  async getModel(locator: ModelLocator): Promise<Model | null> {
    const { reference, project } = locate(locator);
    const { name, selector } = reference;
    const doing = `getModel ${formatModelRef(reference)}`;
    const scope = { name, project: project ?? this.project };
    switch (selector.kind) {
      case "version": {
        const data = await this.#run(GetModelDocument, { ...scope, version: selector.version }, doing);
        return data.model ? this.wrap(data.model) : null;
      }
      case "alias": {
        const data = await this.#run(GetModelByAliasDocument, { ...scope, alias: selector.alias }, doing);
        return data.model ? this.wrap(data.model) : null;
      }
      case "latest": {
        const data = await this.#run(ListModelsDocument, { ...scope, first: 1 }, doing);
        const [latest] = data.models.nodes;
        return latest ? this.wrap(latest) : null;
      }
      case "best":
        return this.getBestModel({ ...scope, metric: selector.metric, direction: selector.direction });
    }
  }

  /** A model's aliases, by name. */
  async getAliases(options: { readonly name: string; readonly project?: string }): Promise<ModelAlias[]> {
    optionsOf(options, "getAliases");
    const data = await this.#run(
      ModelAliasesDocument,
      { name: options.name, project: options.project ?? this.project },
      `getAliases ${options.name}`,
    );
    return data.modelAliases.map(toAlias);
  }

  /**
   * Points `alias` at a version, creating or moving it atomically; resolves to the
   * alias as set. NOT_FOUND when the version does not exist; FORBIDDEN to move a
   * protected alias, or to give `protected`, without an admin key.
   */
  async setAlias(options: {
    readonly name: string;
    readonly alias: string;
    readonly version: number;
    readonly project?: string;
    readonly protected?: boolean;
  }): Promise<ModelAlias> {
    optionsOf(options, "setAlias");
    const { name } = options;
    const version = assertVersion(options.version);
    const alias = assertAliasName(options.alias);
    const data = await this.#run(
      SetAliasDocument,
      { name, alias, version, project: options.project ?? this.project, protected: options.protected },
      `setAlias ${name}@${alias} to ${version}`,
      true,
    );
    return toAlias(data.setAlias);
  }

  /** Removes an alias; NOT_FOUND when absent, FORBIDDEN for a protected one without an admin key. */
  async removeAlias(options: { readonly name: string; readonly alias: string; readonly project?: string }): Promise<void> {
    optionsOf(options, "removeAlias");
    const alias = assertAliasName(options.alias);
    await this.#run(
      RemoveAliasDocument,
      { name: options.name, alias, project: options.project ?? this.project },
      `removeAlias ${options.name}@${alias}`,
      true,
    );
  }

  /** Protects an alias (or lifts it with `protected: false`): then moving or removing it needs admin. Needs an admin key. */
  async protectAlias(options: {
    readonly name: string;
    readonly alias: string;
    readonly protected: boolean;
    readonly project?: string;
  }): Promise<ModelAlias> {
    optionsOf(options, "protectAlias");
    const alias = assertAliasName(options.alias);
    if (typeof options.protected !== "boolean") {
      throw new RegistryError("BAD_USER_INPUT", "protected must be true or false", { field: "protected" });
    }
    const data = await this.#run(
      ProtectAliasDocument,
      { name: options.name, alias, protected: options.protected, project: options.project ?? this.project },
      `protectAlias ${options.name}@${alias}`,
      true,
    );
    return toAlias(data.protectAlias);
  }

  /**
   * The model card of a version: the text of its top-level `README.md`, or null (no
   * such file, over 256 KiB, not UTF-8, or no such version). Untrusted markdown:
   * sanitise it before rendering.
   */
  async getModelCard(options: { readonly name: string; readonly version: number; readonly project?: string }): Promise<string | null> {
    optionsOf(options, "getModelCard");
    const { name } = options;
    const version = assertVersion(options.version);
    const data = await this.#run(
      GetModelCardDocument,
      { name, version, project: options.project ?? this.project },
      `getModelCard ${name}@${version}`,
    );
    return data.model?.card ?? null;
  }

  /** Every version of a model, best first when sorted by a metric (pages are fetched for you). */
  async getModels(options: GetModelsOptions): Promise<Model[]> {
    const models: Model[] = [];
    for await (const model of this.iterateModels(options)) models.push(model);
    return models;
  }

  /** The versions one page at a time, for families too large to hold in memory. */
  async *iterateModels(options: GetModelsOptions): AsyncGenerator<Model, void, undefined> {
    optionsOf(options, "getModels");
    const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RegistryError("BAD_USER_INPUT", `pageSize must be from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`, { field: "pageSize" });
    }
    const variables = {
      name: options.name,
      sortKey: options.sortKey,
      direction: toDirection(options.direction),
      project: options.project ?? this.project,
      first: pageSize,
      filter: toFilterInput(options.filter),
    };
    const size = { first: pageSize };
    let after: string | null | undefined;
    const pages = new PageCursors(`getModels ${options.name}`);
    do {
      const data = await this.#page(size, (first) =>
        this.#run(ListModelsDocument, { ...variables, first, after }, `getModels ${options.name}`),
      );
      for (const node of data.models.nodes) yield this.wrap(node);
      after = pages.next(data.models.pageInfo);
    } while (after);
  }

  /**
   * The versions whose lineage names this version as a parent (pages fetched for you, every
   * one held in memory: a widely used base model may have thousands; `iterateDerivedModels`
   * reads them a page at a time), oldest registration first; only those in projects the API
   * key may read. NOT_FOUND when the version does not exist.
   */
  async getDerivedModels(options: GetDerivedModelsOptions): Promise<Model[]> {
    const models: Model[] = [];
    for await (const model of this.iterateDerivedModels(options)) models.push(model);
    return models;
  }

  /**
   * The derived versions one page at a time: a page is fetched only when the loop asks for
   * its first version, so `break` after the first few costs one request. NOT_FOUND (on the
   * first page) when the version does not exist.
   */
  async *iterateDerivedModels(options: GetDerivedModelsOptions): AsyncGenerator<Model, void, undefined> {
    optionsOf(options, "getDerivedModels");
    const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RegistryError("BAD_USER_INPUT", `pageSize must be from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`, { field: "pageSize" });
    }
    const { name } = options;
    const version = assertVersion(options.version);
    const variables = { name, version, project: options.project ?? this.project, first: pageSize };
    const size = { first: pageSize };
    let after: string | null | undefined;
    const pages = new PageCursors(`getDerivedModels ${name}@${version}`);
    do {
      const data = await this.#page(size, (first) =>
        this.#run(DerivedModelsDocument, { ...variables, first, after }, `getDerivedModels ${name}@${version}`),
      );
      if (!data.model) throw new RegistryError("NOT_FOUND", `model version ${name}@${version} not found`);
      for (const node of data.model.derivedModels.nodes) yield this.wrap(node);
      after = pages.next(data.model.derivedModels.pageInfo);
    } while (after);
  }

  /**
   * The project's models (one per name), by name in any case or most recently changed first;
   * those whose name starts with (or, with `match: "substring"`, contains) `search` when given.
   */
  async getModelFamilies(options: GetModelFamiliesOptions = {}): Promise<ModelFamily[]> {
    const families: ModelFamily[] = [];
    for await (const family of this.iterateModelFamilies(options)) families.push(family);
    return families;
  }

  /** The project's models one page at a time, for projects too large to hold in memory. */
  async *iterateModelFamilies(options: GetModelFamiliesOptions = {}): AsyncGenerator<ModelFamily, void, undefined> {
    optionsOf(options, "getModelFamilies");
    const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new RegistryError("BAD_USER_INPUT", `pageSize must be from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`, { field: "pageSize" });
    }
    const variables = {
      search: options.search,
      match: choice(options.match, "match", { prefix: "PREFIX", substring: "SUBSTRING" } as const),
      orderBy: choice(options.orderBy, "orderBy", { name: "NAME", updated: "UPDATED" } as const),
      project: options.project ?? this.project,
      first: pageSize,
    };
    const { best } = options;
    // Two documents, not one with @include: the query cost is estimated before variables are known.
    const size = { first: pageSize };
    const page = (
      after: string | null | undefined,
    ): Promise<ListModelFamiliesWithBestQuery["modelFamilies"] | ListModelFamiliesQuery["modelFamilies"]> =>
      this.#page(size, async (first) =>
        best === undefined
          ? (await this.#run(ListModelFamiliesDocument, { ...variables, first, after }, "getModelFamilies")).modelFamilies
          : (
              await this.#run(
                ListModelFamiliesWithBestDocument,
                { ...variables, first, after, bestMetric: best.metric, bestDirection: toDirection(best.direction) },
                "getModelFamilies",
              )
            ).modelFamilies,
      );
    let after: string | null | undefined;
    const pages = new PageCursors("getModelFamilies");
    do {
      const families = await page(after);
      for (const node of families.nodes) {
        yield {
          project: node.project,
          name: node.name,
          versionCount: node.versionCount,
          latestVersion: node.latestVersion,
          latestCreatedAt: new Date(node.latestCreatedAt),
          createdAt: new Date(node.createdAt),
          updatedAt: new Date(node.updatedAt),
          ...("best" in node ? { best: node.best === null ? null : this.wrap(node.best as ModelData) } : {}),
        };
      }
      after = pages.next(families.pageInfo);
    } while (after);
  }

  /** The best version by `metric` (highest unless direction "asc"), or null when none has it. */
  async getBestModel(options: {
    readonly name: string;
    readonly metric: string;
    readonly direction?: SortDirection;
    readonly project?: string;
    /** The best among the versions that match (e.g. latency < 20). */
    readonly filter?: ModelFilter;
  }): Promise<Model | null> {
    optionsOf(options, "getBestModel");
    const variables = {
      name: options.name,
      metric: options.metric,
      direction: toDirection(options.direction),
      project: options.project ?? this.project,
      filter: toFilterInput(options.filter),
    };
    const data = await this.#run(BestModelDocument, variables, `getBestModel ${options.name} by ${options.metric}`);
    return data.bestModel ? this.wrap(data.bestModel) : null;
  }

  /**
   * Edits a version's metadata without re-uploading (files never change); resolves
   * to the version as edited. With `expectedRevision`, CONFLICT when the version
   * is at another revision (nothing changed); NOT_FOUND when it does not exist.
   */
  async updateModel(options: UpdateModelOptions): Promise<Model> {
    optionsOf(options, "updateModel");
    const { name, version: given, project, addMetrics, removeMetrics, lineage, ...input } = options;
    const version = assertVersion(given);
    const data = await this.#run(
      UpdateModelDocument,
      {
        name,
        version,
        project: project ?? this.project,
        input: {
          ...stripUndefined(input),
          ...(input.tags !== undefined && { tags: jsonInput(input.tags, "tags") }),
          ...(input.mergeTags !== undefined && { mergeTags: jsonInput(input.mergeTags, "mergeTags") }),
          addMetrics: metricList(addMetrics, "addMetrics"),
          removeMetrics: removeMetrics && [...removeMetrics],
          lineage: lineageInput(lineage, "lineage"),
        },
      },
      `updateModel ${name}@${version}`,
      true,
    );
    return this.wrap(data.updateModel);
  }

  /**
   * Deletes a version; NOT_FOUND when it does not exist. CONFLICT when aliases point
   * at it (the error's `graphQLError.extensions.aliases` names them), unless `force`,
   * which removes them with it.
   */
  async deleteModel(options: {
    readonly name: string;
    readonly version: number;
    readonly project?: string;
    readonly force?: boolean;
  }): Promise<void> {
    optionsOf(options, "deleteModel");
    const { name } = options;
    const version = assertVersion(options.version);
    await this.#run(
      DeleteModelDocument,
      { name, version, project: options.project ?? this.project, force: options.force ?? false },
      `deleteModel ${name}@${version}`,
      true,
    );
  }

  /**
   * Live events of the project (of one model with `name`), each delivered after
   * its commit: `for await (const event of mr.watch({ name: "mnist" })) …`.
   * Breaking out of the loop closes the WebSocket.
   */
  watch(options: WatchOptions = {}): ModelWatch {
    return new ModelWatch(
      this.options,
      { project: options.project ?? this.project, name: options.name },
      (data) => this.wrap(data),
      options.signal,
    );
  }

  /**
   * Waits until a version another process registers exists (`version`
   * omitted: the next new one), woken by live events; TIMEOUT after
   * `timeoutSeconds` (300). Registering yourself needs no wait: createModel
   * answers once the version is committed.
   */
  awaitModel(options: AwaitModelOptions): Promise<Model> {
    return awaitModel(this, options);
  }

  /** @internal Model.download */
  async downloadModel(model: Model, dir: string, options: DownloadOptions): Promise<string> {
    const data = { files: model.files, name: model.name, version: model.version } as unknown as ModelData;
    const origin = new URL(this.options.url).origin;
    return this.#localFiles("download").download(data, dir, {
      ...options,
      headers: this.options.headers,
      origin,
      idleMs: this.options.idleMs,
    });
  }
}

/**
 * The cursor of the next page, or null after the last. A registry that names a page it has
 * already given as the next one (a broken cursor, or a proxy that answers every request alike)
 * would have the pages go round for ever, every call that fetches all of them gathering without
 * end: INTERNAL_SERVER_ERROR instead.
 */
class PageCursors {
  readonly #seen = new Set<string>();
  constructor(private readonly doing: string) {}

  next(pageInfo: { readonly hasNextPage: boolean; readonly endCursor?: string | null }): string | null {
    const cursor = pageInfo.hasNextPage ? (pageInfo.endCursor ?? null) : null;
    if (cursor === null) return null;
    if (this.#seen.has(cursor)) throw notShaped(this.doing, "it named a page it had already sent as the next one, so its pages never end");
    this.#seen.add(cursor);
    return cursor;
  }
}

/** What `getModel` was given, as a reference and a project. */
function locate(locator: ModelLocator): { reference: ModelReference; project: string | undefined } {
  if (typeof locator === "string") return { reference: parseModelRef(locator), project: undefined };
  if (typeof locator !== "object" || locator === null) {
    throw new RegistryError("BAD_USER_INPUT", 'getModel takes a reference ("mnist@champion") or { name, version } or { name, alias }', {
      field: "ref",
    });
  }
  if ("ref" in locator) return { reference: parseModelRef(locator.ref), project: locator.project };
  const { name, version, alias, project } = locator;
  if ((version === undefined) === (alias === undefined)) {
    throw new RegistryError("BAD_USER_INPUT", "give exactly one of version and alias", {
      field: version === undefined ? "version" : "alias",
    });
  }
  const selector =
    version !== undefined
      ? ({ kind: "version", version: assertVersion(version) } as const)
      : ({ kind: "alias", alias: assertAliasName(alias) } as const);
  return { reference: { name, selector }, project };
}

function toAlias(data: AliasFieldsFragment): ModelAlias {
  return { ...data, updatedAt: new Date(data.updatedAt), updatedBy: data.updatedBy ?? null };
}

/** `{ key: value }` as the schema's metric list, refusing what is no finite number before anything is sent. */
function metricList(metrics: Readonly<Record<string, number>> | undefined, field: string): { key: string; value: number }[] | undefined {
  if (metrics === undefined) return undefined;
  if (typeof metrics !== "object" || metrics === null || Array.isArray(metrics)) {
    throw new RegistryError("BAD_USER_INPUT", `${field} must be an object of numbers, e.g. { accuracy: 0.98 }`, { field });
  }
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new RegistryError("BAD_USER_INPUT", `metric "${key}" must be a finite number, got ${String(value)}`, {
        field: `${field}.${key}`,
      });
    }
  }
  return Object.entries(metrics).map(([key, value]) => ({ key, value }));
}

/**
 * `awaitRegistration` and `onProgress` of the wrong type, as BAD_USER_INPUT before anything is
 * read: an onProgress that is no function failed the upload half-way as a NETWORK_ERROR.
 */
function checkSaveOptions(options: SaveOptions): void {
  const { awaitRegistration, onProgress } = options as Record<string, unknown>;
  if (
    awaitRegistration !== undefined &&
    (typeof awaitRegistration !== "number" || !(awaitRegistration >= 0) || awaitRegistration === Infinity)
  ) {
    throw new RegistryError(
      "BAD_USER_INPUT",
      `awaitRegistration must be a number of seconds, 0 or more, not ${shownValue(awaitRegistration)}`,
      {
        field: "awaitRegistration",
      },
    );
  }
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new RegistryError("BAD_USER_INPUT", `onProgress must be a function, not ${shownValue(onProgress)}`, { field: "onProgress" });
  }
}

/** `value` when it is a list (its items are the schema's to check), else BAD_USER_INPUT on `field`. */
function stringList(value: unknown, field: string): readonly string[] {
  if (Array.isArray(value)) return value as string[];
  throw new RegistryError("BAD_USER_INPUT", `${field} must be a list of strings, not ${shownValue(value)}`, { field });
}

/** BAD_USER_INPUT unless a call's options are an object: null threw a bare TypeError, and a string was asked as if every field were missing. */
function optionsOf(options: unknown, call: string): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new RegistryError("BAD_USER_INPUT", `${call} takes an object of options, not ${shownValue(options)}`, { field: "options" });
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
