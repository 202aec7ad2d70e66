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

/** Writes the model_tags rows of a version (inside its write transaction): its indexable tags. */
export async function insertTagRows(
  trx: Kysely<Database>,
  version: { readonly modelId: number; readonly familyId: number; readonly version: number },
  tags: readonly (readonly [string, string])[],
): Promise<void> {
  const rows = tags.map(([key, value]) => ({
    model_id: version.modelId,
    family_id: version.familyId,
    version: version.version,
    key,
    value,
  }));
  for (const batch of chunks(rows, BATCH)) await trx.insertInto("model_tags").values(batch).execute();
}

/**
 * The most (tag, metric) pairs of one version that model_tag_metrics holds: a
 * version with more has no rows there (models.tag_metrics_revision null), which
 * bounds what a registration or an edit writes, and its family's tag filters sorted
 * by a metric walk metrics_sort instead (list-models.ts).
 */
export const MAX_TAG_METRIC_PAIRS = 256;

/** Whether a version with these indexable tags and metrics is left out of model_tag_metrics. */
export function tagMetricsUnindexed(tags: readonly (readonly [string, string])[], metrics: readonly unknown[]): boolean {
  return tags.length * metrics.length > MAX_TAG_METRIC_PAIRS;
}

/**
 * Writes the model_tag_metrics rows of a version (inside its write transaction): one
 * statement, since a version within the cap has fewer pairs than a batch; nothing
 * when it has none or more than the cap.
 */
export async function insertTagMetricRows(
  trx: Kysely<Database>,
  version: { readonly modelId: number; readonly familyId: number; readonly version: number },
  tags: readonly (readonly [string, string])[],
  metrics: readonly { readonly key: string; readonly value: number }[],
): Promise<void> {
  if (tagMetricsUnindexed(tags, metrics)) return;
  const rows = tags.flatMap(([tagKey, tagValue]) =>
    metrics.map((m) => ({
      model_id: version.modelId,
      family_id: version.familyId,
      version: version.version,
      tag_key: tagKey,
      tag_value: tagValue,
      key: m.key,
      value: m.value,
    })),
  );
  for (const batch of chunks(rows, BATCH)) await trx.insertInto("model_tag_metrics").values(batch).execute();
}
