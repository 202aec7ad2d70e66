import { sql, type ExpressionBuilder, type Kysely, type RawBuilder } from "kysely";
import { NotFoundError, VersionsExhaustedError, versionExists } from "../../domain/errors.js";
import { BATCH, MAX_VERSION } from "../../domain/limits.js";
import { eachLimited } from "../each-limited.js";
import {
  LARGE_COLUMNS,
  type AliasChange,
  type AliasRecord,
  type AliasRef,
  type FamilyRecord,
  type FileRecord,
  type LargeColumn,
  type LargeColumnRef,
  type LargeColumnsRead,
  type ModelDraft,
  type ModelEdit,
  type ModelEventType,
  type ModelParts,
  type ModelRecord,
  type ModelRef,
} from "../../domain/records.js";
import { lineageCycle, refKey } from "../../domain/lineage.js";
import type {
  AliasInTheWay,
  AliasOutcome,
  BestOfFamiliesQuery,
  CreateResult,
  DerivedQuery,
  FamilyListQuery,
  ListQuery,
  ListedModel,
  MetadataStore,
} from "../metadata-store.js";
import { bestOfFamilies } from "./best-of-families.js";
import { checkParents, closesCycle, factsColumn, insertParents, listDerived, lockLineage } from "./lineage.js";
import { versionsByRefs } from "./version-refs.js";
import {
  applyAliasChange,
  applyAliasRemoval,
  dropAliasesOf,
  getAliasedModel,
  listAliases,
  listAliasesOfFamilies,
  type RecordEvent,
} from "./aliases.js";
import { listFamilies } from "./list-families.js";
import { listModels } from "./list-models.js";
import { indexableTags, insertTagMetricRows, insertTagRows, tagMetricsUnindexed } from "./tag-rows.js";
import { CARD_PATH, chunks, familyId, largeColumnName, lineageOf, modelColumns, partColumns, sortedParts, toRecord } from "./rows.js";
import { applyEdit } from "./update-model.js";
import { firstMigrationAt, migrateToLatest, type MigrateOptions } from "./migrate.js";
import { SqlAccessStore } from "./sql-access-store.js";
import type { Database, SqlDialect } from "./schema.js";
import { evenWhenFull, type SpaceReserve } from "./space-reserve.js";
import { SqlEventFeed, type WakeSource } from "./sql-event-feed.js";

export interface SqlStoreParts {
  /** Space for deletes on a full disk (the embedded store keeps one beside its file). */
  readonly reserve?: SpaceReserve;
  /** How this backend hears of other processes' changes (LISTEN, or polling). */
  readonly wakeSource: WakeSource;
  /**
   * Where listings read (pages of versions and families, families' best versions,
   * derived versions): the embedded store's reader threads; the store's own `db` without.
   * Each of those reads is its own statement outside any transaction.
   */
  readonly reads?: Kysely<Database>;
  /** Whether a listing reads through `reads` now (default: always); the store's own `db` when not. */
  readonly offloadReads?: () => boolean;
  /**
   * Where migrations run, when not on `db` (PostgreSQL: a connection without the statement
   * timeout, so that a long migration, and another replica waiting for its lock, take as
   * long as they need); destroyed once they ran.
   */
  readonly migrations?: Kysely<Database>;
  /** Told when the migrations could not get a lock another session holds, and wait to try again (`MigrateOptions`). */
  readonly onMigrationLockWait?: MigrateOptions["onLockWait"];
}

/** A reclaim's blob deletes in flight at once (`reclaimBlobs`). */
const DELETES_AT_ONCE = 16;
/** References per `getModels` statement: three bound parameters each, well within either backend's limit. */
const MODELS_PER_READ = 500;

/**
 * `blobs as b` rows no version's file refers to and no hold keeps (`holdBlobs`) at `now`
 * (the database's clock, `SqlDialect.nowMs`: a replica's own may be ahead of the one that holds).
 */
const unreferencedAt = (now: RawBuilder<number>) => (eb: ExpressionBuilder<Database & { b: Database["blobs"] }, "b">) =>
  eb.and([
    eb.not(
      eb.exists(
        eb
          .selectFrom("model_files as f")
          .select(sql`1`.as("one"))
          .whereRef("f.sha256", "=", "b.sha256"),
      ),
    ),
    eb.not(
      eb.exists(
        eb
          .selectFrom("blob_holds as h")
          .select(sql`1`.as("one"))
          .whereRef("h.sha256", "=", "b.sha256")
          .where("h.expires_at", ">", now),
      ),
    ),
  ]);

/** The metadata store over any Kysely dialect; `dialect` isolates the differences. */
export class SqlMetadataStore implements MetadataStore {
  /** Projects and API keys live in the same database. */
  readonly access: SqlAccessStore;
  /** The event log, written in the same transactions as the changes. */
  readonly events: SqlEventFeed;
  private readonly reserve: SpaceReserve | undefined;
  private readonly reads: Kysely<Database>;
  private readonly offloadReads: (() => boolean) | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sqlDialect: SqlDialect,
    parts: SqlStoreParts,
  ) {
    this.access = new SqlAccessStore(db, sqlDialect);
    this.events = new SqlEventFeed(db, parts.wakeSource);
    this.reserve = parts.reserve;
    this.reads = parts.reads ?? db;
    this.offloadReads = parts.offloadReads;
  }

  /** Which database this is, for readiness reports. */
  get backend(): "sqlite" | "postgres" {
    return this.sqlDialect.name;
  }

  /** A store over `db` with its migrations applied; `db` is destroyed if that fails. */
  static async open(db: Kysely<Database>, dialect: SqlDialect, parts: SqlStoreParts): Promise<SqlMetadataStore> {
    const store = new SqlMetadataStore(db, dialect, parts);
    try {
      await store.migrate(parts.migrations, { onLockWait: parts.onMigrationLockWait });
      await parts.reserve?.restore();
    } catch (error) {
      await store.close();
      throw error;
    } finally {
      await parts.migrations?.destroy();
    }
    return store;
  }

  /** Migrations a newer release applied to this database (this one runs on its schema). */
  get newerMigrations(): readonly string[] {
    return this.#newerMigrations;
  }

  #newerMigrations: readonly string[] = [];

  /** Applies pending migrations (on `db`, the store's own by default); safe to call from several processes, and releases, at once. */
  async migrate(db: Kysely<Database> = this.db, options: MigrateOptions = {}): Promise<void> {
    this.#newerMigrations = await migrateToLatest(db, this.sqlDialect, options);
  }

  /** A write transaction (SQLite's begin IMMEDIATE: see storage/sqlite). */
  #transaction<T>(run: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(run);
  }

  /**
   * Appends an event as the transaction's last write, behind the dialect's lock,
   * so its seq is in commit order; NOTIFY (PostgreSQL) is delivered at commit.
   */
  async #recordEvent(trx: Kysely<Database>, type: ModelEventType, ref: ModelRef, alias: string | null = null): Promise<void> {
    const event = { type, project: ref.project, name: ref.name, version: ref.version, at: Date.now(), alias };
    const ordered = this.sqlDialect.recordEvent(event);
    if (ordered) {
      await ordered.execute(trx);
      return;
    }
    await trx.insertInto("events").values(event).execute();
  }

  async projectExists(project: string): Promise<boolean> {
    const [registered, holdsModels] = await Promise.all([
      this.db.selectFrom("projects").select("name").where("name", "=", project).executeTakeFirst(),
      this.db.selectFrom("families").select("id").where("project", "=", project).limit(1).executeTakeFirst(),
    ]);
    return registered !== undefined || holdsModels !== undefined;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  #familyId(project: string, name: string) {
    return familyId(this.db, project, name);
  }

  async getModel(ref: ModelRef, parts: ModelParts): Promise<ModelRecord | null> {
    const row = await this.db
      .selectFrom("models as m")
      .select(modelColumns(parts, "m"))
      .select(partColumns(this.db, this.sqlDialect, parts))
      .where("m.family_id", "=", this.#familyId(ref.project, ref.name))
      .where("m.version", "=", ref.version)
      .executeTakeFirst();
    return row ? toRecord(row, ref.project, ref.name) : null;
  }

  async getModels(refs: readonly ModelRef[], parts: ModelParts): Promise<Map<string, ModelRecord>> {
    const found = new Map<string, ModelRecord>();
    for (const slice of chunks(refs, MODELS_PER_READ)) {
      const rows = await versionsByRefs(this.db, this.sqlDialect, slice)
        .select(["f.project as family_project", "f.name as family_name"])
        .select(modelColumns(parts, "m"))
        .select(partColumns(this.db, this.sqlDialect, parts))
        .execute();
      for (const row of rows) {
        const model = toRecord(row, row.family_project, row.family_name);
        found.set(refKey(model), model);
      }
    }
    return found;
  }

  /** Where a listing reads now: `reads` unless `offloadReads` says the store's own connection. */
  #listings(): Kysely<Database> {
    return this.offloadReads === undefined || this.offloadReads() ? this.reads : this.db;
  }

  listModels(query: ListQuery): Promise<ListedModel[]> {
    return listModels(this.#listings(), this.sqlDialect, query);
  }

  bestOfFamilies(query: BestOfFamiliesQuery): Promise<Map<string, ModelRecord>> {
    return bestOfFamilies(this.#listings(), this.sqlDialect, query);
  }

  async countModels(project: string, name: string): Promise<number> {
    // Maintained by the database in every insert's and delete's transaction (migration 0007).
    const row = await this.db
      .selectFrom("families")
      .select("version_count")
      .where("project", "=", project)
      .where("name", "=", name)
      .executeTakeFirst();
    return Number(row?.version_count ?? 0);
  }

  listFamilies(query: FamilyListQuery): Promise<FamilyRecord[]> {
    return listFamilies(this.#listings(), this.sqlDialect, query);
  }

  listDerived(query: DerivedQuery): Promise<ModelRecord[][]> {
    return listDerived(this.#listings(), this.sqlDialect, query);
  }

  async readLarge(wanted: readonly LargeColumnRef[]): Promise<Map<number, LargeColumnsRead>> {
    const found = new Map<number, { revision: number; texts: { [C in LargeColumn]?: string | null } }>();
    // Sliced by row, not by column asked for: a row's columns come from one statement, so
    // the revision found is the one its texts were read at (an edit or a delete between two
    // statements made one row answer a text of its next revision, or none, under the first's).
    const columnsOf = new Map<number, LargeColumn[]>();
    for (const { id, column } of wanted) {
      const columns = columnsOf.get(id);
      if (columns) columns.push(column);
      else columnsOf.set(id, [column]);
    }
    for (const slice of chunks([...columnsOf], MODELS_PER_READ)) {
      const idsOf = new Map<LargeColumn, number[]>();
      for (const [id, columns] of slice) {
        for (const column of columns) {
          const ids = idsOf.get(column);
          if (ids) ids.push(id);
          else idsOf.set(column, [id]);
        }
      }
      // One arm per column: exactly the columns asked of each row, one statement in all. In
      // LARGE_COLUMNS' order, not the query's: one text per set of columns (63), where their
      // orders (1,956) filled a PostgreSQL connection's prepared statements, and left every
      // statement new to it unprepared from then on.
      const arms = LARGE_COLUMNS.filter((field) => idsOf.has(field)).map((field) =>
        this.#listings()
          .selectFrom("models")
          .select(["id", "revision", sql<string | null>`${sql.ref(largeColumnName(field))}`.as("text"), sql.lit(field).as("field")])
          .where(this.sqlDialect.oneOf(sql.ref("id"), idsOf.get(field)!)),
      );
      const rows = await arms
        .slice(1)
        .reduce((union, arm) => union.unionAll(arm), arms[0]!)
        .execute();
      for (const row of rows) {
        const id = Number(row.id);
        let values = found.get(id);
        if (!values) found.set(id, (values = { revision: Number(row.revision), texts: {} }));
        values.texts[row.field] = row.text;
      }
    }
    return found;
  }

  async getFile(ref: ModelRef, path: string): Promise<FileRecord | null> {
    const row = await this.db
      .selectFrom("model_files as f")
      .innerJoin("models as m", "m.id", "f.model_id")
      .select(["f.path", "f.sha256", "f.size_bytes"])
      .where("m.family_id", "=", this.#familyId(ref.project, ref.name))
      .where("m.version", "=", ref.version)
      .where("f.path", "=", path)
      .executeTakeFirst();
    return row ? { path: row.path, sha256: row.sha256, sizeBytes: Number(row.size_bytes) } : null;
  }

  async createModel(
    draft: ModelDraft,
    promoteBlobs: () => Promise<void>,
    overwriting: (aliases: readonly AliasInTheWay[]) => void = () => {},
  ): Promise<CreateResult> {
    try {
      const created = await this.#transaction((trx) => this.#create(trx, draft, promoteBlobs, overwriting));
      this.events.committed();
      return created;
    } catch (error) {
      // Two writers racing past the existence check: the unique index decides.
      if (this.sqlDialect.isUniqueViolation(error) && draft.version !== undefined) {
        throw versionExists({ ...draft, version: draft.version });
      }
      throw error;
    }
  }

  async #create(
    trx: Kysely<Database>,
    draft: ModelDraft,
    promoteBlobs: () => Promise<void>,
    overwriting: (aliases: readonly AliasInTheWay[]) => void,
  ): Promise<CreateResult> {
    // Upserting the family row locks it: creates within a family serialise here,
    // which makes the next version number atomic on every backend.
    const family = await trx
      .insertInto("families")
      .values({ project: draft.project, name: draft.name, last_version: draft.version ?? 1 })
      .onConflict((oc) =>
        oc.columns(["project", "name"]).doUpdateSet({
          last_version:
            draft.version === undefined
              ? sql<number>`families.last_version + 1`
              : this.sqlDialect.greatest(sql<number>`families.last_version`, sql<number>`excluded.last_version`),
        }),
      )
      .returning(["id", "last_version"])
      .executeTakeFirstOrThrow();
    const familyId = Number(family.id);
    const version = draft.version ?? family.last_version;
    if (version > MAX_VERSION) throw new VersionsExhaustedError(draft.project, draft.name);

    // An omitted version is one past every version the family ever had (the counter
    // only grows, explicit versions included): only an explicit one can exist already.
    // Should that ever not hold, the unique (family_id, version) index still refuses the insert.
    const existing =
      draft.version === undefined
        ? undefined
        : await trx
            .selectFrom("models")
            .select(["id", "revision"])
            .where("family_id", "=", familyId)
            .where("version", "=", version)
            .executeTakeFirst();
    let releasedBlobs: string[] = [];
    if (existing) {
      if (!draft.overwrite) throw versionExists({ ...draft, version });
      // Under the family row's lock, as alias changes take it: the aliases as they are now.
      const aliases = await trx
        .selectFrom("aliases")
        .select(["alias", "protected"])
        .where("family_id", "=", familyId)
        .where("version", "=", version)
        .execute();
      if (aliases.length > 0) overwriting(aliases.map((a) => ({ alias: a.alias, protected: Boolean(Number(a.protected)) })));
      const released = await trx.selectFrom("model_files").select("sha256").where("model_id", "=", existing.id).execute();
      releasedBlobs = [...new Set(released.map((r) => r.sha256))];
      await trx.deleteFrom("models").where("id", "=", existing.id).execute();
    }

    const now = Date.now();
    const blobs = [...new Map(draft.files.map((f) => [f.sha256, f.sizeBytes])).entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    // Sorted, so two writers lock blob rows in the same order and cannot deadlock;
    // batched under every driver's bound-parameter limit.
    for (const batch of chunks(blobs, BATCH)) {
      await trx
        .insertInto("blobs")
        .values(batch.map(([sha256, size_bytes]) => ({ sha256, size_bytes, created_at: now })))
        .onConflict((oc) => oc.column("sha256").doUpdateSet({ size_bytes: sql`excluded.size_bytes` }))
        .execute();
    }

    const tags = indexableTags(draft.tags);
    const revision = existing ? Number(existing.revision) + 1 : 1;
    const row = await trx
      .insertInto("models")
      .values({
        family_id: familyId,
        version,
        description: draft.description,
        framework: draft.framework,
        signature: draft.signature === null ? null : JSON.stringify(draft.signature),
        input_example: draft.inputExample === null || draft.inputExample === undefined ? null : JSON.stringify(draft.inputExample),
        tags: JSON.stringify(draft.tags),
        flavors: draft.flavors == null ? null : JSON.stringify(draft.flavors),
        tf_meta_graph_tags: draft.tfMetaGraphTags == null ? null : JSON.stringify(draft.tfMetaGraphTags),
        lineage: factsColumn(draft.lineage),
        size_bytes: draft.files.reduce((sum, f) => sum + f.sizeBytes, 0),
        status: "READY",
        created_at: now,
        created_by: draft.createdBy,
        // An overwrite continues the version's revisions: an edit made against the
        // replaced content then fails its revision check instead of applying to the new.
        revision,
        // Its pairs are written below, unless there are more than the cap.
        tag_metrics_revision: tagMetricsUnindexed(tags, draft.metrics) ? null : revision,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const modelId = Number(row.id);
    if (draft.metrics.length > 0) {
      await trx
        .insertInto("metrics")
        .values(draft.metrics.map((m) => ({ model_id: modelId, family_id: familyId, version, key: m.key, value: m.value })))
        .execute();
    }
    await insertTagRows(trx, { modelId, familyId, version }, tags);
    await insertTagMetricRows(trx, { modelId, familyId, version }, tags, draft.metrics);
    for (const batch of chunks(draft.files, BATCH)) {
      await trx
        .insertInto("model_files")
        .values(batch.map((f) => ({ model_id: modelId, path: f.path, sha256: f.sha256, size_bytes: f.sizeBytes })))
        .execute();
    }
    await promoteBlobs();
    if (draft.lineage && draft.lineage.parents.length > 0) {
      // After the replaced version is gone: its own parents no longer count. Last but the
      // event, under the lineage lock (PostgreSQL), which is then held for the check, the
      // parent rows and the commit only, never for the blob store's round trips.
      const self = { project: draft.project, name: draft.name, version };
      await lockLineage(trx, this.sqlDialect);
      await checkParents(trx, this.sqlDialect, draft.lineage.parents);
      if (await closesCycle(trx, self, draft.lineage.parents, draft.lineage.visibleProjects ?? null))
        throw lineageCycle(self, "input.lineage.parents");
      await insertParents(trx, modelId, draft.lineage);
    }
    await this.#recordEvent(trx, existing ? "OVERWRITTEN" : "CREATED", { project: draft.project, name: draft.name, version });
    const cardFile = draft.files.find((f) => f.path === CARD_PATH) ?? null;
    // Aliases point at the number: an overwritten version keeps its own. A number the
    // database assigns was never used, so no alias can point at it.
    const aliases =
      draft.version === undefined
        ? []
        : (await trx.selectFrom("aliases").select("alias").where("family_id", "=", familyId).where("version", "=", version).execute())
            .map((a) => a.alias)
            .sort();
    const lineage = lineageOf(row.lineage, draft.lineage?.parents ?? []);
    const model = { ...toRecord(row, draft.project, draft.name), ...sortedParts(draft.metrics, draft.files), cardFile, lineage, aliases };
    return { model, releasedBlobs };
  }

  async updateModel(edit: ModelEdit): Promise<ModelRecord | null> {
    const updated = await this.#transaction(async (trx) => {
      if (this.sqlDialect.supportsRowLocks) {
        // The family row's lock, as creates and deletes take it: edits of a family
        // serialise with each other and with overwrites, so a revision check cannot race.
        const family = await trx
          .selectFrom("families")
          .select("id")
          .where("project", "=", edit.ref.project)
          .where("name", "=", edit.ref.name)
          .forUpdate()
          .executeTakeFirst();
        if (!family) return null;
      }
      const model = await applyEdit(trx, this.sqlDialect, edit, this.#familyId(edit.ref.project, edit.ref.name));
      if (model) await this.#recordEvent(trx, "UPDATED", edit.ref);
      return model;
    });
    if (updated) this.events.committed();
    return updated;
  }

  async deleteModel(ref: ModelRef, aliased: (aliases: readonly AliasInTheWay[]) => void = () => {}): Promise<readonly string[] | null> {
    const released = await evenWhenFull(this.reserve, () => this.#delete(ref, aliased));
    if (released !== null) this.events.committed();
    return released;
  }

  readonly #record: RecordEvent = (trx, type, ref, alias) => this.#recordEvent(trx, type, ref, alias);

  getAliasedModel(ref: AliasRef, parts: ModelParts): Promise<ModelRecord | null> {
    return getAliasedModel(this.db, this.sqlDialect, ref, parts);
  }

  listAliases(project: string, name: string): Promise<AliasRecord[]> {
    return listAliases(this.db, this.sqlDialect, project, name);
  }

  listAliasesOfFamilies(project: string, names: readonly string[]): Promise<Map<string, AliasRecord[]>> {
    return listAliasesOfFamilies(this.db, this.sqlDialect, project, names);
  }

  async setAlias(change: AliasChange): Promise<AliasOutcome> {
    const outcome = await this.#transaction((trx) => applyAliasChange(trx, this.sqlDialect, change, this.#record));
    if (outcome.missing === undefined && outcome.previous?.version !== outcome.alias.version) this.events.committed();
    return outcome;
  }

  async removeAlias(ref: AliasRef, check: (current: AliasRecord) => void): Promise<AliasRecord | null> {
    const removed = await this.#transaction((trx) => applyAliasRemoval(trx, this.sqlDialect, ref, check, this.#record));
    if (removed) this.events.committed();
    return removed;
  }

  #delete(ref: ModelRef, aliased: (aliases: readonly AliasInTheWay[]) => void): Promise<readonly string[] | null> {
    return this.#transaction(async (trx) => {
      if (this.sqlDialect.supportsRowLocks) {
        // Lock the family row as creates do: a delete racing an overwrite then sees
        // the version that overwrite committed (read-committed would otherwise find
        // the replaced row gone, skip the new one and answer NOT_FOUND, which no
        // serial order of the two gives).
        const family = await trx
          .selectFrom("families")
          .select("id")
          .where("project", "=", ref.project)
          .where("name", "=", ref.name)
          .forUpdate()
          .executeTakeFirst();
        if (!family) return null;
      }
      const model = await trx
        .selectFrom("models")
        .select(["id", "family_id"])
        .where("family_id", "=", this.#familyId(ref.project, ref.name))
        .where("version", "=", ref.version)
        .executeTakeFirst();
      if (!model) return null;
      await dropAliasesOf(trx, Number(model.family_id), ref, aliased, this.#record);
      const files = await trx.selectFrom("model_files").select("sha256").where("model_id", "=", model.id).execute();
      const deleted = await trx.deleteFrom("models").where("id", "=", model.id).executeTakeFirst();
      // A concurrent delete got there first (PostgreSQL re-checks after the row lock).
      if (Number(deleted.numDeletedRows) === 0) return null;
      await this.#recordEvent(trx, "DELETED", ref);
      return [...new Set(files.map((f) => f.sha256))];
    });
  }

  async reclaimBlobs(candidates: readonly string[], deleteBlob: (sha256: string) => Promise<void>): Promise<string[]> {
    const reclaimed: string[] = [];
    for (const batch of chunks([...new Set(candidates)].sort(), BATCH)) {
      reclaimed.push(...(await this.#transaction((trx) => this.#reclaimBatch(trx, batch, deleteBlob))));
    }
    // Blobs are gone: if a delete used the reserve, take it back while there is room.
    await this.reserve?.restore();
    return reclaimed;
  }

  async #reclaimBatch(trx: Kysely<Database>, sorted: readonly string[], deleteBlob: (sha256: string) => Promise<void>): Promise<string[]> {
    let judged = sorted;
    if (this.sqlDialect.supportsRowLocks) {
      // Only rows this statement locked may be judged: a row inserted after it (a
      // new blob of the same digest) is not ours to delete. While we hold the lock
      // no create can start referencing these blobs.
      const locked = await trx.selectFrom("blobs").select("sha256").where("sha256", "in", sorted).orderBy("sha256").forUpdate().execute();
      judged = locked.map((r) => r.sha256);
      if (judged.length === 0) return [];
    }
    const orphans = await trx
      .selectFrom("blobs as b")
      .select("b.sha256")
      .where("b.sha256", "in", judged)
      .where(unreferencedAt(this.sqlDialect.nowMs()))
      .execute();
    const digests = orphans.map((o) => o.sha256);
    // Bytes go first: if the commit then fails, a row without bytes is harmless
    // (a later create promotes its own copy), bytes without a row would leak. Several at
    // a time: the locks (SQLite's write lock) are held until they are all gone, and one
    // after the other a version of 1,000 files on S3 held them for 1,000 round trips.
    await eachLimited(digests, DELETES_AT_ONCE, deleteBlob);
    if (digests.length > 0) await trx.deleteFrom("blobs").where("sha256", "in", digests).execute();
    return digests;
  }

  async adoptBlobs(blobs: readonly { readonly sha256: string; readonly sizeBytes: number }[]): Promise<string[]> {
    if (blobs.length === 0) return [];
    const now = Date.now();
    const sorted = [...blobs].sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
    return this.#transaction(async (trx) => {
      const rows = await trx
        .insertInto("blobs")
        .values(sorted.map((b) => ({ sha256: b.sha256, size_bytes: b.sizeBytes, created_at: now })))
        .onConflict((oc) => oc.column("sha256").doNothing())
        .returning("sha256")
        .execute();
      return rows.map((r) => r.sha256);
    });
  }

  async holdBlobs(holdId: string, shas: readonly string[], holdMs: number): Promise<void> {
    const expiresAt = sql<number>`${this.sqlDialect.nowMs()} + ${holdMs}`;
    await this.#transaction(async (trx) => {
      for (const batch of chunks([...new Set(shas)].sort(), BATCH)) {
        // A reclaim locks its rows FOR UPDATE and deletes the bytes before it commits:
        // this waits for it, and then finds the row gone. Once locked here, a reclaim
        // waits for this commit and sees the hold. Creates (FOR NO KEY UPDATE) go on.
        let rows = trx.selectFrom("blobs").select("sha256").where("sha256", "in", batch);
        if (this.sqlDialect.supportsRowLocks) rows = rows.orderBy("sha256").forKeyShare();
        const present = new Set((await rows.execute()).map((r) => r.sha256));
        const gone = batch.find((sha256) => !present.has(sha256));
        if (gone !== undefined) throw new NotFoundError("blob", gone);
        await trx
          .insertInto("blob_holds")
          .values(batch.map((sha256) => ({ hold_id: holdId, sha256, expires_at: expiresAt })))
          .execute();
      }
    });
  }

  async renewHold(holdId: string, holdMs: number): Promise<void> {
    await this.#transaction((trx) =>
      trx
        .updateTable("blob_holds")
        .set({ expires_at: sql<number>`${this.sqlDialect.nowMs()} + ${holdMs}` })
        .where("hold_id", "=", holdId)
        .execute(),
    );
  }

  async releaseHold(holdId: string): Promise<string[]> {
    const now = this.sqlDialect.nowMs();
    // Holds past their end (their gateway died holding them) go too, and their blobs are judged with ours.
    const ended = await this.#transaction((trx) =>
      trx
        .deleteFrom("blob_holds")
        .where((eb) => eb.or([eb("hold_id", "=", holdId), eb("expires_at", "<=", now)]))
        .returning("sha256")
        .execute(),
    );
    const candidates = [...new Set(ended.map((r) => r.sha256))].sort();
    const unreferenced: string[] = [];
    for (const batch of chunks(candidates, BATCH)) {
      const rows = await this.db
        .selectFrom("blobs as b")
        .select("b.sha256")
        .where("b.sha256", "in", batch)
        .where(unreferencedAt(now))
        .execute();
      unreferenced.push(...rows.map((r) => r.sha256));
    }
    return unreferenced;
  }

  /** Digests among `shas` that have a row. */
  async knownBlobs(shas: readonly string[]): Promise<Set<string>> {
    if (shas.length === 0) return new Set();
    const rows = await this.db.selectFrom("blobs").select("sha256").where("sha256", "in", shas).execute();
    return new Set(rows.map((r) => r.sha256));
  }

  async unreferencedBlobs(limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom("blobs as b")
      .select("b.sha256")
      .where(unreferencedAt(this.sqlDialect.nowMs()))
      .limit(limit)
      .execute();
    return rows.map((r) => r.sha256);
  }

  createdAt(): Promise<number | undefined> {
    return firstMigrationAt(this.db, this.sqlDialect);
  }

  async close(): Promise<void> {
    if (this.reads !== this.db) await this.reads.destroy();
    await this.db.destroy();
  }
}
