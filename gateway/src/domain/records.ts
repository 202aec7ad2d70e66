import { createHash } from "node:crypto";
/**
 * The registry's records: what a model version is, independent of where it is
 * stored or how it travels. Storage ports take and return these; so do the services.
 */

export type SortDirection = "ASC" | "DESC";

export interface ModelRef {
  readonly project: string;
  readonly name: string;
  readonly version: number;
}

export interface SchemaFieldRecord {
  readonly name?: string | null;
  readonly type: string;
  readonly shape?: readonly number[] | null;
}

export interface SignatureRecord {
  readonly inputs: readonly SchemaFieldRecord[];
  readonly outputs: readonly SchemaFieldRecord[];
}

export interface MetricRecord {
  readonly key: string;
  readonly value: number;
}

export interface FileRecord {
  readonly path: string;
  readonly sha256: string;
  readonly sizeBytes: number;
}

/**
 * What a version's files are, as one digest: sha256 over each file's path and sha256,
 * in path order. A download ticket for the version's archive is minted for it, and the
 * archive is refused when its files no longer match (the version was overwritten).
 */
export function filesDigest(files: readonly Pick<FileRecord, "path" | "sha256">[]): string {
  const hash = createHash("sha256");
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    hash.update(`${file.path}\u0000${file.sha256}\n`);
  return hash.digest("hex");
}

/**
 * Which nested parts a read returns with each version. They come from the same
 * statement as the version's row — one snapshot on every backend — so a reader
 * never sees a version deleted or overwritten half-way through its read.
 */
export interface ModelParts {
  readonly metrics: boolean;
  readonly files: boolean;
  /** The MLmodel flavors' details and TensorFlow MetaGraph tags (columns of the row, read only when asked). */
  readonly flavors?: boolean;
  /**
   * The signature and the input example (columns of the row, read only when asked: each may
   * hold up to its registration limit, 256 KiB for an input example, which a listing of
   * versions rarely shows).
   */
  readonly examples?: boolean;
  /**
   * The asked-for large columns' sizes in bytes as stored, not their values (`LARGE_COLUMNS`:
   * those of `examples` and `flavors`, and the description and tags unless skipped). A GraphQL
   * answer charges a size to its budget of stored text before it reads that value
   * (`MetadataStore.readLarge`), so that a page of versions at their registration limits (a
   * signature alone may take most of a 2 MiB body) is refused before it is in memory.
   */
  readonly largeSizes?: boolean;
  /**
   * The tags column is not read (the operation does not select `tags`): up to 64 KiB of JSON a
   * version, parsed for every version of a page otherwise, whether or not the answer shows it.
   */
  readonly skipTags?: boolean;
  /** The description column is not read (the operation does not select `description`): up to 65,536 characters a version. */
  readonly skipDescription?: boolean;
  /** The model card's file record (top-level `README.md`), whose bytes the blob store holds. */
  readonly card?: boolean;
  /** The version's lineage: its facts (a column of the row) and its parents' references. */
  readonly lineage?: boolean;
  /** The names of the aliases pointing at the version. */
  readonly aliases?: boolean;
}

/** The columns of a version that may each hold up to its registration limit, by their record field. */
export const LARGE_COLUMNS = ["signature", "inputExample", "flavors", "tfMetaGraphTags", "description", "tags"] as const;
export type LargeColumn = (typeof LARGE_COLUMNS)[number];

/**
 * The large columns an edit (`updateModel`) changes in place: read by row id after the row,
 * each is the row's only while the row's revision is the one read. The others never change
 * while a row lives (an overwrite is a new row).
 */
export const EDITABLE_LARGE_COLUMNS: ReadonlySet<LargeColumn> = new Set(["description", "tags"]);

/**
 * A description or tags of at most this many bytes as stored is read with its row even when
 * the read sizes the large columns (`largeSizes`): nearly every one is (a paragraph, a few
 * labels), so a page that shows them costs no second statement, and what a page reads before
 * its budget charges it stays small (9 pages of 500 versions, the most the cost limit lets
 * one request ask for, hold at most 18 MB of such text). Longer ones are read after. Lineage
 * parents are the exception the cost model leaves: it prices 4 a version where there may be
 * 16, nested (BENCHMARKS.md §4).
 */
export const INLINE_TEXT_BYTES = 2048;

/**
 * The large columns' stored text, unparsed (JSON but for the description; each null when the
 * version has none), as `MetadataStore.readLarge` gives it: an answer can carry a JSON value's
 * text as it is, where the value parsed could take twenty times its size (`[{},{},…]`).
 */
export type LargeTexts = { readonly [C in LargeColumn]?: string | null };

/** A row's large columns as `MetadataStore.readLarge` finds them, with the row's revision at that moment. */
export interface LargeColumnsRead {
  readonly revision: number;
  readonly texts: LargeTexts;
}

/** One large column of one row (`ModelRecord.id`), for `MetadataStore.readLarge`. */
export interface LargeColumnRef {
  readonly id: number;
  readonly column: LargeColumn;
}

/** Every part: a version as a client that asked for everything sees it. */
export const ALL_PARTS: ModelParts = Object.freeze({
  metrics: true,
  files: true,
  flavors: true,
  examples: true,
  card: true,
  lineage: true,
  largeSizes: false,
  aliases: true,
});
/** The row alone, e.g. to learn whether a version exists. */
export const NO_PARTS: ModelParts = Object.freeze({
  metrics: false,
  files: false,
  flavors: false,
  examples: false,
  card: false,
  lineage: false,
  largeSizes: false,
  aliases: false,
});

/** A flavor's own MLmodel details (e.g. `sklearn_version`, `loader_module`), by flavor name. */
export type FlavorsRecord = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface ModelRecord extends ModelRef {
  /** Internal row id; changes when a version is overwritten. */
  readonly id: number;
  readonly description: string | null;
  readonly framework: string | null;
  /** Present when the read asked for examples; null when the version has none. */
  readonly signature?: SignatureRecord | null;
  /** Present when the read asked for examples (null when the version has none). */
  readonly inputExample?: unknown;
  readonly tags: Readonly<Record<string, unknown>>;
  /**
   * The tags' stored JSON, unparsed, in place of `tags` when a read with `largeSizes` found them
   * short enough to take with the row (`INLINE_TEXT_BYTES`); longer ones are read after the budget.
   */
  readonly tagsText?: string;
  readonly sizeBytes: number;
  readonly status: "READY" | "PENDING" | "FAILED";
  readonly createdAt: Date;
  readonly createdBy: string | null;
  /** 1 when registered; one more with each metadata edit (updateModel) and each overwrite. */
  readonly revision: number;
  /** When the version last changed: its creation until it is edited. */
  readonly updatedAt: Date;
  /** Who changed it last: its creator until it is edited. */
  readonly updatedBy: string | null;
  /** Ordered by key; present when the read asked for metrics. */
  readonly metrics?: readonly MetricRecord[];
  /** Ordered by path; present when the read asked for files. */
  readonly files?: readonly FileRecord[];
  /** Present when the read asked for flavors; null when the version has none. */
  readonly flavors?: FlavorsRecord | null;
  /** The SavedModel's MetaGraph tags; present when the read asked for flavors, null when absent. */
  readonly tfMetaGraphTags?: readonly string[] | null;
  /** The model card's file (top-level `README.md`); present when the read asked for the card, null when none. */
  readonly cardFile?: FileRecord | null;
  /** The aliases pointing at the version, sorted; present when the read asked for aliases. */
  readonly aliases?: readonly string[];
  /** Present when the read asked for lineage; null when the version has none (no facts, no parents). */
  readonly lineage?: LineageRecord | null;
  /** Present when the read asked for `largeSizes`: the asked-for large columns' sizes in bytes as stored, null when the version has none. */
  readonly largeSizes?: Readonly<Partial<Record<LargeColumn, number | null>>>;
}

/** The data set a version was trained on. */
export interface DatasetRecord {
  readonly name: string;
  readonly version: string | null;
  readonly uri: string | null;
  /** `<algorithm>:<lower-case hex>`, e.g. `sha256:…`. */
  readonly digest: string | null;
}

/** The training run that produced a version (e.g. an MLflow run). */
export interface RunRecord {
  readonly id: string;
  readonly uri: string | null;
}

/** The code that produced a version. */
export interface ProgramRecord {
  /** Lower-case hex, 7–64 digits (SHA-1 or SHA-256 object names, abbreviated or not). */
  readonly gitCommit: string | null;
  readonly entryPoint: string | null;
  /** Where the code lives: a URI or an scp-like `git@host:path`. */
  readonly repository: string | null;
}

/** What a version's `lineage` column holds (its parents live in their own table). */
export interface LineageFacts {
  readonly trainingDataset: DatasetRecord | null;
  readonly run: RunRecord | null;
  readonly program: ProgramRecord | null;
  /** A file of the version: its pip/conda/npm lock file. */
  readonly environment: string | null;
}

/** A version's lineage as read back: its facts, and its parents in the order given. */
export interface LineageRecord extends LineageFacts {
  /** By project, name and version: a reference outlives its parent (and follows an overwrite of it). */
  readonly parents: readonly ModelRef[];
}

/** Lineage checked and ready to store; null facts and no parents is "no lineage". */
export interface LineageDraft {
  readonly facts: LineageFacts | null;
  readonly parents: readonly ModelRef[];
  /**
   * The projects whose versions' parents the cycle check follows: those the caller may
   * read (null or omitted: every project). The check then sees what the caller sees, so
   * its answer tells nothing of versions the caller may not read.
   */
  readonly visibleProjects?: readonly string[] | null;
}

/** A model family (the versions of one name), as a listing of a project shows it. */
export interface FamilyRecord {
  readonly project: string;
  readonly name: string;
  /** Versions the family holds now. */
  readonly versionCount: number;
  /** Its highest version. */
  readonly latestVersion: number;
  /** When that version was registered. */
  readonly latestCreatedAt: Date;
  /** When the family's first version was registered. */
  readonly createdAt: Date;
  /** When a version was last registered, overwritten, edited or deleted. */
  readonly updatedAt: Date;
}

/** A version to insert; `version` undefined asks the database for the next one. */
export interface ModelDraft {
  readonly project: string;
  readonly name: string;
  readonly version: number | undefined;
  readonly overwrite: boolean;
  readonly description: string | null;
  readonly framework: string | null;
  readonly signature: SignatureRecord | null;
  readonly inputExample: unknown;
  readonly tags: Readonly<Record<string, unknown>>;
  /** Omitted or null: none. */
  readonly flavors?: FlavorsRecord | null;
  /** Omitted or null: none. */
  readonly tfMetaGraphTags?: readonly string[] | null;
  /** Omitted or null: none. Its parents are checked to exist inside the create's transaction. */
  readonly lineage?: LineageDraft | null;
  readonly metrics: readonly MetricRecord[];
  readonly files: readonly FileRecord[];
  readonly createdBy: string | null;
}

/**
 * A metadata edit of one version (files never change). Fields left undefined keep
 * their value. The store applies it in one transaction, under the family's lock.
 */
export interface ModelEdit {
  readonly ref: ModelRef;
  /** A string sets it, null clears it, undefined keeps it. */
  readonly description: string | null | undefined;
  /** Metric values to insert or replace, keys unique. */
  readonly setMetrics: readonly MetricRecord[];
  /** Metric keys to remove (absent ones are ignored). */
  readonly removeMetrics: readonly string[];
  /** Replaces the lineage whole (facts and parents); undefined keeps it. */
  readonly lineage?: LineageDraft;
  readonly updatedBy: string | null;
  /** The parts of the edited version to read back (what the caller will return). */
  readonly parts: ModelParts;
  /**
   * Decides against the version as it is inside the transaction: throws to refuse the
   * edit (a stale revision, tags or metrics past a limit), else returns the new tags.
   */
  readonly check: (current: EditedVersion) => Readonly<Record<string, unknown>>;
}

/** What an edit's `check` sees of the version it changes. */
export interface EditedVersion {
  readonly revision: number;
  readonly tags: Readonly<Record<string, unknown>>;
  /** Metric keys the version will hold once the edit's metric changes are applied. */
  readonly metricKeys: number;
}

/** What a key may do on a project; each role includes the ones before it. */
export type Role = "read" | "write" | "admin";

export interface Grant {
  /** A project name, or "*" for every project. */
  readonly project: string;
  readonly role: Role;
}

/** Part of a file's bytes. */
export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive. */
  readonly end: number;
}

/** What happened to a version (ALIAS_SET and ALIAS_REMOVED: to an alias pointing at it). */
export type ModelEventType = "CREATED" | "OVERWRITTEN" | "UPDATED" | "DELETED" | "ALIAS_SET" | "ALIAS_REMOVED";

/** A change to a version, recorded in the transaction that made it. */
export interface ModelEventRecord extends ModelRef {
  /** Position in the registry's event log: commit order, gaps possible. */
  readonly seq: number;
  readonly type: ModelEventType;
  readonly at: Date;
  /** The alias an ALIAS_SET or ALIAS_REMOVED moved (`version` is where it points, or pointed); null for other events. */
  readonly alias: string | null;
}

/** A named pointer to a version of a family (`champion` → 3). It points at the version number: an overwrite keeps it. */
export interface AliasRecord {
  readonly project: string;
  readonly name: string;
  readonly alias: string;
  readonly version: number;
  /** Moving or removing a protected alias needs admin on the project. */
  readonly protected: boolean;
  readonly updatedAt: Date;
  /** The key that set it last (null in open mode). */
  readonly updatedBy: string | null;
}

/** An alias as a caller names it. */
export interface AliasRef {
  readonly project: string;
  readonly name: string;
  readonly alias: string;
}

/**
 * Sets (creates or moves) an alias, or changes only its protection (`version`
 * undefined). The store applies it in one transaction, under the family's lock,
 * after `check` accepted it against the alias as it is then (null: none yet).
 */
export interface AliasChange {
  readonly ref: AliasRef;
  /** The version to point at; undefined keeps the current one (the alias must exist). */
  readonly version: number | undefined;
  /** The protection to set; undefined keeps it (false for a new alias). */
  readonly protected: boolean | undefined;
  readonly updatedBy: string | null;
  /** Throws to refuse (FORBIDDEN for a protected alias without admin, …): nothing is written. */
  readonly check: (current: AliasRecord | null) => void;
}
