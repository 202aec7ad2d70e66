import { sql, type Kysely, type Migration, type MigrationProvider } from "kysely";
import type { SqlDialect } from "./schema.js";

/** A migration is frozen in time: it names tables and columns, never today's schema types. */
type FrozenDb = Kysely<Record<string, Record<string, unknown>>>;

/** 0012's rule for a tag model_tags holds: a string, number or boolean of at most 256 characters as JSON. */
function indexableTags0012(tags: Record<string, unknown>): [string, string][] {
  return Object.entries(tags)
    .filter(([, v]) => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)))
    .map(([k, v]): [string, string] => [k, JSON.stringify(v)])
    .filter(([, json]) => json.length <= 256);
}

/**
 * Versioned migrations, applied at start-up by Kysely's Migrator (which takes a
 * lock, so replicas starting together apply each migration once). Append only,
 * named so that they sort in order, and each one backward compatible: a replica
 * of the previous release must keep working on the migrated schema (add tables,
 * columns with defaults and indexes; drop or rename only what no release still
 * running uses). Rolling upgrades rely on it: see `migrationProvider`.
 */
function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    "0001_registry": {
      async up(db: FrozenDb) {
        const autoId = (table: string) =>
          db.schema
            .createTable(table)
            .addColumn("id", dialect.name === "postgres" ? "bigint" : "integer", (col) =>
              dialect.name === "postgres" ? col.generatedByDefaultAsIdentity().primaryKey() : col.primaryKey().autoIncrement(),
            );

        await autoId("families")
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("last_version", "integer", (c) => c.notNull())
          .addUniqueConstraint("families_project_name", ["project", "name"])
          .execute();

        await autoId("models")
          .addColumn("family_id", "bigint", (c) => c.notNull().references("families.id"))
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("description", "text")
          .addColumn("framework", "text")
          .addColumn("signature", "text")
          .addColumn("input_example", "text")
          .addColumn("tags", "text", (c) => c.notNull())
          .addColumn("size_bytes", "bigint", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("created_by", "text")
          .addUniqueConstraint("models_family_version", ["family_id", "version"])
          .execute();

        await db.schema
          .createTable("blobs")
          .addColumn("sha256", "text", (c) => c.primaryKey())
          .addColumn("size_bytes", "bigint", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("metrics")
          .addColumn("model_id", "bigint", (c) => c.notNull().references("models.id").onDelete("cascade"))
          .addColumn("family_id", "bigint", (c) => c.notNull())
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("key", "text", (c) => c.notNull())
          .addColumn("value", "double precision", (c) => c.notNull())
          .addPrimaryKeyConstraint("metrics_pk", ["model_id", "key"])
          .execute();
        // One index per direction, so both walk the index in order with no sort step:
        // DESC reads (value, version) backwards; ASC reads (value, version DESC) forwards.
        await db.schema.createIndex("metrics_sort").on("metrics").columns(["family_id", "key", "value", "version"]).execute();
        await db.schema.createIndex("metrics_sort_asc").on("metrics").columns(["family_id", "key", "value", "version desc"]).execute();

        await db.schema
          .createTable("model_files")
          .addColumn("model_id", "bigint", (c) => c.notNull().references("models.id").onDelete("cascade"))
          .addColumn("path", "text", (c) => c.notNull())
          .addColumn("sha256", "text", (c) => c.notNull().references("blobs.sha256"))
          .addColumn("size_bytes", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("model_files_pk", ["model_id", "path"])
          .execute();
        await db.schema.createIndex("model_files_sha256").on("model_files").column("sha256").execute();
      },
    },
    "0002_access": {
      async up(db: FrozenDb) {
        await db.schema
          .createTable("projects")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("created_by", "text")
          .execute();
        await db.insertInto("projects").values({ name: "default", created_at: Date.now(), created_by: null }).execute();
        await db.schema
          .createTable("api_keys")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("secret_sha256", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("created_by", "text")
          .addColumn("revoked_at", "bigint")
          .execute();
        // project "*" grants a role on every project (the bootstrap admin key).
        await db.schema
          .createTable("api_key_grants")
          .addColumn("key_id", "text", (c) => c.notNull().references("api_keys.id").onDelete("cascade"))
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("role", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("api_key_grants_pk", ["key_id", "project"])
          .execute();
      },
    },
    "0003_version_counter_bigint": {
      // The counter may pass 2^31-1 by one, so the registry can refuse with a typed
      // error instead of PostgreSQL failing the statement (SQLite integers are 64-bit).
      async up(db: FrozenDb) {
        if (dialect.name === "postgres") {
          await db.schema
            .alterTable("families")
            .alterColumn("last_version", (c) => c.setDataType("bigint"))
            .execute();
        }
      },
    },
    "0004_grant_order": {
      // A key's first grant is its default project: keep the order grants were given in.
      async up(db: FrozenDb) {
        await db.schema
          .alterTable("api_key_grants")
          .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
          .execute();
      },
    },
    "0005_events": {
      // The event log behind subscriptions: written in each change's transaction, read by seq.
      async up(db: FrozenDb) {
        await db.schema
          .createTable("events")
          .addColumn("seq", dialect.name === "postgres" ? "bigint" : "integer", (col) =>
            dialect.name === "postgres" ? col.generatedByDefaultAsIdentity().primaryKey() : col.primaryKey().autoIncrement(),
          )
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("events_at").on("events").column("at").execute();
      },
    },
    "0006_rate_limits": {
      // Token buckets shared by replicas (storage/postgres/pg-rate-limits.ts). UNLOGGED:
      // a take writes no WAL, and a crash only refills every bucket. The embedded
      // store keeps its buckets in memory (a per-request write would serialise every
      // request behind SQLite's single writer and its fsync), so it has no table.
      async up(db: FrozenDb) {
        if (dialect.name === "postgres") {
          await sql`create unlogged table rate_limits (bucket text primary key, tat double precision not null, granted integer not null)`.execute(
            db,
          );
        }
      },
    },
    "0007_family_version_count": {
      // totalCount reads one row instead of counting the family's versions. Triggers
      // keep the counter, not the application: every release's inserts and deletes
      // (a previous release's replica during a rolling upgrade, a rollback, a manual
      // fix in SQL) move it in their own transaction, so it cannot drift. An overwrite
      // is a delete and an insert: no change. The backfill runs after the triggers
      // exist, in the migration's transaction (which locks the tables on PostgreSQL
      // and holds SQLite's write lock), and sets absolute values.
      async up(db: FrozenDb) {
        await db.schema
          .alterTable("families")
          .addColumn("version_count", "integer", (c) => c.notNull().defaultTo(0))
          .execute();
        if (dialect.name === "postgres") {
          // Statement-level with transition tables: one UPDATE per statement, however
          // many rows it inserts or deletes (a per-row UPDATE of one family row would
          // pile up row versions in a bulk load).
          for (const [event, table, sign] of [
            ["insert", "new_rows", "+"],
            ["delete", "old_rows", "-"],
          ] as const) {
            await sql
              .raw(
                `create function homer_models_count_${event}() returns trigger language plpgsql as $$
                 begin
                   update families f set version_count = f.version_count ${sign} c.n
                     from (select family_id, count(*) as n from ${table} group by family_id) c
                    where f.id = c.family_id;
                   return null;
                 end $$`,
              )
              .execute(db);
            await sql
              .raw(
                `create trigger models_count_${event} after ${event} on models
                 referencing ${event === "insert" ? "new" : "old"} table as ${table}
                 for each statement execute function homer_models_count_${event}()`,
              )
              .execute(db);
          }
        } else {
          await sql`create trigger models_count_insert after insert on models begin
                      update families set version_count = version_count + 1 where id = new.family_id; end`.execute(db);
          await sql`create trigger models_count_delete after delete on models begin
                      update families set version_count = version_count - 1 where id = old.family_id; end`.execute(db);
        }
        await sql`update families set version_count = (select count(*) from models where models.family_id = families.id)`.execute(db);
      },
    },
    "0008_family_search": {
      // modelFamilies lists a project's families by name, case-insensitively, and
      // finds them by a name prefix: one index serves the equality on project, the
      // prefix range and the order, so a page stops after its rows. PostgreSQL
      // compares byte by byte (COLLATE "C", as the queries do): under a locale's
      // collation a prefix is no range (punctuation is ignored at first).
      async up(db: FrozenDb) {
        if (dialect.name === "postgres") {
          await sql`create index families_search on families (project, lower(name) collate "C", name collate "C")`.execute(db);
        } else {
          await sql`create index families_search on families (project, lower(name), name)`.execute(db);
        }
      },
    },
    "0009_model_flavors": {
      // Each flavor's MLmodel details (JSON) and the TensorFlow MetaGraph tags (a JSON
      // array). Nullable, no default: a row a previous release writes has neither, which
      // reads as absent; that release reads rows by name (selectAll) and ignores them.
      // Adding a nullable column without a default rewrites no row on either backend.
      async up(db: FrozenDb) {
        await db.schema.alterTable("models").addColumn("flavors", "text").execute();
        await db.schema.alterTable("models").addColumn("tf_meta_graph_tags", "text").execute();
      },
    },
    "0010_model_updates": {
      // Metadata edits (updateModel). Backward compatible: a previous release inserts
      // versions without these columns and gets revision 1, never edited (NULLs);
      // it never reads them. updated_at/updated_by stay NULL until the first edit.
      async up(db: FrozenDb) {
        await db.schema
          .alterTable("models")
          .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
          .execute();
        await db.schema.alterTable("models").addColumn("updated_at", "bigint").execute();
        await db.schema.alterTable("models").addColumn("updated_by", "text").execute();
      },
    },
    "0011_aliases": {
      // Named pointers to versions. They point at (family, version number), not at a
      // models row: an overwrite replaces the row and the alias stays on the number.
      // A previous release never reads the table; its deletes do not know aliases and
      // may leave one pointing at a deleted version, which then resolves to null.
      // The events' alias column is nullable: that release's inserts leave it NULL
      // and its reads (by name) ignore it.
      async up(db: FrozenDb) {
        await db.schema
          .createTable("aliases")
          .addColumn("family_id", "bigint", (c) => c.notNull().references("families.id"))
          .addColumn("alias", "text", (c) => c.notNull())
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("protected", dialect.name === "postgres" ? "boolean" : "integer", (c) =>
            c.notNull().defaultTo(dialect.name === "postgres" ? false : 0),
          )
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addColumn("updated_by", "text")
          .addPrimaryKeyConstraint("aliases_pk", ["family_id", "alias"])
          .execute();
        // A version's aliases (Model.aliases, and a delete's check) in one index range.
        await db.schema.createIndex("aliases_version").on("aliases").columns(["family_id", "version"]).execute();
        await db.schema.alterTable("events").addColumn("alias", "text").execute();
      },
    },
    "0012_filters": {
      // Filters (models(filter:), bestModel(filter:)) drive a page from the index of
      // their most selective condition. Tags live as JSON in models.tags; model_tags
      // mirrors the indexable ones (string, number or boolean values of at most 256
      // characters as JSON text) so a tag match is an index range. createModel and
      // updateModel keep it in step; a previous release's writes do not (it knows no
      // such table), so a rollback then upgrade should rerun the backfill below.
      async up(db: FrozenDb) {
        await db.schema
          .createTable("model_tags")
          .addColumn("model_id", "bigint", (c) => c.notNull().references("models.id").onDelete("cascade"))
          .addColumn("family_id", "bigint", (c) => c.notNull())
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("key", "text", (c) => c.notNull())
          .addColumn("value", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("model_tags_pk", ["model_id", "key"])
          .execute();
        await db.schema.createIndex("model_tags_match").on("model_tags").columns(["family_id", "key", "value", "version"]).execute();
        await db.schema.createIndex("models_family_framework").on("models").columns(["family_id", "framework", "version"]).execute();
        await db.schema.createIndex("models_family_created").on("models").columns(["family_id", "created_at"]).execute();
        let lastId = 0;
        for (;;) {
          const rows = await db
            .selectFrom("models")
            .select(["id", "family_id", "version", "tags"])
            .where("id", ">", lastId)
            .orderBy("id")
            .limit(500)
            .execute();
          if (rows.length === 0) break;
          lastId = Number(rows.at(-1)!.id);
          const tagRows = rows.flatMap((r) =>
            indexableTags0012(JSON.parse(String(r.tags)) as Record<string, unknown>).map(([key, value]) => ({
              model_id: r.id,
              family_id: r.family_id,
              version: r.version,
              key,
              value,
            })),
          );
          for (let i = 0; i < tagRows.length; i += 100)
            await db
              .insertInto("model_tags")
              .values(tagRows.slice(i, i + 100))
              .execute();
        }
      },
    },
    "0013_lineage": {
      // A version's lineage: its facts as one JSON column (nullable, no default: a previous
      // release neither writes nor reads it), and its parents as rows, so the reverse
      // direction (a parent's derived versions) is an index range. Parents are named by
      // project, name and version, not by row id: a reference outlives its parent's
      // deletion and follows the version number through an overwrite. A child's rows go
      // with it (cascade); a previous release deleting or overwriting a version does too.
      async up(db: FrozenDb) {
        await db.schema.alterTable("models").addColumn("lineage", "text").execute();
        await db.schema
          .createTable("model_parents")
          .addColumn("model_id", "bigint", (c) => c.notNull().references("models.id").onDelete("cascade"))
          .addColumn("position", "integer", (c) => c.notNull())
          .addColumn("parent_project", "text", (c) => c.notNull())
          .addColumn("parent_name", "text", (c) => c.notNull())
          .addColumn("parent_version", "integer", (c) => c.notNull())
          .addPrimaryKeyConstraint("model_parents_pk", ["model_id", "position"])
          .execute();
        await db.schema
          .createIndex("model_parents_children")
          .on("model_parents")
          .columns(["parent_project", "parent_name", "parent_version", "model_id"])
          .execute();
      },
    },
    "0014_family_times": {
      // modelFamilies shows when a family was created and last changed, and sorts by
      // the latter. Triggers keep both, as they keep version_count (0007), so every
      // release's writes move them: a family's created_at is its first version's
      // registration time (kept when its versions are all deleted and it starts
      // again); updated_at is the latest registration, overwrite, edit (the version's
      // updated_at) or deletion — a deletion is stamped by the database's clock, the
      // rest by the gateway's, as their rows carry. The version_count triggers are
      // replaced by ones that also keep the times, so a write still updates the family
      // row once. Nullable: a family with no version yet reads both as absent.
      async up(db: FrozenDb) {
        await db.schema.alterTable("families").addColumn("created_at", "bigint").execute();
        await db.schema.alterTable("families").addColumn("updated_at", "bigint").execute();
        if (dialect.name === "postgres") {
          const now = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
          await sql
            .raw(
              `create or replace function homer_models_count_insert() returns trigger language plpgsql as $$
               begin
                 update families f set version_count = f.version_count + c.n,
                        created_at = coalesce(f.created_at, c.first_at),
                        updated_at = greatest(f.updated_at, c.last_at)
                   from (select family_id, count(*) as n, min(created_at) as first_at, max(created_at) as last_at
                           from new_rows group by family_id) c
                  where f.id = c.family_id;
                 return null;
               end $$`,
            )
            .execute(db);
          await sql
            .raw(
              `create or replace function homer_models_count_delete() returns trigger language plpgsql as $$
               begin
                 update families f set version_count = f.version_count - c.n, updated_at = greatest(f.updated_at, ${now})
                   from (select family_id, count(*) as n from old_rows group by family_id) c
                  where f.id = c.family_id;
                 return null;
               end $$`,
            )
            .execute(db);
          await sql
            .raw(
              `create function homer_models_touch() returns trigger language plpgsql as $$
               begin
                 update families f set updated_at = greatest(f.updated_at, c.at)
                   from (select family_id, max(updated_at) as at from new_rows where updated_at is not null group by family_id) c
                  where f.id = c.family_id and c.at > coalesce(f.updated_at, 0);
                 return null;
               end $$`,
            )
            .execute(db);
          await sql
            .raw(
              `create trigger models_touch after update on models
               referencing new table as new_rows for each statement execute function homer_models_touch()`,
            )
            .execute(db);
        } else {
          const now = "cast((julianday('now') - 2440587.5) * 86400000 as integer)";
          await sql`drop trigger models_count_insert`.execute(db);
          await sql`drop trigger models_count_delete`.execute(db);
          await sql
            .raw(
              `create trigger models_count_insert after insert on models begin
                 update families set version_count = version_count + 1, created_at = coalesce(created_at, new.created_at),
                        updated_at = max(coalesce(updated_at, 0), new.created_at)
                  where id = new.family_id; end`,
            )
            .execute(db);
          await sql
            .raw(
              `create trigger models_count_delete after delete on models begin
                 update families set version_count = version_count - 1, updated_at = max(coalesce(updated_at, 0), ${now})
                  where id = old.family_id; end`,
            )
            .execute(db);
          await sql
            .raw(
              `create trigger models_touch after update of updated_at on models when new.updated_at is not null begin
                 update families set updated_at = max(coalesce(updated_at, 0), new.updated_at) where id = new.family_id; end`,
            )
            .execute(db);
        }
        // Backfill from the versions there are (a deletion before this migration left no trace).
        await sql`update families set
                    created_at = (select min(m.created_at) from models m where m.family_id = families.id),
                    updated_at = (select max(coalesce(m.updated_at, m.created_at)) from models m where m.family_id = families.id)`.execute(
          db,
        );
        // modelFamilies(orderBy: UPDATED): the project's families, most recently changed first, then by name.
        if (dialect.name === "postgres") {
          await sql`create index families_recent on families (project, updated_at desc, name collate "C")`.execute(db);
        } else {
          await sql`create index families_recent on families (project, updated_at desc, name)`.execute(db);
        }
      },
    },
    "0015_tag_metrics": {
      // A page filtered by a tag and sorted by a metric walks a tag's matches in the
      // metric's order: one row per (indexable tag, metric) pair of each version, with
      // an index per direction as metrics_sort and metrics_sort_asc (ties by version
      // descending either way; model_id last, so the walk reads the index alone).
      // models.tag_metrics_revision is the revision whose pairs the table holds, or
      // null: a version with more than 256 pairs (it has none there), one the previous
      // release created (the column's default), or one it edited (its revision moved
      // on: a trigger nulls the column then). A family holding such a version is not
      // walked this way: a partial index of the nulls, empty in most families, finds
      // one (an IS NULL the planners estimate from the column's statistics).
      // createModel and updateModel keep the pairs and the column in step; deletes cascade.
      async up(db: FrozenDb) {
        await db.schema
          .createTable("model_tag_metrics")
          .addColumn("model_id", "bigint", (c) => c.notNull().references("models.id").onDelete("cascade"))
          .addColumn("family_id", "bigint", (c) => c.notNull())
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("tag_key", "text", (c) => c.notNull())
          .addColumn("tag_value", "text", (c) => c.notNull())
          .addColumn("key", "text", (c) => c.notNull())
          .addColumn("value", "double precision", (c) => c.notNull())
          .addPrimaryKeyConstraint("model_tag_metrics_pk", ["model_id", "tag_key", "key"])
          // SQLite: the rows live in the primary key's b-tree, one fewer to write per row.
          .$call((t) => (dialect.name === "sqlite" ? t.modifyEnd(sql`without rowid`) : t))
          .execute();
        const sortColumns = ["family_id", "tag_key", "tag_value", "key", "value"];
        await db.schema
          .createIndex("model_tag_metrics_sort")
          .on("model_tag_metrics")
          .columns([...sortColumns, "version", "model_id"])
          .execute();
        await db.schema
          .createIndex("model_tag_metrics_sort_asc")
          .on("model_tag_metrics")
          .columns([...sortColumns, "version desc", "model_id"])
          .execute();
        await db.schema.alterTable("models").addColumn("tag_metrics_revision", "integer").execute();
        if (dialect.name === "postgres") {
          await sql
            .raw(
              `create function homer_models_tag_metrics_stale() returns trigger language plpgsql as $$
               begin
                 if new.tag_metrics_revision is distinct from new.revision then new.tag_metrics_revision := null; end if;
                 return new;
               end $$`,
            )
            .execute(db);
          await sql
            .raw(
              `create trigger models_tag_metrics_stale before update on models
               for each row execute function homer_models_tag_metrics_stale()`,
            )
            .execute(db);
        } else {
          await sql
            .raw(
              `create trigger models_tag_metrics_stale after update of revision on models
               when new.tag_metrics_revision is not null and new.tag_metrics_revision <> new.revision begin
                 update models set tag_metrics_revision = null where id = new.id; end`,
            )
            .execute(db);
        }
        const pairs = (id: string) =>
          sql`(select count(*) from model_tags a where a.model_id = ${sql.ref(id)}) * (select count(*) from metrics b where b.model_id = ${sql.ref(id)})`;
        let lastId = 0;
        for (;;) {
          const rows = await db.selectFrom("models").select("id").where("id", ">", lastId).orderBy("id").limit(500).execute();
          if (rows.length === 0) break;
          const [from, to] = [lastId, Number(rows.at(-1)!.id)];
          lastId = to;
          await sql`insert into model_tag_metrics (model_id, family_id, version, tag_key, tag_value, key, value)
                    select t.model_id, t.family_id, t.version, t.key, t.value, mt.key, mt.value
                      from model_tags t join metrics mt on mt.model_id = t.model_id
                     where t.model_id > ${from} and t.model_id <= ${to} and ${pairs("t.model_id")} <= 256`.execute(db);
          await sql`update models set tag_metrics_revision = revision
                     where id > ${from} and id <= ${to} and ${pairs("models.id")} <= 256`.execute(db);
        }
        await sql`create index models_tag_metrics_stale on models (family_id) where tag_metrics_revision is null`.execute(db);
      },
    },
    "0016_family_search_ascii": {
      // PostgreSQL's lower() follows the database's locale: under a Turkish one (tr_TR, or
      // ICU tr), lower('I') is 'ı', so "Iris" was out of the range of a search for "i" and
      // sorted after "zeta", while a page's cursor, lower-cased by the gateway, put it
      // among the i's (pages repeated families). Folded under "C", lower() changes A-Z
      // only, as the gateway does. The index is rebuilt on that expression; SQLite's
      // lower() was ASCII-only already.
      async up(db: FrozenDb) {
        if (dialect.name !== "postgres") return;
        await sql`drop index if exists families_search`.execute(db);
        await sql`create index families_search on families (project, lower(name collate "C"), name collate "C")`.execute(db);
      },
    },
    "0017_blob_holds": {
      // Blobs a reader of several in turn (an archive) keeps from every reclaim, on any
      // replica, until it lets go or `expires_at` (ms since the epoch) passes: a gateway
      // that died holding them holds nothing for long.
      async up(db: FrozenDb) {
        await db.schema
          .createTable("blob_holds")
          .addColumn("hold_id", "text", (c) => c.notNull())
          .addColumn("sha256", "text", (c) => c.notNull())
          .addColumn("expires_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("blob_holds_pkey", ["hold_id", "sha256"])
          .execute();
        await db.schema.createIndex("blob_holds_sha256").on("blob_holds").columns(["sha256", "expires_at"]).execute();
        await db.schema.createIndex("blob_holds_expires_at").on("blob_holds").column("expires_at").execute();
      },
    },
    "0018_download_tickets": {
      // A download ticket: one file's URL a browser may fetch without the key that minted it,
      // briefly and a few times (`AccessStore.mintTicket`). Only the secret's digest is kept;
      // `path` null would name the version's archive. A new table: a previous release never reads it.
      async up(db: FrozenDb) {
        await db.schema
          .createTable("download_tickets")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("secret_sha256", "text", (c) => c.notNull())
          .addColumn("key_id", "text", (c) => c.notNull())
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("path", "text")
          .addColumn("file_sha256", "text", (c) => c.notNull())
          .addColumn("expires_at", "bigint", (c) => c.notNull())
          .addColumn("uses", "integer", (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex("download_tickets_expires_at").on("download_tickets").column("expires_at").execute();
      },
    },
    "0019_version_lookup_indexes": {
      // A version looked up by its family and number from another row (a page's parents, a
      // create's parents, the lineage walk) must be a seek of `models_family_version`. The
      // two other indexes leading with family_id could serve that lookup too, by reading the
      // family's versions and filtering the number, and PostgreSQL took one when its
      // statistics said families are small (most of one version): a long family read whole
      // for each reference. Each becomes partial, on a predicate only the filter it serves
      // implies (`created_at >= 0`, written out by the created filter; `framework is not
      // null`, which `framework = x` implies), so no plan of a lookup can choose it. A
      // previous release's created filter does not write the predicate: until its replicas
      // are gone it walks the family instead of the index.
      // On PostgreSQL each new index is built beside the old one first (writes wait, reads go
      // on), then takes its name: the table's exclusive lock, which reads wait for too, is
      // taken only for the drop and the rename, at the end. SQLite renames no index; its
      // readers keep their snapshot while the writer rebuilds.
      async up(db: FrozenDb) {
        const rebuild = async (name: string, definition: string) => {
          if (dialect.name === "postgres") {
            await sql`create index ${sql.id(`${name}_0019`)} on models ${sql.raw(definition)}`.execute(db);
            await sql`drop index if exists ${sql.id(name)}`.execute(db);
            await sql`alter index ${sql.id(`${name}_0019`)} rename to ${sql.id(name)}`.execute(db);
          } else {
            await sql`drop index if exists ${sql.id(name)}`.execute(db);
            await sql`create index ${sql.id(name)} on models ${sql.raw(definition)}`.execute(db);
          }
        };
        await rebuild("models_family_created", "(family_id, created_at) where created_at >= 0");
        await rebuild("models_family_framework", "(family_id, framework, version) where framework is not null");
      },
    },
  };
}

/** Names the database records as applied that this release does not know (a newer release's). */
export function unknownMigrations(dialect: SqlDialect, applied: readonly string[]): string[] {
  const known = migrations(dialect);
  return applied.filter((name) => !Object.hasOwn(known, name));
}

/**
 * Names the database records as applied that this release does not know and that sort
 * before its own last migration: no newer release's (a newer release appends after every
 * migration of this one) but a history that diverged from this release's.
 */
export function divergedMigrations(dialect: SqlDialect, applied: readonly string[]): string[] {
  const last = Object.keys(migrations(dialect)).sort().at(-1)!;
  return unknownMigrations(dialect, applied).filter((name) => name < last);
}

/**
 * This release's migrations, plus a stand-in for each applied one it does not know:
 * during a rolling upgrade the first upgraded replica migrates, and a replica of the
 * previous release that starts (or restarts) afterwards runs on the newer schema
 * instead of refusing to start. An unknown migration ordered before one of this
 * release's is a diverged history, not a newer release: see `divergedMigrations`.
 */
export function migrationProvider(dialect: SqlDialect, applied: readonly string[] = []): MigrationProvider {
  const standIn: Migration = {
    up: () => Promise.reject(new Error("a newer release's migration is recorded as applied; it never runs here")),
  };
  return {
    getMigrations: async () => ({
      ...migrations(dialect),
      ...Object.fromEntries(unknownMigrations(dialect, applied).map((name) => [name, standIn])),
    }),
  };
}
