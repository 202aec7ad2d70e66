import { sql, type AliasedExpression, type Kysely, type Selectable } from "kysely";
import {
  EDITABLE_LARGE_COLUMNS,
  INLINE_TEXT_BYTES,
  LARGE_COLUMNS,
  type FileRecord,
  type LargeColumn,
  type LineageFacts,
  type LineageRecord,
  type MetricRecord,
  type ModelParts,
  type ModelRecord,
  type ModelRef,
} from "../../domain/records.js";
import type { Database, SqlDialect } from "./schema.js";

type ModelsTable = Database["models"];

/**
 * Every column of `models`, with the part that reads it (null: every read; "never":
 * the store's own bookkeeping, which no read of a version selects). Listing
 * pages read only what they show: a column of a part not asked for is not selected,
 * so neither sent nor parsed. A column added to the table must be classified here
 * (the `satisfies` does not compile otherwise).
 */
const MODEL_COLUMNS = {
  id: null,
  family_id: null,
  version: null,
  description: "description",
  framework: null,
  signature: "examples",
  input_example: "examples",
  tags: "tags",
  size_bytes: null,
  status: null,
  created_at: null,
  created_by: null,
  revision: null,
  updated_at: null,
  updated_by: null,
  flavors: "flavors",
  tf_meta_graph_tags: "flavors",
  lineage: "lineage",
  tag_metrics_revision: "never",
} as const satisfies Record<keyof ModelsTable, "flavors" | "examples" | "lineage" | "tags" | "description" | "never" | null>;

type PartColumn = { [K in keyof typeof MODEL_COLUMNS]: (typeof MODEL_COLUMNS)[K] extends null ? never : K }[keyof typeof MODEL_COLUMNS];

/** A models row: the columns of parts not asked for are absent. */
type ModelRow = Omit<Selectable<ModelsTable>, PartColumn> & Partial<Pick<Selectable<ModelsTable>, PartColumn>>;

/** The large columns (`LARGE_COLUMNS`), by record field: each column's name and its size's alias. */
const LARGE = {
  signature: { column: "signature", bytes: "signature_bytes" },
  inputExample: { column: "input_example", bytes: "input_example_bytes" },
  flavors: { column: "flavors", bytes: "flavors_bytes" },
  tfMetaGraphTags: { column: "tf_meta_graph_tags", bytes: "tf_meta_graph_tags_bytes" },
  description: { column: "description", bytes: "description_bytes" },
  tags: { column: "tags", bytes: "tags_bytes" },
} as const satisfies Record<LargeColumn, { column: PartColumn; bytes: string }>;

/** The large columns of the examples and flavors parts (JSON text; the description and tags are read on their own). */
const JSON_LARGE_COLUMNS = ["signature", "inputExample", "flavors", "tfMetaGraphTags"] as const satisfies readonly LargeColumn[];

/** The row columns of the editable large columns, taken with the row when short. */
const INLINE_COLUMNS: ReadonlySet<string> = new Set([...EDITABLE_LARGE_COLUMNS].map((field) => LARGE[field].column));

type LargeBytes = { readonly [C in LargeColumn as (typeof LARGE)[C]["bytes"]]?: number | string | bigint | null };

/** A models row with its parts as `partColumns` selected them (absent when not asked for). */
export interface ModelRowWithParts extends ModelRow, LargeBytes {
  readonly metrics_json?: unknown;
  readonly files_json?: unknown;
  readonly card_json?: unknown;
  readonly parents_json?: unknown;
  readonly aliases_json?: unknown;
}

const columnLists = new Map<string, readonly (string | AliasedExpression<unknown, string>)[]>();

/**
 * The `models` columns of the row aliased `row` that a read with `parts` needs, as
 * select expressions (`m.id`, …); with `largeSizes`, the large columns of the parts
 * asked for as their sizes in bytes as stored (`octet_length`, which neither backend
 * answers by reading the value: PostgreSQL reads the TOAST header, SQLite the record
 * header). Lists are built once per alias and part set.
 */
export function modelColumns<A extends string>(parts: ModelParts, row: A): readonly `${A}.${keyof ModelsTable}`[] {
  const key = `${row}:${parts.flavors ? 1 : 0}${parts.examples ? 1 : 0}${parts.lineage ? 1 : 0}${parts.largeSizes ? 1 : 0}${parts.skipTags ? 1 : 0}${parts.skipDescription ? 1 : 0}`;
  let list = columnLists.get(key);
  if (!list) {
    const sized = new Map<string, string>(parts.largeSizes ? Object.values(LARGE).map(({ column, bytes }) => [column, bytes]) : []);
    list = Object.entries(MODEL_COLUMNS)
      .filter(([, part]) =>
        part === "tags"
          ? !parts.skipTags
          : part === "description"
            ? !parts.skipDescription
            : part === null || (part !== "never" && parts[part]),
      )
      .flatMap(([column]): (string | AliasedExpression<unknown, string>)[] => {
        const bytes = sized.get(column);
        if (bytes === undefined) return [`${row}.${column}`];
        const ref = sql.ref(`${row}.${column}`);
        const size = sql<number | null>`octet_length(${ref})`.as(bytes);
        // A short description or tags comes with its size (`INLINE_TEXT_BYTES`); a longer one is null here, read after.
        return INLINE_COLUMNS.has(column)
          ? [sql<string | null>`case when octet_length(${ref}) <= ${sql.lit(INLINE_TEXT_BYTES)} then ${ref} end`.as(column), size]
          : [size];
      });
    columnLists.set(key, list);
  }
  // Typed as the plain columns: the sizes are `LargeBytes`, read by `toRecord` alone.
  return list as readonly `${A}.${keyof ModelsTable}`[];
}

/** The model card's path: exactly this, case-sensitive, at the top of the version's files. */
export const CARD_PATH = "README.md";

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** SQLite hands JSON over as text, pg parses it already. */
function parseJson(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

function metricsFrom(json: unknown): MetricRecord[] {
  const rows = parseJson(json) as [string, number][];
  return rows.map(([key, value]) => ({ key, value: Number(value) })).sort((a, b) => byCodeUnit(a.key, b.key));
}

function filesFrom(json: unknown): FileRecord[] {
  const rows = parseJson(json) as [string, string, number][];
  return rows.map(([path, sha256, size]) => ({ path, sha256, sizeBytes: Number(size) })).sort((a, b) => byCodeUnit(a.path, b.path));
}

function aliasesFrom(json: unknown): string[] {
  return (parseJson(json) as string[]).sort(byCodeUnit);
}

function parentsFrom(json: unknown): ModelRef[] {
  const rows = parseJson(json) as [number, string, string, number][];
  return rows
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, project, name, version]) => ({ project, name, version: Number(version) }));
}

/** A version's lineage from its column and parent rows; null when it has neither. */
export function lineageOf(facts: string | null, parents: readonly ModelRef[]): LineageRecord | null {
  if (facts === null && parents.length === 0) return null;
  const parsed: LineageFacts =
    facts === null ? { trainingDataset: null, run: null, program: null, environment: null } : (JSON.parse(facts) as LineageFacts);
  return { ...parsed, parents };
}

function cardFrom(json: unknown): FileRecord {
  const [sha256, size] = parseJson(json) as [string, number];
  return { path: CARD_PATH, sha256, sizeBytes: Number(size) };
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
    // Absent when the read skipped it (`skipDescription`), or sized it and found it too long to take with the row.
    description: (row.description_bytes == null || Number(row.description_bytes) <= INLINE_TEXT_BYTES
      ? row.description
      : undefined) as ModelRecord["description"],
    framework: row.framework,
    // Absent when the read skipped them (`skipTags`) or sized them (`tagsText`, or read after the budget).
    tags: (row.tags === undefined || row.tags_bytes !== undefined ? undefined : JSON.parse(row.tags)) as ModelRecord["tags"],
    sizeBytes: Number(row.size_bytes),
    status: row.status as ModelRecord["status"],
    createdAt: new Date(Number(row.created_at)),
    createdBy: row.created_by,
    revision: Number(row.revision),
    updatedAt: new Date(Number(row.updated_at ?? row.created_at)),
    updatedBy: row.updated_at === null ? row.created_by : row.updated_by,
  };
  // Assigned, not spread: spreading `false` for an absent part is slow on a hot path.
  if (row.tags_bytes !== undefined && row.tags != null) record.tagsText = row.tags;
  if (row.metrics_json != null) record.metrics = metricsFrom(row.metrics_json);
  if (row.files_json != null) record.files = filesFrom(row.files_json);
  // Columns of the examples and flavors parts: undefined when not selected, null when the version has none.
  // Tested by name first: a page that reads none of them (the common one) pays four plain property reads.
  if (row.signature !== undefined || row.input_example !== undefined || row.flavors !== undefined || row.tf_meta_graph_tags !== undefined) {
    const values = record as { -readonly [C in LargeColumn]?: unknown };
    for (const field of JSON_LARGE_COLUMNS) {
      const text = row[LARGE[field].column];
      if (text !== undefined) values[field] = text === null ? null : JSON.parse(text);
    }
  }
  if (
    row.signature_bytes !== undefined ||
    row.input_example_bytes !== undefined ||
    row.flavors_bytes !== undefined ||
    row.tf_meta_graph_tags_bytes !== undefined ||
    row.description_bytes !== undefined ||
    row.tags_bytes !== undefined
  ) {
    const sizes: { [C in LargeColumn]?: number | null } = {};
    for (const field of LARGE_COLUMNS) {
      const bytes = row[LARGE[field].bytes];
      if (bytes !== undefined) sizes[field] = bytes === null ? null : Number(bytes);
    }
    record.largeSizes = sizes;
  }
  if (row.lineage !== undefined) record.lineage = lineageOf(row.lineage, row.parents_json == null ? [] : parentsFrom(row.parents_json));
  if (row.card_json !== undefined) record.cardFile = row.card_json === null ? null : cardFrom(row.card_json);
  if (row.aliases_json != null) record.aliases = aliasesFrom(row.aliases_json);
  return record;
}

/** The row column of a large column, for statements that read it (`readLarge`). */
export const largeColumnName = (field: LargeColumn) => LARGE[field].column;

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
  // One row of the primary key (model_id, path): an index lookup, whatever the version holds.
  const card = () =>
    db
      .selectFrom("model_files as cf")
      .select(dialect.jsonArray([sql.ref("cf.sha256"), sql.ref("cf.size_bytes")]).as("j"))
      .where("cf.model_id", "=", modelId)
      .where("cf.path", "=", CARD_PATH)
      .as("card_json");
  // The primary key (model_id, position): an index range of at most MAX_PARENTS rows.
  const parents = () =>
    db
      .selectFrom("model_parents as pp")
      .select(
        dialect
          .jsonAgg(
            dialect.jsonArray([
              sql.ref("pp.position"),
              sql.ref("pp.parent_project"),
              sql.ref("pp.parent_name"),
              sql.ref("pp.parent_version"),
            ]),
          )
          .as("j"),
      )
      .where("pp.model_id", "=", modelId)
      .as("parents_json");
  // The aliases_version index (family_id, version): they point at the number, not the row.
  const aliases = () =>
    db
      .selectFrom("aliases as pa")
      .select(dialect.jsonAgg(sql.ref("pa.alias")).as("j"))
      .where("pa.family_id", "=", sql.ref<number>(`${row}.family_id`))
      .where("pa.version", "=", sql.ref<number>(`${row}.version`))
      .as("aliases_json");
  // A part not asked for is no column at all (the row's field stays undefined).
  const columns: AliasedExpression<unknown, "metrics_json" | "files_json" | "card_json" | "parents_json" | "aliases_json">[] = [];
  if (parts.metrics) columns.push(metrics());
  if (parts.files) columns.push(files());
  if (parts.card) columns.push(card());
  if (parts.lineage) columns.push(parents());
  if (parts.aliases) columns.push(aliases());
  return columns;
}

/** The family id as a scalar subquery, so every read stays one statement. */
export function familyId(db: Kysely<Database>, project: string, name: string) {
  return db.selectFrom("families").select("id").where("project", "=", project).where("name", "=", name);
}

/** `items` in consecutive slices of at most `size` (statements stay within bound-parameter limits). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
