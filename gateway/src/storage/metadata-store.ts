/**
 * The metadata port: everything the registry keeps about model versions except
 * their bytes. One SQL implementation serves SQLite and PostgreSQL
 * (`storage/sql/`); each backend folder only supplies its dialect.
 */

import type { ModelFilter } from "../domain/model-filter.js";
import type {
  AliasChange,
  AliasRecord,
  AliasRef,
  FamilyRecord,
  FileRecord,
  LargeColumnRef,
  LargeColumnsRead,
  ModelEdit,
  ModelParts,
  ModelRecord,
  ModelRef,
  ModelDraft,
  SortDirection,
} from "../domain/records.js";

/**
 * Where a page of a listing resumes. Metric sorts walk two phases: versions that
 * have the metric (by value, then version descending), then those without it.
 */
export type ListPosition =
  | { readonly phase: "metric"; readonly value: number; readonly version: number }
  | { readonly phase: "missing"; readonly version: number }
  | { readonly phase: "version"; readonly version: number };

export interface ListQuery {
  readonly project: string;
  readonly name: string;
  /** null sorts by version. */
  readonly sortKey: string | null;
  readonly direction: SortDirection;
  readonly limit: number;
  readonly after: ListPosition | null;
  readonly parts: ModelParts;
  /** Only versions that match (null or absent: every version). */
  readonly filter?: ModelFilter | null;
}

/** How a families listing is ordered: by name (case-insensitively, then byte order), or most recently changed first. */
export type FamilyOrder = "NAME" | "UPDATED";

/** Where a families page resumes: the previous page's last family (and its updatedAt when ordered by it). */
export type FamilyPosition =
  { readonly order: "NAME"; readonly name: string } | { readonly order: "UPDATED"; readonly updatedAt: number; readonly name: string };

export interface FamilyListQuery {
  readonly project: string;
  /** Lower-cased characters of names only; "" lists every family. */
  readonly search: string;
  /** Whether names start with `search` (an index range) or merely contain it (a scan of the project's families). */
  readonly match: "PREFIX" | "SUBSTRING";
  readonly order: FamilyOrder;
  readonly limit: number;
  /** The previous page's last family, or null. */
  readonly after: FamilyPosition | null;
}

export interface BestOfFamiliesQuery {
  readonly project: string;
  /** Names of the project's families (at most a page of them). */
  readonly names: readonly string[];
  readonly metric: string;
  readonly direction: SortDirection;
  readonly parts: ModelParts;
}

/** A page of the versions that name a parent (`MetadataStore.listDerived`). */
export interface DerivedQuery {
  readonly parents: readonly ModelRef[];
  /** Only children in these projects; null: every project. */
  readonly projects: readonly string[] | null;
  /** At most this many children per parent. */
  readonly limit: number;
  /** The row id of the last child of the previous page, or null (a cursor pages one parent). */
  readonly afterId: number | null;
  readonly parts: ModelParts;
}

export interface ListedModel {
  readonly model: ModelRecord;
  readonly position: ListPosition;
}

export interface CreateResult {
  /** The version as created, with all its parts. */
  readonly model: ModelRecord;
  /** Blobs the replaced version referenced; candidates for reclaiming. */
  readonly releasedBlobs: readonly string[];
}

/** What a setAlias did: the alias as it is now and as it was (null: new), or what was missing. */
export type AliasOutcome =
  | { readonly alias: AliasRecord; readonly previous: AliasRecord | null; readonly missing?: undefined }
  | { readonly missing: "version" | "alias" };

/** An alias pointing at a version about to be deleted. */
export interface AliasInTheWay {
  readonly alias: string;
  readonly protected: boolean;
}

export interface MetadataStore {
  /** Whether a project was created or holds any model. */
  projectExists(project: string): Promise<boolean>;
  /** Cheap round trip for readiness probes. */
  ping(): Promise<void>;
  /** One statement: the version and the asked-for parts, as of one moment. */
  getModel(ref: ModelRef, parts: ModelParts): Promise<ModelRecord | null>;
  /**
   * The versions `refs` name, as `getModel` reads each, by `refKey`: absent ones have
   * no entry. One statement for a page's references (a few hundred each).
   */
  getModels(refs: readonly ModelRef[], parts: ModelParts): Promise<Map<string, ModelRecord>>;
  /** One statement for the whole page, both phases and the asked-for parts of every node. */
  listModels(query: ListQuery): Promise<ListedModel[]>;
  /** The family's versions: one read of a counter the store maintains (O(1) in the family's size). */
  countModels(project: string, name: string): Promise<number>;
  /**
   * One statement: a project's families holding a version, in `order`, whose
   * lower-cased name starts with (or contains) `search`, after `after`.
   */
  listFamilies(query: FamilyListQuery): Promise<FamilyRecord[]>;
  /**
   * One statement: each of the families' first version of the metric sort (as a
   * one-row `listModels` page of it would show), by family name; families where no
   * version has the metric are absent.
   */
  bestOfFamilies(query: BestOfFamiliesQuery): Promise<Map<string, ModelRecord>>;
  /** One statement: a page of the versions whose lineage names `query.parent` (with their parts). */
  /** Each parent's page of derived versions, in the order of `query.parents`. */
  listDerived(query: DerivedQuery): Promise<ModelRecord[][]>;
  /**
   * The large columns `wanted` names, of rows read before (with `largeSizes`), by row id:
   * exactly those columns of those rows, one statement for a page's (a few hundred), with
   * each row's revision. Most never change while a row lives (an overwrite is a new row);
   * an edit changes the description and tags (`EDITABLE_LARGE_COLUMNS`) and the revision,
   * so they are the ones the earlier read sized while its revision is the one found. A row
   * deleted or replaced since has no entry. Each value is the column's text as stored
   * (JSON but for the description), unparsed.
   */
  readLarge(wanted: readonly LargeColumnRef[]): Promise<Map<number, LargeColumnsRead>>;
  getFile(ref: ModelRef, path: string): Promise<FileRecord | null>;
  /**
   * Makes a version visible in one transaction. `promoteBlobs` runs inside it,
   * after the draft's blob rows are locked, so a concurrent reclaim cannot delete
   * a blob this version is about to reference (it promotes, or confirms blobs
   * published before the transaction). The same transaction records a CREATED
   * (or OVERWRITTEN) event. The draft's lineage parents are checked to exist (and not
   * to make the version its own ancestor) inside it. When it replaces a version that
   * aliases point at, `overwriting` gets them (by name) inside the transaction, before
   * anything is written: it throws to refuse the overwrite.
   */
  createModel(
    draft: ModelDraft,
    promoteBlobs: () => Promise<void>,
    overwriting?: (aliases: readonly AliasInTheWay[]) => void,
  ): Promise<CreateResult>;
  /**
   * Edits a version's metadata in one transaction (recording an UPDATED event), after
   * `edit.check` accepted it against the version as of that transaction; the version
   * with every part, or null when absent. Files never change.
   */
  updateModel(edit: ModelEdit): Promise<ModelRecord | null>;
  /**
   * Removes a version (recording a DELETED event); returns the blobs it referenced, or
   * null when absent. When aliases point at it, `aliased` gets them (by name) inside the
   * transaction: it throws to refuse the delete, else (and when omitted) they are
   * removed with it (an ALIAS_REMOVED event each).
   */
  deleteModel(ref: ModelRef, aliased?: (aliases: readonly AliasInTheWay[]) => void): Promise<readonly string[] | null>;
  /** The version `ref` names, as `getModel` reads it; null when the alias or its version is absent. */
  getAliasedModel(ref: AliasRef, parts: ModelParts): Promise<ModelRecord | null>;
  /** A family's aliases by name; one statement. */
  listAliases(project: string, name: string): Promise<AliasRecord[]>;
  /** One statement: the aliases of each named family of `project` (a page of them), by family name; [] for none. */
  listAliasesOfFamilies(project: string, names: readonly string[]): Promise<Map<string, AliasRecord[]>>;
  /**
   * Creates, moves or (re)protects an alias in one transaction under the family's lock,
   * recording ALIAS_SET when it now points elsewhere; `change.check` may refuse it.
   */
  setAlias(change: AliasChange): Promise<AliasOutcome>;
  /** Removes an alias (recording ALIAS_REMOVED) once `check` accepted it; null when absent. */
  removeAlias(ref: AliasRef, check: (current: AliasRecord) => void): Promise<AliasRecord | null>;
  /**
   * For each candidate no version references any more: locks its row, calls
   * `deleteBlob`, forgets it. Returns the reclaimed digests.
   */
  reclaimBlobs(candidates: readonly string[], deleteBlob: (sha256: string) => Promise<void>): Promise<string[]>;
  /**
   * Gives rows to blobs that have bytes but no row (a crash after promoting and
   * before committing), so `reclaimBlobs` can judge them. Waits for any
   * transaction still writing such a row; returns the digests it adopted.
   */
  adoptBlobs(blobs: readonly { readonly sha256: string; readonly sizeBytes: number }[]): Promise<string[]>;
  /**
   * Keeps `shas` from every reclaim, on any replica, until `releaseHold(holdId)` or
   * `holdMs` after now by the database's clock (`renewHold` moves it): replicas' clocks
   * may differ. NotFoundError when one has no row any more: reclaimed since it was listed.
   */
  holdBlobs(holdId: string, shas: readonly string[], holdMs: number): Promise<void>;
  renewHold(holdId: string, holdMs: number): Promise<void>;
  /**
   * Ends a hold, and every hold past its end; returns their digests no version
   * references and no other hold keeps (candidates for `reclaimBlobs`).
   */
  releaseHold(holdId: string): Promise<string[]>;
  /** The digests among `shas` that have a row. */
  knownBlobs(shas: readonly string[]): Promise<Set<string>>;
  /** Blob rows no version references (left by a crash between delete and reclaim). */
  unreferencedBlobs(limit: number): Promise<string[]>;
  /**
   * When this database was first migrated (ms since the epoch, as its record of migrations
   * says; a restored copy keeps its original's): no registration of it wrote a blob before.
   */
  createdAt(): Promise<number | undefined>;
  close(): Promise<void>;
}
