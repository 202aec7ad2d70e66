import { sql, type Kysely, type SelectQueryBuilder } from "kysely";
import { BATCH } from "../../domain/limits.js";
import type { ModelEdit, ModelRecord } from "../../domain/records.js";
import { environmentNotAFile, lineageCycle } from "../../domain/lineage.js";
import { checkParents, closesCycle, factsColumn, insertParents, lockLineage } from "./lineage.js";
import { chunks, modelColumns, partColumns, toRecord } from "./rows.js";
import type { Database, SqlDialect } from "./schema.js";
import { indexableTags, insertTagMetricRows, insertTagRows, tagMetricsUnindexed } from "./tag-rows.js";

/**
 * Applies a metadata edit inside the caller's write transaction: reads the version,
 * lets `edit.check` decide against it (it throws to refuse, and then nothing was
 * written), then changes metrics in place (the metrics_sort indexes follow the rows,
 * so metric-sorted listings stay ordered), the tag and (tag, metric) rows, the row,
 * and its revision. Files are never touched. Null when the version does not exist.
 */
export async function applyEdit(
  trx: Kysely<Database>,
  dialect: SqlDialect,
  edit: ModelEdit,
  family: SelectQueryBuilder<Database, "families", { id: number }>,
): Promise<ModelRecord | null> {
  const row = await trx
    .selectFrom("models")
    .select(["id", "family_id", "version", "revision", "tags"])
    .where("family_id", "=", family)
    .where("version", "=", edit.ref.version)
    .executeTakeFirst();
  if (!row) return null;
  const modelId = Number(row.id);
  const held = await trx.selectFrom("metrics").select(["key", "value"]).where("model_id", "=", modelId).execute();
  // The version's metrics once the edit is applied.
  const metrics = new Map(held.map((m) => [m.key, Number(m.value)]));
  for (const key of edit.removeMetrics) metrics.delete(key);
  for (const m of edit.setMetrics) metrics.set(m.key, m.value);
  const tags = edit.check({
    revision: Number(row.revision),
    tags: JSON.parse(row.tags) as Readonly<Record<string, unknown>>,
    metricKeys: metrics.size,
  });

  if (edit.lineage) {
    const environment = edit.lineage.facts?.environment;
    if (environment != null) {
      const file = await trx
        .selectFrom("model_files")
        .select("path")
        .where("model_id", "=", modelId)
        .where("path", "=", environment)
        .executeTakeFirst();
      if (!file) throw environmentNotAFile(environment, "input.lineage.environment");
    }
    if (edit.lineage.parents.length > 0) await lockLineage(trx, dialect);
    await checkParents(trx, dialect, edit.lineage.parents);
    if (await closesCycle(trx, edit.ref, edit.lineage.parents, edit.lineage.visibleProjects ?? null))
      throw lineageCycle(edit.ref, "input.lineage.parents");
    await trx.deleteFrom("model_parents").where("model_id", "=", modelId).execute();
    await insertParents(trx, modelId, edit.lineage);
  }

  for (const batch of chunks(edit.removeMetrics, BATCH)) {
    await trx.deleteFrom("metrics").where("model_id", "=", modelId).where("key", "in", batch).execute();
  }
  for (const batch of chunks(edit.setMetrics, BATCH)) {
    await trx
      .insertInto("metrics")
      .values(batch.map((m) => ({ model_id: modelId, family_id: Number(row.family_id), version: row.version, key: m.key, value: m.value })))
      .onConflict((oc) => oc.columns(["model_id", "key"]).doUpdateSet({ value: sql`excluded.value` }))
      .execute();
  }
  // Tags are rewritten whole (an edit may merge or replace): model_tags follows them.
  const version = { modelId, familyId: Number(row.family_id), version: row.version };
  const tagsChanged = JSON.stringify(tags) !== row.tags;
  const indexable = indexableTags(tags);
  if (tagsChanged) {
    await trx.deleteFrom("model_tags").where("model_id", "=", modelId).execute();
    await insertTagRows(trx, version, indexable);
  }
  // model_tag_metrics follows both: the version's pairs rewritten whole (at most the cap).
  const pairsChanged = tagsChanged || edit.removeMetrics.length > 0 || edit.setMetrics.length > 0;
  const finalMetrics = [...metrics].map(([key, value]) => ({ key, value }));
  if (pairsChanged) {
    await trx.deleteFrom("model_tag_metrics").where("model_id", "=", modelId).execute();
    await insertTagMetricRows(trx, version, indexable, finalMetrics);
  }
  await trx
    .updateTable("models")
    .set({
      ...(edit.description !== undefined ? { description: edit.description } : {}),
      ...(edit.lineage ? { lineage: factsColumn(edit.lineage) } : {}),
      tags: JSON.stringify(tags),
      // The pairs as of the new revision: rewritten (none over the cap), or carried
      // over when they were whole (SET reads the row as it was).
      tag_metrics_revision: pairsChanged
        ? tagMetricsUnindexed(indexable, finalMetrics)
          ? null
          : sql<number>`revision + 1`
        : sql<number | null>`case when tag_metrics_revision = revision then revision + 1 else tag_metrics_revision end`,
      revision: sql<number>`revision + 1`,
      updated_at: Date.now(),
      updated_by: edit.updatedBy,
    })
    .where("id", "=", modelId)
    .execute();
  const updated = await trx
    .selectFrom("models as m")
    .select(modelColumns(edit.parts, "m"))
    .select(partColumns(trx, dialect, edit.parts))
    .where("m.id", "=", modelId)
    .executeTakeFirstOrThrow();
  return toRecord(updated, edit.ref.project, edit.ref.name);
}
