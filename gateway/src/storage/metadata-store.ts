/**
 * The metadata port: everything the registry keeps about model versions except
 * their bytes. One SQL implementation serves SQLite and PostgreSQL
 * (`storage/sql/`); each backend folder only supplies its dialect.
 */

import type { ModelFilter } from "../domain/model-filter.js";
import type {
  FamilyRecord,
  FileRecord,
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

export interface FamilyListQuery {
  readonly project: string;
  /** Lower-cased characters of names only; "" lists every family. */
  readonly prefix: string;
  readonly limit: number;
  /** The name of the last family of the previous page, or null. */
  readonly after: string | null;
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

export interface MetadataStore {
  /** Whether a project was created or holds any model. */
  projectExists(project: string): Promise<boolean>;
  /** Cheap round trip for readiness probes. */
  ping(): Promise<void>;
  /** One statement: the version and the asked-for parts, as of one moment. */
  getModel(ref: ModelRef, parts: ModelParts): Promise<ModelRecord | null>;
  /** One statement for the whole page, both phases and the asked-for parts of every node. */
  listModels(query: ListQuery): Promise<ListedModel[]>;
  /** The family's versions: one read of a counter the store maintains (O(1) in the family's size). */
  countModels(project: string, name: string): Promise<number>;
  /**
   * One statement: a project's families holding a version, by name case-insensitively
   * (then by name), whose lower-cased name starts with `prefix`, after `after`.
   */
  listFamilies(query: FamilyListQuery): Promise<FamilyRecord[]>;
  getFile(ref: ModelRef, path: string): Promise<FileRecord | null>;
  /**
   * Makes a version visible in one transaction. `promoteBlobs` runs inside it,
   * after the draft's blob rows are locked, so a concurrent reclaim cannot delete
   * a blob this version is about to reference (it promotes, or confirms blobs
   * published before the transaction). The same transaction records a CREATED
   * (or OVERWRITTEN) event.
   */
  createModel(draft: ModelDraft, promoteBlobs: () => Promise<void>): Promise<CreateResult>;
  /**
   * Edits a version's metadata in one transaction (recording an UPDATED event), after
   * `edit.check` accepted it against the version as of that transaction; the version
   * with every part, or null when absent. Files never change.
   */
  updateModel(edit: ModelEdit): Promise<ModelRecord | null>;
  /** Removes a version (recording a DELETED event); returns the blobs it referenced, or null when absent. */
  deleteModel(ref: ModelRef): Promise<readonly string[] | null>;
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
  /** The digests among `shas` that have a row. */
  knownBlobs(shas: readonly string[]): Promise<Set<string>>;
  /** Blob rows no version references (left by a crash between delete and reclaim). */
  unreferencedBlobs(limit: number): Promise<string[]>;
  close(): Promise<void>;
}
