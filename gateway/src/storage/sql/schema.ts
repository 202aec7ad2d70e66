import type { Expression, Generated, RawBuilder } from "kysely";

/** Table shapes as Kysely sees them; both dialects store the same columns. */
export interface Database {
  families: {
    id: Generated<number>;
    project: string;
    name: string;
    /** Highest version ever assigned in the family; never goes down. */
    last_version: number;
    /** How many versions the family holds, kept by triggers on models (migration 0007). */
    version_count: Generated<number>;
    /** When its first version was registered, kept by triggers (migration 0014); null before any. */
    created_at: number | null;
    /** When a version was last registered, overwritten, edited or deleted, kept by triggers (migration 0014). */
    updated_at: number | null;
  };
  models: {
    id: Generated<number>;
    family_id: number;
    version: number;
    description: string | null;
    framework: string | null;
    signature: string | null;
    input_example: string | null;
    tags: string;
    size_bytes: number;
    status: string;
    created_at: number;
    created_by: string | null;
    /** JSON object: flavor name → its MLmodel details (migration 0009); null when none was given. */
    flavors: string | null;
    /** JSON array of the SavedModel's MetaGraph tags (migration 0009); null when absent. */
    tf_meta_graph_tags: string | null;
    /** 1 at creation, +1 per edit and per overwrite (migration 0010). */
    revision: Generated<number>;
    /** Epoch milliseconds of the last edit; null until the first. */
    updated_at: number | null;
    updated_by: string | null;
    /** JSON of the lineage's facts (migration 0013); null when none were given. */
    lineage: string | null;
    /**
     * The revision whose (tag, metric) pairs model_tag_metrics holds (migration 0015),
     * or null, and then its family is not walked by them: the version has more pairs
     * than the cap, or a release before 0015 created or edited it (a trigger nulls
     * the column when `revision` moves past it).
     */
    tag_metrics_revision: number | null;
  };
  /** The parents a version's lineage names, in the order given (migration 0013). */
  model_parents: {
    model_id: number;
    position: number;
    parent_project: string;
    parent_name: string;
    parent_version: number;
  };
  metrics: {
    model_id: number;
    /** Denormalised from models so that a sort is one index range scan. */
    family_id: number;
    version: number;
    key: string;
    value: number;
  };
  /** The indexable tags of each version (migration 0012), kept in step with models.tags. */
  model_tags: {
    model_id: number;
    family_id: number;
    version: number;
    key: string;
    /** The tag's value as JSON text: `"vision"`, `3`, `true`. */
    value: string;
  };
  /**
   * Each version's (indexable tag, metric) pairs (migration 0015), so a tag's matches
   * are listed in a metric's order: kept in step with model_tags and metrics, except
   * for versions with more than MAX_TAG_METRIC_PAIRS pairs (models.tag_metrics_revision).
   */
  model_tag_metrics: {
    model_id: number;
    family_id: number;
    version: number;
    tag_key: string;
    /** As model_tags.value: the tag's value as JSON text. */
    tag_value: string;
    /** The metric's key and value, as in metrics. */
    key: string;
    value: number;
  };
  model_files: {
    model_id: number;
    path: string;
    sha256: string;
    size_bytes: number;
  };
  blobs: {
    sha256: string;
    size_bytes: number;
    created_at: number;
  };
  /** Blobs kept from reclaiming until released or `expires_at` (`MetadataStore.holdBlobs`). */
  blob_holds: {
    hold_id: string;
    sha256: string;
    expires_at: number;
  };
  /** Short-lived download URLs minted for a key (`AccessStore.mintTicket`). */
  download_tickets: {
    id: string;
    secret_sha256: string;
    key_id: string;
    project: string;
    name: string;
    version: number;
    path: string | null;
    file_sha256: string;
    expires_at: number;
    uses: number;
  };
  projects: {
    name: string;
    created_at: number;
    created_by: string | null;
  };
  api_keys: {
    id: string;
    name: string;
    /** Keys are 256-bit random secrets: a plain digest is enough (no password hashing). */
    secret_sha256: string;
    created_at: number;
    created_by: string | null;
    revoked_at: number | null;
  };
  api_key_grants: {
    key_id: string;
    /** A project name, or "*" for every project. */
    project: string;
    role: string;
    /** Order the grants were given in; the first names the key's default project. */
    position: number;
  };
  /** The event log: one row per change, written in the change's transaction; pruned by age. */
  events: {
    /** Commit order (writers serialise the insert); gaps where a transaction rolled back. */
    seq: Generated<number>;
    type: string;
    project: string;
    name: string;
    version: number;
    /** Epoch milliseconds. */
    at: number;
    /** The alias of an ALIAS_SET / ALIAS_REMOVED (migration 0011); null for other events. */
    alias: string | null;
  };
  /** Named pointers to versions (migration 0011): at a version number, so an overwrite keeps them. */
  aliases: {
    family_id: number;
    alias: string;
    version: number;
    /** boolean on PostgreSQL, 0/1 on SQLite. */
    protected: boolean | number;
    /** Epoch milliseconds. */
    updated_at: number;
    updated_by: string | null;
  };
}

/** What differs between SQLite and PostgreSQL; everything else is shared SQL. */
export interface SqlDialect {
  readonly name: "sqlite" | "postgres";
  /** `greatest(a, b)` — spelled `max(a, b)` in SQLite. */
  greatest(a: RawBuilder<number>, b: RawBuilder<number>): RawBuilder<number>;
  /**
   * `text` compared and sorted byte by byte, whatever the database's collation:
   * `COLLATE "C"` on PostgreSQL, SQLite's default (BINARY) as it is.
   */
  byteOrder(text: Expression<string>): RawBuilder<string>;
  /**
   * `text` with A-Z lower-cased and nothing else, compared byte by byte: what the gateway's
   * `toLowerCase` does to a name. `lower(text COLLATE "C")` on PostgreSQL, whose `lower`
   * otherwise follows the database's locale (a Turkish one folds "I" to dotless "ı");
   * SQLite's `lower` folds ASCII only.
   */
  foldName(text: Expression<string>): RawBuilder<string>;
  /**
   * Whether `id` is one of `ids`, in one statement text whatever their number: a bound
   * array on PostgreSQL (`= any($1::bigint[])`), a bound JSON array on SQLite
   * (`in (select value from json_each(?))`). Statements by row ids then stay one prepared
   * statement each, not one per count of ids.
   */
  oneOf(id: Expression<number>, ids: readonly number[]): RawBuilder<boolean>;
  /** Whether `text` contains `part` as it is, no character a wildcard (`strpos` / `instr`). */
  contains(text: Expression<string>, part: string): RawBuilder<boolean>;
  /**
   * `value` as an expression no index serves (`+value` in SQLite; PostgreSQL's planner
   * weighs indexes by statistics and needs no such hint), so a walk in sort order
   * stays one.
   */
  unindexed<T>(value: Expression<T>): RawBuilder<T>;
  /**
   * Whether `= any(array(subquery))` exists (PostgreSQL). A driven page reads its few
   * matches' versions through it, by primary key whatever the planner estimates of
   * the matches; SQLite has no arrays, and its CROSS JOIN keeps the written join order.
   */
  readonly anyArrays: boolean;
  /**
   * Whether `JOIN LATERAL` exists (PostgreSQL): a version looked up by family and number
   * from another table's row is read by a lateral subquery, in which both are restrictions
   * its index serves (`versionsByRefs`). SQLite has none, and seeks by both in a plain join.
   */
  readonly lateralJoins: boolean;
  /** Whether `SELECT … FOR UPDATE` exists (SQLite serialises writers instead). */
  readonly supportsRowLocks: boolean;
  /** A JSON array of the values: `json_build_array` / `json_array`. */
  jsonArray(values: readonly Expression<unknown>[]): RawBuilder<unknown>;
  /**
   * Aggregates `element` over a group into a JSON array, `[]` for no rows
   * (`json_agg` / `json_group_array`). Both print floats so they parse back exactly.
   */
  jsonAgg(element: Expression<unknown>): RawBuilder<unknown>;
  /**
   * A statement that, run inside a write transaction, waits for and then holds until
   * commit a lock named `name`, so that transactions taking it run one at a time
   * across processes (`pg_advisory_xact_lock`); null where every write transaction
   * is serialised already (SQLite's `begin immediate`).
   */
  transactionLock(name: string): RawBuilder<unknown> | null;
  /**
   * One statement that records `event` as a writing transaction's last write and
   * returns its `seq`: it first takes a lock held until commit, so `seq` order is
   * commit order, and tells other processes at commit (PostgreSQL NOTIFY). Null where
   * writers are serialised anyway and nobody is told (SQLite: a plain insert).
   */
  recordEvent(event: Omit<Database["events"], "seq">): RawBuilder<{ seq: number }> | null;
  /**
   * The database's clock, in milliseconds since the epoch: what a hold's end is set and
   * judged by (`blob_holds.expires_at`), one clock for every replica whatever their own say.
   */
  nowMs(): RawBuilder<number>;
  /**
   * The schema unqualified tables are created in and found first, where Homer's tables and
   * its record of migrations live (`select current_schema()`: the first schema of the
   * session's search_path that exists; null when none does); null where a database has
   * one (SQLite).
   */
  currentSchema(): RawBuilder<{ schema: string | null }> | null;
  /** A boolean as the dialect's column holds it (SQLite has none: 0/1). */
  flag(value: boolean): boolean | number;
  /** Whether an error is a unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  /**
   * Whether an error is a wait for a lock cut short (PostgreSQL's lock_timeout, 55P03;
   * SQLite: another process's write lock, past the wait of `cached-driver.ts`): the same work
   * tried again later may get it.
   */
  isLockTimeout(error: unknown): boolean;
  /** Whether an error says the database has no room left (disk or quota full). */
  isOutOfSpace(error: unknown): boolean;
}
