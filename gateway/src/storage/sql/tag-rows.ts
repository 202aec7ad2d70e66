import type { Kysely } from "kysely";
import { BATCH } from "../../domain/limits.js";
import { MAX_TAG_FILTER_CHARS } from "../../domain/model-filter.js";
import { chunks } from "./rows.js";
import type { Database } from "./schema.js";

/**
 * The tags of a version that model_tags holds, as [key, JSON text] pairs: strings,
 * numbers and booleans of at most MAX_TAG_FILTER_CHARS characters as JSON (the
 * longest value a filter can ask for). Others stay in models.tags only.
 */
export function indexableTags(tags: Readonly<Record<string, unknown>>): [string, string][] {
  const rows: [string, string][] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== "string" && typeof value !== "boolean" && !(typeof value === "number" && Number.isFinite(value))) continue;
    const json = JSON.stringify(value);
    if (json.length <= MAX_TAG_FILTER_CHARS) rows.push([key, json]);
  }
  return rows;
}

/** Writes the model_tags rows of a version (inside its write transaction). */
export async function insertTagRows(
  trx: Kysely<Database>,
  version: { readonly modelId: number; readonly familyId: number; readonly version: number },
  tags: Readonly<Record<string, unknown>>,
): Promise<void> {
  const rows = indexableTags(tags).map(([key, value]) => ({
    model_id: version.modelId,
    family_id: version.familyId,
    version: version.version,
    key,
    value,
  }));
  for (const batch of chunks(rows, BATCH)) await trx.insertInto("model_tags").values(batch).execute();
}
