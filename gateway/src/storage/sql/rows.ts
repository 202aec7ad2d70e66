import type { Kysely, Selectable } from "kysely";
import type { ModelRecord } from "../metadata-store.js";
import type { Database } from "./schema.js";

type ModelRow = Selectable<Database["models"]>;

export function toRecord(row: ModelRow, project: string, name: string): ModelRecord {
  return {
    id: Number(row.id),
    project,
    name,
    version: row.version,
    description: row.description,
    framework: row.framework,
    signature: row.signature === null ? null : JSON.parse(row.signature),
    inputExample: row.input_example === null ? null : JSON.parse(row.input_example),
    tags: JSON.parse(row.tags),
    sizeBytes: Number(row.size_bytes),
    status: row.status as ModelRecord["status"],
    createdAt: new Date(Number(row.created_at)),
    createdBy: row.created_by,
  };
}

/** The family id as a scalar subquery, so every read stays one statement. */
export function familyId(db: Kysely<Database>, project: string, name: string) {
  return db.selectFrom("families").select("id").where("project", "=", project).where("name", "=", name);
}
