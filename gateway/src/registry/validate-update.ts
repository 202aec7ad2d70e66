import { BadInputError, ConflictError } from "../domain/errors.js";
import type { EditedVersion, MetricRecord, ModelEdit, ModelRef } from "../domain/records.js";
import { assertJsonSize } from "../domain/json-value.js";
import { validateLineage, type LineageInput } from "../domain/lineage.js";
import { assertDescription, assertName, MAX_METRICS, MAX_TAGS_BYTES, validateMetrics, validateTags } from "../domain/rules.js";

/** What a caller asks to change; every field optional, at least one given. */
export interface UpdateModelChanges {
  /** A string sets it, null clears it, absent keeps it. */
  readonly description?: string | null;
  /** Replaces every tag. */
  readonly tags?: Readonly<Record<string, unknown>> | null;
  /** Merged into the tags: a key set to null removes that tag. */
  readonly mergeTags?: Readonly<Record<string, unknown>> | null;
  /** Metric values to insert or replace. */
  readonly addMetrics?: readonly MetricRecord[] | null;
  /** Metric keys to remove; absent ones are ignored. */
  readonly removeMetrics?: readonly string[] | null;
  /** Replaces the lineage whole ({} removes it); null or absent keeps it. */
  readonly lineage?: LineageInput | null;
  /** When given, the edit applies only if the version is still at this revision (else CONFLICT). */
  readonly expectedRevision?: number | null;
}

/**
 * Checks an edit against the same rules as createModel, before the transaction:
 * the store's edit, whose `check` then decides against the version as stored
 * (revision, merged tags, metric count). BAD_USER_INPUT for anything invalid.
 */
export function validateUpdate(ref: ModelRef, changes: UpdateModelChanges, updatedBy: string | null): Omit<ModelEdit, "parts"> {
  const field = (name: string) => `input.${name}`;
  const description =
    changes.description === undefined
      ? undefined
      : changes.description === null
        ? null
        : assertDescription(changes.description, field("description"));
  if (changes.tags != null && changes.mergeTags != null) {
    throw new BadInputError("give tags (replace every tag) or mergeTags (change some), not both", field("mergeTags"));
  }
  const replaceTags = changes.tags == null ? null : validateTags(changes.tags, field("tags"));
  // A patch is as bounded as the tags it makes; its null values (removals) count too.
  const mergeTags = changes.mergeTags == null ? null : validateTags(changes.mergeTags, field("mergeTags"));
  const setMetrics = validateMetrics(changes.addMetrics ?? [], field("addMetrics"));
  const removeList = changes.removeMetrics ?? [];
  if (removeList.length > MAX_METRICS) {
    throw new BadInputError(`${field("removeMetrics")} has more than ${MAX_METRICS} entries`, field("removeMetrics"));
  }
  const adding = new Set(setMetrics.map((m) => m.key));
  const removeMetrics = [...new Set(removeList.map((key, i) => assertName(key, `${field("removeMetrics")}[${i}]`)))];
  const both = removeMetrics.find((key) => adding.has(key));
  if (both !== undefined) {
    throw new BadInputError(`metric "${both}" is both in addMetrics and removeMetrics`, field("removeMetrics"));
  }
  const expected = changes.expectedRevision;
  if (expected != null && (!Number.isSafeInteger(expected) || expected < 1)) {
    throw new BadInputError(`input.expectedRevision must be a positive integer, got ${expected}`, field("expectedRevision"));
  }
  const lineage = changes.lineage == null ? undefined : validateLineage(changes.lineage, ref.project, ref, field("lineage"));
  if (
    description === undefined &&
    replaceTags === null &&
    mergeTags === null &&
    setMetrics.length === 0 &&
    removeMetrics.length === 0 &&
    lineage === undefined
  ) {
    throw new BadInputError("the edit changes nothing: give description, tags, mergeTags, addMetrics, removeMetrics or lineage", "input");
  }
  const id = `${ref.project}/${ref.name}@${ref.version}`;
  return {
    ref,
    description,
    setMetrics,
    removeMetrics,
    ...(lineage ? { lineage } : {}),
    updatedBy,
    check(current: EditedVersion) {
      if (expected != null && current.revision !== expected) {
        throw new ConflictError(
          `model version ${id} is at revision ${current.revision}, not ${expected}: it changed since you read it; read it again and retry`,
          { currentRevision: current.revision, expectedRevision: expected },
        );
      }
      if (current.metricKeys > MAX_METRICS) {
        throw new BadInputError(`the edit leaves ${id} with more than ${MAX_METRICS} metrics`, field("addMetrics"));
      }
      if (replaceTags !== null) return replaceTags;
      if (mergeTags === null) return current.tags;
      // No prototype: a tag named "__proto__" is a tag like any other, as createModel stores it.
      const merged: Record<string, unknown> = Object.assign(Object.create(null) as Record<string, unknown>, current.tags);
      for (const [key, value] of Object.entries(mergeTags)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      assertJsonSize(merged, MAX_TAGS_BYTES, field("mergeTags"));
      return merged;
    },
  };
}
