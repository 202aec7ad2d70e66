import { sql, type AliasedExpression, type Kysely, type Selectable } from "kysely";
import type { FileRecord, MetricRecord, ModelParts, ModelRecord } from "../../domain/records.js";
import type { Database, SqlDialect } from "./schema.js";

type ModelRow = Selectable<Database["models"]>;

/** A models row with its parts as `partColumns` selected them (absent when not asked for). */
export interface ModelRowWithParts extends ModelRow {
  readonly metrics_json?: unknown;
  readonly files_json?: unknown;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** SQLite hands JSON over as text, pg parses it already. */
function parseJson(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

/** Sorted by code unit; the database usually hands them over in that order already (its key index). */
function metricsFrom(json: unknown): MetricRecord[] {
  const rows = parseJson(json) as [string, number][];
  const metrics = rows.map(([key, value]) => ({ key, value: Number(value) }));
  for (let i = 1; i < metrics.length; i++) {
    if (byCodeUnit(metrics[i - 1]!.key, metrics[i]!.key) > 0) return metrics.sort((a, b) => byCodeUnit(a.key, b.key));
  }
  return metrics;
}

function filesFrom(json: unknown): FileRecord[] {
  const rows = parseJson(json) as [string, string, number][];
  return rows.map(([path, sha256, size]) => ({ path, sha256, sizeBytes: Number(size) })).sort((a, b) => byCodeUnit(a.path, b.path));
}

/** Sorts like the records the store reads back, so a created version equals a read one. */
export function sortedParts(metrics: readonly MetricRecord[], files: readonly FileRecord[]) {
  return {
    metrics: [...metrics].sort((a, b) => byCodeUnit(a.key, b.key)),
    files: [...files].sort((a, b) => byCodeUnit(a.path, b.path)),
  };
}

/** A version record from its row, with the parts `partColumns` read beside it. */
export function toRecord(row: ModelRowWithParts, project: string, name: string): ModelRecord {
  const record: { -readonly [K in keyof ModelRecord]: ModelRecord[K] } = {
    id: Number(row.id),
    project,
    name,
    version: row.version,
    description: row.description,
    framework: row.framework,
    signature: row.signature === null ? null : (JSON.parse(row.signature) as ModelRecord["signature"]),
    inputExample: row.input_example === null ? null : (JSON.parse(row.input_example) as ModelRecord["inputExample"]),
    tags: JSON.parse(row.tags) as ModelRecord["tags"],
    sizeBytes: Number(row.size_bytes),
    status: row.status as ModelRecord["status"],
    createdAt: new Date(Number(row.created_at)),
    createdBy: row.created_by,
    revision: Number(row.revision),
    updatedAt: new Date(Number(row.updated_at ?? row.created_at)),
    updatedBy: row.updated_at === null ? row.created_by : row.updated_by,
  };
  // Assigned, not spread: spreading `false` for an absent part is slow on a hot path.
  if (row.metrics_json != null) record.metrics = metricsFrom(row.metrics_json);
  if (row.files_json != null) record.files = filesFrom(row.files_json);
  return record;
}

/**
 * The asked-for parts of the version row aliased `row` (a models row), as JSON
 * columns of the same statement: correlated subqueries read the snapshot the row
 * came from, so the parts always belong to that row.
 */
export function partColumns(db: Kysely<Database>, dialect: SqlDialect, parts: ModelParts, row = "m") {
  const modelId = sql.ref<number>(`${row}.id`);
  // Built only when asked for: most listings select neither, and building costs.
  const metrics = () =>
    db
      .selectFrom("metrics as pm")
      .select(dialect.jsonAgg(dialect.jsonArray([sql.ref("pm.key"), sql.ref("pm.value")])).as("j"))
      .where("pm.model_id", "=", modelId)
      .as("metrics_json");
  const files = () =>
    db
      .selectFrom("model_files as pf")
      .select(dialect.jsonAgg(dialect.jsonArray([sql.ref("pf.path"), sql.ref("pf.sha256"), sql.ref("pf.size_bytes")])).as("j"))
      .where("pf.model_id", "=", modelId)
      .as("files_json");
  // A part not asked for is no column at all (the row's field stays undefined).
  const columns: AliasedExpression<unknown, "metrics_json" | "files_json">[] = [];
  if (parts.metrics) columns.push(metrics());
  if (parts.files) columns.push(files());
  return columns;
}

/** The family id as a scalar subquery, so every read stays one statement. */
export function familyId(db: Kysely<Database>, project: string, name: string) {
  return db.selectFrom("families").select("id").where("project", "=", project).where("name", "=", name);
}
