import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Caller } from "../access/caller.js";
import { BadInputError, NotFoundError, StorageError, VersionsExhaustedError, versionExists } from "../domain/errors.js";
import { BATCH, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_VERSION } from "../domain/limits.js";
import {
  ALL_PARTS,
  NO_PARTS,
  type FileRecord,
  type LargeColumnRef,
  type LargeColumnsRead,
  type MetricRecord,
  type ModelEventRecord,
  type ModelParts,
  type Role,
} from "../domain/records.js";
import type {
  AliasRecord,
  AliasRef,
  ByteRange,
  LineageDraft,
  FamilyRecord,
  ModelRecord,
  ModelRef,
  SignatureRecord,
  SortDirection,
} from "../domain/records.js";
import {
  assertAliasName,
  assertName,
  assertVersion,
  isName,
  isNamePart,
  isNamePrefix,
  storedFilePath,
  MAX_NAME_CHARS,
} from "../domain/rules.js";
import { assertLabel, assertStorable, isLabel, quote } from "../domain/text.js";
import { normaliseFilter, type ModelFilterInput } from "../domain/model-filter.js";
import type { BlobEntry, BlobReadable, BlobStore, PresignOptions, StagedBlob } from "../storage/blob-store.js";
import { eachLimited } from "../storage/each-limited.js";
import type { BestOfFamiliesQuery, FamilyOrder, ListPosition, MetadataStore } from "../storage/metadata-store.js";
import { MissingParentError, refKey, type LineageInput } from "../domain/lineage.js";
import {
  decodeCursor,
  decodeDerivedCursor,
  decodeFamilyCursor,
  encodeCursor,
  encodeDerivedCursor,
  encodeFamilyCursor,
  type CursorScope,
} from "./cursor.js";
import { stageFiles, type IncomingFile } from "./incoming-file.js";
import { checkAliasChange, checkAliasedDelete, checkAliasedOverwrite, checkAliasRemoval } from "./alias-rules.js";
import { validateCreate } from "./validate-create.js";
import { ModelCardReader } from "./model-card.js";
import { validateUpdate, type UpdateModelChanges } from "./validate-update.js";
import type { EventItem } from "./event-stream.js";
import type { ModelEventHub, Recheck } from "./model-events.js";

/** Listings of a version's files `filesOf` tries when a blob goes between the listing and the hold. */
const HOLD_ATTEMPTS = 3;
/**
 * How long an archive's hold on its blobs outlives its last renewal (renewed every third
 * of it): what a gateway that died mid-archive keeps from reclaiming, at most.
 */
export const ARCHIVE_HOLD_MS = 10 * 60_000;

/** A file a caller may read: what the registry knows of it, and its bytes on demand. */
export interface StoredFile {
  readonly record: FileRecord;
  /** Opens the bytes (all, or `range`); NOT_FOUND when the version was deleted meanwhile, a StorageError when they are lost. */
  read(range?: ByteRange): Promise<BlobReadable>;
  /**
   * A short-lived URL that reads the bytes straight from the blob store, named
   * `fileName` for the browser; absent when the store has no such URLs.
   */
  readonly presign?: (options: PresignOptions) => Promise<string>;
}

/** A version as a caller names it: `project` omitted means the caller's default. */
export interface ModelRefInput {
  readonly project?: string | null;
  readonly name: string;
  readonly version: number;
}
/** An alias as a caller names it: `project` omitted means the caller's default. */
export interface AliasRefInput {
  readonly project?: string | null;
  readonly name: string;
  readonly alias: string;
}

/** A version named by its number or by an alias pointing at it: exactly one of the two. */
export interface ModelLookup {
  readonly project?: string | null;
  readonly name: string;
  readonly version?: number | null;
  readonly alias?: string | null;
}

/** Longer than any valid metric key (128), short enough to keep cursors small. */
const MAX_SORT_KEY = 256;

/** Staged copies dropped at once after a registration (each an S3 request there). */
const DISCARDS_AT_ONCE = 8;

/** A page size from `min` to MAX_PAGE_SIZE (DEFAULT_PAGE_SIZE when absent), or BAD_USER_INPUT on `first`. */
function assertPageSize(first: number | null | undefined, min = 1): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < min || size > MAX_PAGE_SIZE) {
    throw new BadInputError(`first must be from ${min} to ${MAX_PAGE_SIZE}, got ${size}`, "first");
  }
  return size;
}

export interface RegistryLimits {
  readonly maxFileSize: number;
  readonly maxFiles: number;
  readonly maxInputExampleBytes: number;
  /** Largest `flavors`, as serialized JSON; DEFAULT_MAX_FLAVORS_BYTES when unset. */
  readonly maxFlavorsBytes?: number;
  /** How long an archive's hold outlives its last renewal; ARCHIVE_HOLD_MS when unset. */
  readonly archiveHoldMs?: number;
}

export interface CreateModelCommand {
  readonly project?: string | null;
  readonly name: string;
  readonly version?: number | null;
  readonly description?: string | null;
  readonly metrics?: readonly MetricRecord[] | null;
  readonly framework?: string | null;
  readonly signature?: SignatureRecord | null;
  readonly inputExample?: unknown;
  readonly tags?: Readonly<Record<string, unknown>> | null;
  /** Each flavor's own MLmodel details, by flavor name (validated: a JSON object of objects). */
  readonly flavors?: unknown;
  readonly tfMetaGraphTags?: readonly string[] | null;
  /** Where the version comes from; its parents must exist and be readable by the caller. */
  readonly lineage?: LineageInput | null;
  readonly files?: readonly IncomingFile[] | null;
  readonly overwrite?: boolean | null;
  readonly createdBy?: string | null;
}

export interface ListModelsQuery {
  readonly project?: string | null;
  readonly name: string;
  readonly sortKey?: string | null;
  readonly direction?: SortDirection | null;
  readonly first?: number | null;
  readonly after?: string | null;
  /** Parts read with every node; all by default. */
  readonly parts?: ModelParts;
  /** Only versions that match; validated here (see `normaliseFilter`). */
  readonly filter?: ModelFilterInput | null;
}

/** The first version of a metric sort among those the filter keeps; parts all by default. */
export type BestModelQuery = Pick<ListModelsQuery, "project" | "name" | "direction" | "parts" | "filter"> & { readonly metric: string };

export interface ModelPage {
  readonly nodes: ModelRecord[];
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
  /** Counted only when asked for. */
  readonly totalCount: () => Promise<number>;
}

/**
 * A page of versions whose end cursor is encoded only when read (most pages are read
 * without it). A class with the getter on its prototype, not an object literal with a
 * `get`: V8 allocates a literal's accessor pair in the old generation, and that dead
 * pair would keep its closure's scope (the page's records, the request) alive through
 * every young-generation collection until the next full one — measured as ~30 KB
 * promoted per listing request.
 */
class ListedPage implements ModelPage {
  #endCursor: string | null | undefined;

  constructor(
    readonly nodes: ModelRecord[],
    readonly hasNextPage: boolean,
    private readonly scope: CursorScope,
    private readonly lastPosition: ListPosition | undefined,
    readonly totalCount: () => Promise<number>,
  ) {}

  get endCursor(): string | null {
    if (this.#endCursor === undefined) this.#endCursor = this.lastPosition ? encodeCursor(this.scope, this.lastPosition) : null;
    return this.#endCursor;
  }
}

export interface ListFamiliesQuery {
  readonly project?: string | null;
  /** Part of a name, matched case-insensitively; null or "" lists every family. */
  readonly search?: string | null;
  /** Whether names start with `search` (the default) or contain it anywhere. */
  readonly match?: "PREFIX" | "SUBSTRING" | null;
  /** By name (the default) or most recently changed first. */
  readonly orderBy?: FamilyOrder | null;
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface DerivedModelsQuery {
  readonly first?: number | null;
  readonly after?: string | null;
  /** Parts read with every node; all by default. */
  readonly parts?: ModelParts;
}

export interface DerivedPage {
  readonly nodes: ModelRecord[];
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

export interface FamilyPage {
  readonly nodes: FamilyRecord[];
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

/** Events' versions kept read for the subscribers still to deliver them (`getEventModel`). */
const SHARED_EVENT_READS = 32;

/**
 * The registry's rules: validation, atomic registration, metric-sorted listing and
 * blob reclaiming. Transport-agnostic: GraphQL resolvers and HTTP routes call it.
 */
export class RegistryService {
  readonly #cards: ModelCardReader;
  /** The `release` of each archive's hold not let go yet (`releaseHolds`). */
  readonly #holds = new Set<() => Promise<void>>();
  /** The last events' versions as read for their subscribers, by seq and the parts asked, oldest first (`getEventModel`). */
  readonly #eventReads = new Map<string, Promise<ModelRecord | null>>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly limits: RegistryLimits,
    private readonly log: Logger,
    private readonly events?: ModelEventHub,
    /**
     * The caller as the database has it now (`AccessService.recheck`), asked before every
     * change: a request is authenticated when its headers arrive, and its operation may run
     * long after (a slow body, an upload), when its key may have been revoked. Without it (a
     * registry over bare stores, in tests) changes trust the caller as given.
     */
    private readonly recheck?: Recheck,
  ) {
    this.#cards = new ModelCardReader(blobs);
  }

  /** Throws (UNAUTHENTICATED) unless the caller's key still stands now, just before a change. */
  async #stillAllowed(caller: Caller): Promise<void> {
    await this.recheck?.(caller);
  }

  /**
   * The project a call is about — `project` or the caller's default — once the
   * caller is allowed `role` on it. Checked before anything is looked up, so a
   * caller learns nothing about projects it may not read.
   */
  #project(caller: Caller, project: string | null | undefined, role: Role, field = "project"): string {
    const name = assertName(project ?? caller.defaultProject, field);
    caller.require(name, role);
    return name;
  }

  /** A version reference from caller input, permission checked. */
  #ref(caller: Caller, ref: ModelRefInput, role: Role): ModelRef {
    return {
      project: this.#project(caller, ref.project, role),
      name: assertName(ref.name, "name"),
      version: assertVersion(ref.version, "version"),
    };
  }

  /** A version whole (with `parts`, all by default), or null when absent. */
  getModel(caller: Caller, ref: ModelRefInput, parts: ModelParts = ALL_PARTS): Promise<ModelRecord | null> {
    return this.metadata.getModel(this.#ref(caller, ref, "read"), parts);
  }

  /**
   * The version an event is about, read once for all the subscribers that ask it the same
   * `parts` (each caller checked for read): every subscriber of a project read it again, so
   * 100 subscribers made each registration 100 reads, and 1,000 registrations took 50 s
   * where they took 11 s with none. Only the last `SHARED_EVENT_READS` reads are kept (a
   * version read whole may be a MiB): kept for as long as any subscriber held its event, one
   * subscriber 1,000 events behind kept 1,000 versions. A failed read is not kept.
   */
  getEventModel(caller: Caller, event: ModelEventRecord, parts: ModelParts): Promise<ModelRecord | null> {
    const ref = this.#ref(caller, event, "read");
    // By value: graphql-js works out a field's selection again for every event.
    const key = `${event.seq} ${JSON.stringify(parts)}`;
    let read = this.#eventReads.get(key);
    if (!read) {
      this.#eventReads.set(key, (read = this.metadata.getModel(ref, parts)));
      const failed = read;
      failed.catch(() => this.#eventReads.get(key) === failed && this.#eventReads.delete(key));
      if (this.#eventReads.size > SHARED_EVENT_READS) this.#eventReads.delete(this.#eventReads.keys().next().value!);
    }
    return read;
  }

  /** A version by number or by alias (exactly one), with `parts`; null when absent. */
  async findModel(caller: Caller, lookup: ModelLookup, parts: ModelParts = ALL_PARTS): Promise<ModelRecord | null> {
    const { version, alias } = lookup;
    // The project first: a caller learns nothing of projects it may not read, its mistakes included.
    this.#project(caller, lookup.project, "read");
    if ((version == null) === (alias == null)) {
      throw new BadInputError("give exactly one of version and alias", version == null ? "version" : "alias");
    }
    if (version != null) return this.getModel(caller, { ...lookup, version }, parts);
    return this.metadata.getAliasedModel(this.#aliasRef(caller, { ...lookup, alias: alias! }, "read"), parts);
  }

  /** An alias reference from caller input, permission checked. */
  #aliasRef(caller: Caller, ref: AliasRefInput, role: Role): AliasRef {
    return {
      project: this.#project(caller, ref.project, role),
      name: assertName(ref.name, "name"),
      alias: assertAliasName(ref.alias, "alias"),
    };
  }

  /** A family's aliases, by name. */
  /** The aliases of each of a project's families (a page of them, listed for this caller), in one read. */
  async aliasesOfFamilies(caller: Caller, project: string, names: readonly string[]): Promise<ReadonlyMap<string, AliasRecord[]>> {
    caller.require(project, "read");
    return this.metadata.listAliasesOfFamilies(
      project,
      names.map((name) => assertName(name, "name")),
    );
  }

  async listAliases(caller: Caller, query: { readonly project?: string | null; readonly name: string }): Promise<AliasRecord[]> {
    return this.metadata.listAliases(this.#project(caller, query.project, "read"), assertName(query.name, "name"));
  }

  /**
   * Points an alias at a version (creating or moving it) in one transaction under
   * the family's lock; ALIAS_SET is recorded when it now points elsewhere. Needs
   * write; moving a protected alias, or changing whether it is protected, needs
   * admin. NOT_FOUND when the version does not exist.
   */
  async setAlias(
    caller: Caller,
    input: AliasRefInput & { readonly version: number; readonly protected?: boolean | null },
  ): Promise<AliasRecord> {
    const ref = this.#aliasRef(caller, input, "write");
    const version = assertVersion(input.version, "version");
    const wanted = input.protected ?? undefined;
    const admin = caller.can(ref.project, "admin");
    await this.#stillAllowed(caller);
    const outcome = await this.metadata.setAlias({
      ref,
      version,
      protected: wanted,
      updatedBy: caller.keyId,
      check: (current) => checkAliasChange(ref, current, { version, protected: wanted }, admin),
    });
    if (outcome.missing !== undefined) throw new NotFoundError("model version", `${ref.project}/${ref.name}@${version}`);
    const { alias, previous } = outcome;
    if (previous?.version !== alias.version || previous.protected !== alias.protected) {
      this.log.info(
        { audit: "alias.set", by: caller.who, ...ref, from: previous?.version ?? null, version: alias.version, protected: alias.protected },
        "audit",
      );
    }
    return alias;
  }

  /** Protects an alias (or lifts it): then moving or removing it needs admin. Needs admin; NOT_FOUND when absent. */
  async protectAlias(caller: Caller, input: AliasRefInput & { readonly protected: boolean }): Promise<AliasRecord> {
    const ref = this.#aliasRef(caller, input, "admin");
    if (typeof input.protected !== "boolean") throw new BadInputError("protected must be true or false", "protected");
    await this.#stillAllowed(caller);
    const outcome = await this.metadata.setAlias({
      ref,
      version: undefined,
      protected: input.protected,
      updatedBy: caller.keyId,
      check: () => {},
    });
    if (outcome.missing !== undefined) throw new NotFoundError("alias", `${ref.project}/${ref.name}@${ref.alias}`);
    if (outcome.previous?.protected !== input.protected) {
      this.log.info({ audit: "alias.protect", by: caller.who, ...ref, protected: input.protected }, "audit");
    }
    return outcome.alias;
  }

  /** Removes an alias (recording ALIAS_REMOVED); a protected one needs admin. NOT_FOUND when absent. */
  async removeAlias(caller: Caller, input: AliasRefInput): Promise<void> {
    const ref = this.#aliasRef(caller, input, "write");
    const admin = caller.can(ref.project, "admin");
    await this.#stillAllowed(caller);
    const removed = await this.metadata.removeAlias(ref, (current) => checkAliasRemoval(ref, current, admin));
    if (!removed) throw new NotFoundError("alias", `${ref.project}/${ref.name}@${ref.alias}`);
    this.log.info({ audit: "alias.remove", by: caller.who, ...ref, version: removed.version }, "audit");
  }

  /**
   * The model card of `model` — a version read with the `card` part — once the caller
   * may read its project: the text of its top-level `README.md`, or null (none, more
   * than MAX_CARD_BYTES, not UTF-8, or deleted since). Untrusted markdown.
   */
  async readCard(caller: Caller, model: ModelRecord): Promise<string | null> {
    caller.require(model.project, "read");
    if (model.cardFile === undefined) throw new Error("the model card's file was not read with the version");
    return this.#cards.read(model.cardFile);
  }

  /**
   * Large columns of versions read before with `largeSizes`, by row id (`readLarge`), with
   * each row's revision; a version deleted or replaced since has no entry. The caller must
   * read their projects.
   */
  readLarge(caller: Caller, wanted: readonly (LargeColumnRef & { readonly project: string })[]): Promise<Map<number, LargeColumnsRead>> {
    for (const project of new Set(wanted.map((w) => w.project))) caller.require(project, "read");
    return this.metadata.readLarge(wanted);
  }

  async listModels(caller: Caller, query: ListModelsQuery): Promise<ModelPage> {
    const project = this.#project(caller, query.project, "read");
    const name = assertName(query.name, "name");
    const first = assertPageSize(query.first, 0);
    // An unknown or invalid key is not an error: every version simply lacks it.
    const sortKey = query.sortKey == null ? null : assertStorable(query.sortKey, "sortKey");
    if (sortKey !== null && sortKey.length > MAX_SORT_KEY) {
      throw new BadInputError(`sortKey is longer than ${MAX_SORT_KEY} characters`, "sortKey");
    }
    const direction = query.direction ?? "DESC";
    const filter = normaliseFilter(query.filter);
    const scope = { project, name, sortKey, direction, filter } as const;
    const after = query.after != null ? decodeCursor(query.after, scope) : null;
    const parts = query.parts ?? ALL_PARTS;
    const listed =
      first === 0 ? [] : await this.metadata.listModels({ project, name, sortKey, direction, limit: first + 1, after, parts, filter });
    const page = listed.slice(0, first);
    return new ListedPage(
      page.map((l) => l.model),
      listed.length > first,
      scope,
      page.at(-1)?.position,
      () => this.metadata.countModels(project, name),
    );
  }

  /**
   * A project's model families by name (case-insensitively) or most recently changed
   * first, those whose name starts with (or contains) `search` in any case. `search`
   * is plain text: no character is a wildcard, and one no name can hold finds nothing.
   */
  async listFamilies(caller: Caller, query: ListFamiliesQuery): Promise<FamilyPage> {
    const project = this.#project(caller, query.project, "read");
    const search = query.search == null ? "" : assertLabel(query.search, "search", MAX_NAME_CHARS);
    const first = assertPageSize(query.first);
    const match = query.match ?? "PREFIX";
    const scope = { project, search: search.toLowerCase(), match, order: query.orderBy ?? "NAME" } as const;
    const after = query.after != null ? decodeFamilyCursor(query.after, scope) : null;
    const possible = match === "PREFIX" ? isNamePrefix(search) : isNamePart(search);
    const listed = possible ? await this.metadata.listFamilies({ ...scope, limit: first + 1, after }) : [];
    const page = listed.slice(0, first);
    const last = page.at(-1);
    return {
      nodes: page,
      hasNextPage: listed.length > first,
      endCursor: last
        ? encodeFamilyCursor(
            scope,
            scope.order === "NAME"
              ? { order: "NAME", name: last.name }
              : { order: "UPDATED", updatedAt: last.updatedAt.getTime(), name: last.name },
          )
        : null,
    };
  }

  /** The first version of the metric sort, or null when no version has the metric. */
  async bestModel(caller: Caller, query: BestModelQuery): Promise<ModelRecord | null> {
    const project = this.#project(caller, query.project, "read");
    const name = assertName(query.name, "name");
    const filter = normaliseFilter(query.filter);
    // Metric keys follow the name rule: no version can have any other key.
    if (!isName(assertStorable(query.metric, "metric"))) return null;
    const [top] = await this.metadata.listModels({
      filter,
      project,
      name,
      sortKey: query.metric,
      direction: query.direction ?? "DESC",
      limit: 1,
      after: null,
      parts: query.parts ?? ALL_PARTS,
    });
    return top?.position.phase === "metric" ? top.model : null;
  }

  /**
   * Each of a project's families' first version of the metric sort, as `bestModel`
   * answers for each name (absent when none has the metric), in one read.
   */
  async bestOfFamilies(caller: Caller, query: BestOfFamiliesQuery): Promise<ReadonlyMap<string, ModelRecord>> {
    caller.require(query.project, "read");
    const names = query.names.map((name) => assertName(name, "name"));
    // Metric keys follow the name rule: no version can have any other key.
    if (!isName(assertStorable(query.metric, "metric"))) return new Map();
    return this.metadata.bestOfFamilies({ ...query, names });
  }

  async createModel(caller: Caller, command: CreateModelCommand): Promise<ModelRecord> {
    const files = command.files ?? [];
    let draftFiles: IncomingFile[];
    let draft;
    try {
      const project = this.#project(caller, command.project, "write", "input.project");
      ({ draft, draftFiles } = validateCreate({ ...command, project, createdBy: caller.keyId }, files, this.limits));
      draft = { ...draft, lineage: this.#asSeenBy(caller, draft.lineage) };
    } catch (error) {
      for (const file of files) file.skip();
      throw error;
    }
    if (draft.version !== undefined) {
      // Fail before receiving gigabytes that would be refused; the transaction still decides races.
      const ref = { project: draft.project, name: draft.name, version: draft.version };
      try {
        if (!draft.overwrite) {
          if (await this.metadata.getModel(ref, NO_PARTS)) throw versionExists(ref);
        } else if (!caller.can(ref.project, "admin")) {
          const aliases = await this.metadata.listAliases(ref.project, ref.name);
          checkAliasedOverwrite(
            ref,
            aliases.filter((a) => a.version === ref.version),
            false,
          );
        }
      } catch (error) {
        for (const file of files) file.skip();
        throw error;
      }
    }
    const staged = await stageFiles(draftFiles, this.blobs, this.limits.maxFileSize);
    // Where the store can, blobs are made addressable and durable before the metadata
    // transaction, which then only confirms them (cheaply) under its locks: the write
    // lock is held for the statements alone, not for renames and directory fsyncs.
    let published = false;
    try {
      // After the upload, which may have taken long: the key must still stand at the commit.
      await this.#stillAllowed(caller);
      published = (await this.blobs.publish?.(staged)) ?? false;
      const { model, releasedBlobs } = await this.metadata.createModel(
        { ...draft, files: staged.map(({ path, sha256, sizeBytes }) => ({ path, sha256, sizeBytes })) },
        published ? () => this.blobs.confirm!(staged) : () => this.blobs.promote(staged),
        // What a protected alias serves changes only with admin, whether moved or replaced.
        (aliases) => checkAliasedOverwrite({ ...draft, version: draft.version! }, aliases, caller.can(draft.project, "admin")),
      );
      if (published) await this.#dropStaged(staged);
      this.log.info(
        {
          audit: releasedBlobs.length > 0 || draft.overwrite ? "model.write" : "model.create",
          by: caller.who,
          project: model.project,
          name: model.name,
          version: model.version,
          overwrite: draft.overwrite,
        },
        "audit",
      );
      // A plain create releases nothing: no reclaim transaction, no reserve check.
      if (releasedBlobs.length > 0) await this.#reclaim(releasedBlobs);
      return model;
    } catch (error) {
      await eachLimited(staged, DISCARDS_AT_ONCE, (blob) => this.blobs.discard(blob)).catch(() => {});
      if (published) await this.#reclaimPublished(staged);
      if (error instanceof VersionsExhaustedError) {
        const family = `${error.project}/${error.family}`;
        throw new BadInputError(
          `${family} has used every version number up to ${MAX_VERSION}; give a free version explicitly`,
          "input.version",
        );
      }
      throw error;
    }
  }

  /**
   * Edits a version's metadata (description, tags, metrics) in one transaction that
   * also records an UPDATED event; files never change. CONFLICT when
   * `expectedRevision` is given and the version is at another revision.
   */
  async updateModel(
    caller: Caller,
    input: ModelRefInput,
    changes: UpdateModelChanges,
    parts: ModelParts = ALL_PARTS,
  ): Promise<ModelRecord> {
    const ref = this.#ref(caller, input, "write");
    const validated = validateUpdate(ref, changes, caller.keyId);
    const edit = { ...validated, lineage: this.#asSeenBy(caller, validated.lineage), parts };
    await this.#stillAllowed(caller);
    const model = await this.metadata.updateModel(edit);
    if (!model) throw new NotFoundError("model version", `${ref.project}/${ref.name}@${ref.version}`);
    this.log.info({ audit: "model.update", by: caller.who, ...ref, revision: model.revision }, "audit");
    return model;
  }

  /**
   * Lineage as the caller may name it: parents must be versions it may read (one it
   * may not is refused exactly as a missing one is; the store checks existence in its
   * transaction), and the cycle check follows only versions it may read.
   */
  #asSeenBy<L extends LineageDraft | null | undefined>(caller: Caller, lineage: L): L {
    if (!lineage) return lineage;
    const hidden = lineage.parents.find((p) => !caller.can(p.project, "read"));
    if (hidden) throw new MissingParentError(hidden);
    return { ...lineage, visibleProjects: caller.readableProjects() };
  }

  /**
   * A parent named by a version's lineage, as the caller may see it: the version
   * (with `parts`), or null when it was deleted or the caller may not read its project.
   */
  async getParent(caller: Caller, ref: ModelRef, parts: ModelParts = ALL_PARTS): Promise<ModelRecord | null> {
    return (await this.getParents(caller, [ref], parts)).get(refKey(ref)) ?? null;
  }

  /**
   * The parents `refs` name (a page's, gathered), as `getParent` reads each, by
   * `refKey`, in one read: those deleted or in projects the caller may not read have no entry.
   */
  async getParents(caller: Caller, refs: readonly ModelRef[], parts: ModelParts = ALL_PARTS): Promise<Map<string, ModelRecord>> {
    const readable = refs.filter((ref) => caller.can(ref.project, "read"));
    return readable.length === 0 ? new Map() : this.metadata.getModels(readable, parts);
  }

  /**
   * The versions whose lineage names `parent` (read by the caller already), oldest
   * registration first, only those in projects the caller may read.
   */
  async listDerived(caller: Caller, parent: ModelRef, query: DerivedModelsQuery): Promise<DerivedPage> {
    return (await this.listDerivedOf(caller, [parent], query))[0]!;
  }

  /**
   * The versions whose lineage names the version `input` names (read on its project
   * needed), whether it exists or was deleted: a reference outlives its parent.
   */
  async listDerivedOfRef(caller: Caller, input: ModelRefInput, query: DerivedModelsQuery): Promise<DerivedPage> {
    return this.listDerived(caller, this.#ref(caller, input, "read"), query);
  }

  /**
   * `listDerived` of each of `parents` (a page's versions), in their order, read together
   * (a statement per 100 parents). A cursor (`after`) pages one parent's only.
   */
  async listDerivedOf(caller: Caller, parents: readonly ModelRef[], query: DerivedModelsQuery): Promise<DerivedPage[]> {
    for (const parent of parents) caller.require(parent.project, "read");
    const first = assertPageSize(query.first, 0);
    if (query.after != null && parents.length !== 1) throw new Error("a derived versions' cursor pages one parent's");
    const afterId = query.after != null ? decodeDerivedCursor(query.after, refKey(parents[0]!)) : null;
    const listed =
      first === 0
        ? parents.map(() => [])
        : await this.metadata.listDerived({
            parents: parents.map((parent) => ({ project: parent.project, name: parent.name, version: parent.version })),
            projects: caller.readableProjects(),
            limit: first + 1,
            afterId,
            parts: query.parts ?? ALL_PARTS,
          });
    return listed.map((rows, i) => {
      const page = rows.slice(0, first);
      const last = page.at(-1);
      return { nodes: page, hasNextPage: rows.length > first, endCursor: last ? encodeDerivedCursor(refKey(parents[i]!), last.id) : null };
    });
  }

  /**
   * Deletes a version. CONFLICT when aliases point at it (named in the message and
   * `details.aliases`), unless `force`, which removes them with it (a protected
   * one needs admin).
   */
  async deleteModel(caller: Caller, input: ModelRefInput, options: { readonly force?: boolean | null } = {}): Promise<void> {
    const ref = this.#ref(caller, input, "write");
    const admin = caller.can(ref.project, "admin");
    let dropped: readonly string[] = [];
    await this.#stillAllowed(caller);
    const released = await this.metadata.deleteModel(ref, (aliases) => {
      checkAliasedDelete(ref, aliases, { force: options.force ?? false, admin });
      dropped = aliases.map((a) => a.alias);
    });
    if (released === null) throw new NotFoundError("model version", `${ref.project}/${ref.name}@${ref.version}`);
    for (const alias of dropped) this.log.info({ audit: "alias.remove", by: caller.who, ...ref, alias }, "audit");
    this.log.info({ audit: "model.delete", by: caller.who, ...ref }, "audit");
    await this.#reclaim(released);
  }

  /**
   * Changes to a project's versions (of one model when `name` is given) from
   * now on, each delivered after its commit. The project must exist (created,
   * or holding a model) and the caller must be allowed to read it.
   */
  async watchModels(caller: Caller, query: { project?: string | null; name?: string | null }): Promise<AsyncIterableIterator<EventItem>> {
    const project = this.#project(caller, query.project, "read");
    const name = query.name == null ? null : assertName(query.name, "name");
    if (!this.events) throw new Error("this registry was assembled without an event hub");
    if (!(await this.metadata.projectExists(project))) throw new NotFoundError("project", project);
    return this.events.subscribe(caller, { project, name });
  }

  /**
   * Staged copies of blobs published and committed: leftovers are swept at the next start.
   * A few at a time: on S3 each is a request, and a version of thousands of files is not
   * thousands of requests queued at once behind the client's sockets.
   */
  async #dropStaged(staged: readonly StagedBlob[]): Promise<void> {
    try {
      await eachLimited(staged, DISCARDS_AT_ONCE, (blob) => this.blobs.discard(blob));
    } catch (error) {
      this.log.warn({ err: error }, "dropping staged copies failed; they are swept at the next start");
    }
  }

  /**
   * Blobs published for a registration that did not commit: as the orphan scan
   * would, give a row to those no row names and reclaim them unless referenced.
   * A concurrent registration of the same bytes publishes them again when it
   * confirms. Best effort: what fails here the next start's scan finds.
   */
  async #reclaimPublished(staged: readonly StagedBlob[]): Promise<void> {
    try {
      const adopted = await this.metadata.adoptBlobs(staged.map(({ sha256, sizeBytes }) => ({ sha256, sizeBytes })));
      await this.metadata.reclaimBlobs(adopted, (sha) => this.blobs.delete(sha));
    } catch (error) {
      this.log.warn({ err: error }, "reclaiming the blobs of a failed registration failed; the next start's scan finds them");
    }
  }

  /** Reclaiming is best effort: what fails here is swept at the next start. */
  async #reclaim(candidates: readonly string[]): Promise<void> {
    try {
      const reclaimed = await this.metadata.reclaimBlobs(candidates, (sha) => this.blobs.delete(sha));
      if (reclaimed.length > 0) this.log.debug({ reclaimed: reclaimed.length }, "reclaimed unreferenced blobs");
    } catch (error) {
      this.log.warn({ err: error }, "blob reclaim failed; it will be retried at start-up");
    }
  }

  /**
   * A file of a version, once the caller may read it: its record, and `read` to
   * open its bytes (all, or `range`). The only way to a file's bytes.
   */
  async openFile(caller: Caller, input: ModelRefInput, path: string): Promise<StoredFile> {
    const ref = this.#ref(caller, input, "read");
    assertStorable(path, "path");
    // A path no upload could have stored is simply absent: it never reaches the database.
    // Either Unicode spelling of a stored name finds it (a name typed or listed on macOS is decomposed, NFD).
    const stored = storedFilePath(path);
    const file = stored === null ? null : await this.metadata.getFile(ref, stored);
    if (!file) throw new NotFoundError("file", `${ref.project}/${ref.name}@${ref.version}/${isLabel(path) ? path : quote(path, 256)}`);
    return this.#stored(ref, file);
  }

  /**
   * All files of a version as of one moment (for archives), once the caller may read it.
   * With `hold`, no reclaim on any replica removes their bytes until `release` (a hold in
   * the database, renewed while it lasts; one whose gateway died ends `archiveHoldMs`
   * after its last renewal), so an archive streaming while the version is overwritten or
   * deleted still ends whole, with the files it listed, on every blob store. A blob
   * reclaimed between the listing and the hold (the version replaced just then): listed again.
   */
  async filesOf(
    caller: Caller,
    input: ModelRefInput,
    options: { readonly hold?: boolean } = {},
  ): Promise<{ ref: ModelRef; files: readonly StoredFile[]; release: () => Promise<void> }> {
    const ref = this.#ref(caller, input, "read");
    for (let attempt = 1; ; attempt++) {
      const model = await this.metadata.getModel(ref, { metrics: false, files: true });
      if (!model) throw new NotFoundError("model version", `${ref.project}/${ref.name}@${ref.version}`);
      const files = (model.files ?? []).map((record) => this.#stored(ref, record));
      if (!options.hold || files.length === 0) return { ref, files, release: async () => {} };
      try {
        return { ref, files, release: await this.#hold(files.map((file) => file.record.sha256)) };
      } catch (error) {
        if (error instanceof NotFoundError) {
          if (attempt < HOLD_ATTEMPTS) continue;
          throw error;
        }
        // A hold is a write (a full disk, a database refusing writes): the archive still
        // streams, unheld, as a single file's download would; only a race can break it off.
        this.log.warn({ err: error }, "an archive's blobs could not be held; it streams without a hold");
        return { ref, files, release: async () => {} };
      }
    }
  }

  /** Holds `shas` (`MetadataStore.holdBlobs`), renewed until the returned `release`, which reclaims what the hold alone kept. */
  async #hold(shas: readonly string[]): Promise<() => Promise<void>> {
    const holdMs = this.limits.archiveHoldMs ?? ARCHIVE_HOLD_MS;
    const holdId = randomUUID();
    await this.metadata.holdBlobs(holdId, shas, holdMs);
    const renewal = setInterval(() => {
      this.metadata.renewHold(holdId, holdMs).catch((error: unknown) => {
        this.log.warn({ err: error }, "renewing an archive's hold on its blobs failed; it lapses unless a later renewal works");
      });
    }, holdMs / 3);
    renewal.unref();
    let released: Promise<void> | undefined;
    const release = () =>
      (released ??= (async () => {
        clearInterval(renewal);
        this.#holds.delete(release);
        try {
          const candidates = await this.metadata.releaseHold(holdId);
          if (candidates.length > 0) await this.#reclaim(candidates);
        } catch (error) {
          this.log.warn({ err: error }, "letting go of an archive's hold on its blobs failed; it lapses by itself");
        }
      })());
    this.#holds.add(release);
    return release;
  }

  /**
   * Lets go of every hold not let go yet (shutting down, before the stores close: the
   * archives that held them were cut off, and their own release would find the stores
   * closed and leave holds that outlive the next start).
   */
  async releaseHolds(): Promise<void> {
    await Promise.all([...this.#holds].map((release) => release()));
  }

  #stored(ref: ModelRef, record: FileRecord): StoredFile {
    const blobs = this.blobs;
    return {
      record,
      read: (range) => blobs.read(record.sha256, range, record.sizeBytes).catch((error: unknown) => this.#lostOrGone(error, ref, record)),
      ...(blobs.presignRead ? { presign: (options: PresignOptions) => blobs.presignRead!(record.sha256, options) } : {}),
    };
  }

  /**
   * A file's bytes absent from the blob store: NOT_FOUND when its version was deleted, or
   * the file replaced, since its record was read (a reclaim took them). When the version
   * still names them they are lost — a blob store restored from a copy that lacks them —
   * and a 404 would tell the client the version is gone: a StorageError (masked 500),
   * logged with the file for the operator to restore.
   */
  async #lostOrGone(error: unknown, ref: ModelRef, record: FileRecord): Promise<never> {
    if (!(error instanceof NotFoundError) || (await this.metadata.getFile(ref, record.path))?.sha256 !== record.sha256) throw error;
    const file = { project: ref.project, name: ref.name, version: ref.version, path: record.path, sha256: record.sha256 };
    this.log.error({ missingBlob: file }, "a file of a version in the registry is missing from the blob store: restore its blob");
    throw new StorageError(`the blob ${record.sha256} of a version's file is missing from the blob store`);
  }

  /**
   * Start-up recovery, step one (quick): staging files of dead processes, and blob
   * rows a crash left between a delete and its reclaim.
   */
  async recoverQuickly(): Promise<{ staging: number; blobs: number }> {
    const staging = await this.blobs.reclaimStaging();
    let blobs = 0;
    for (;;) {
      const candidates = await this.metadata.unreferencedBlobs(BATCH);
      const reclaimed = await this.metadata.reclaimBlobs(candidates, (sha) => this.blobs.delete(sha));
      blobs += reclaimed.length;
      if (candidates.length < BATCH || reclaimed.length === 0) break;
    }
    return { staging, blobs };
  }

  /**
   * Step two (reads every blob, so it runs in the background): bytes promoted by a
   * transaction that never committed have no row; adopt and reclaim them. Only bytes
   * written since the database was created: older ones no registration of it left, and the
   * database is not the one their registry keeps (HOMER_DATABASE_URL naming a new or wrong
   * database, a restore that started over): they are left in place, and counted in a warning.
   */
  async reclaimOrphanedFiles(signal?: AbortSignal): Promise<number> {
    const since = await this.metadata.createdAt();
    let reclaimed = 0;
    let foreign = 0;
    let batch: BlobEntry[] = [];
    const flush = async () => {
      const known = await this.metadata.knownBlobs(batch.map((b) => b.sha256));
      const unknown = batch.filter((b) => !known.has(b.sha256));
      // By the second: S3 lists times in whole seconds.
      const orphans = unknown.filter((b) => since === undefined || b.modifiedMs === undefined || b.modifiedMs >= since - (since % 1000));
      foreign += unknown.length - orphans.length;
      const adopted = await this.metadata.adoptBlobs(orphans);
      reclaimed += (await this.metadata.reclaimBlobs(adopted, (sha) => this.blobs.delete(sha))).length;
      batch = [];
    };
    for await (const entry of this.blobs.list()) {
      if (signal?.aborted) break; // shutting down: the next start scans again
      batch.push(entry);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    if (foreign > 0) {
      this.log.warn(
        { files: foreign, databaseCreatedAt: new Date(since!).toISOString() },
        "the blob store holds files older than this database that it does not know: left in place (is HOMER_DATABASE_URL the database of this blob store?)",
      );
    }
    return reclaimed;
  }
}
