import type { JsonValue, ModelChanges } from "@homer/sdk";
import { parse } from "./args.js";
import type { Command, Options } from "./command.js";
import { lineageOf, LINEAGE_FLAGS, LINEAGE_USAGE } from "./lineage-command.js";
import { explicitRef, keyValues, one } from "./operands.js";
import { UsageError } from "./output.js";
import { resolveRef } from "./resolve-ref.js";
import { shown } from "./terminal.js";

const EDIT_USAGE =
  "homer edit NAME@VERSION|NAME@ALIAS [--description TEXT] [--tag KEY=VALUE]... [--untag KEY]... [--metric KEY=VALUE]... [--unmetric KEY]... [--force]" +
  LINEAGE_USAGE +
  " [--clear-lineage]";
const EDIT_OPTIONS = {
  description: { type: "string", short: "d" },
  tag: { type: "string", multiple: true },
  untag: { type: "string", multiple: true },
  metric: { type: "string", multiple: true, short: "m" },
  unmetric: { type: "string", multiple: true },
  force: { type: "boolean" },
  ...LINEAGE_FLAGS,
  "clear-lineage": { type: "boolean" },
} as const satisfies Options;

/** The changes the flags ask for; a key both set and removed is a usage error. */
function changesOf(
  values: {
    description?: string;
    tag?: string[];
    untag?: string[];
    metric?: string[];
    unmetric?: string[];
    "clear-lineage"?: boolean;
  } & Parameters<typeof lineageOf>[0],
): ModelChanges {
  const mergeTags: Record<string, JsonValue> = keyValues(values.tag, "tag", false);
  for (const key of values.untag ?? []) {
    if (Object.hasOwn(mergeTags, key)) throw new UsageError(`--tag and --untag both name "${key}"\nusage: ${EDIT_USAGE}`);
    mergeTags[key] = null;
  }
  const addMetrics = keyValues(values.metric, "metric", true) as Record<string, number>;
  const removeMetrics = values.unmetric ?? [];
  const both = removeMetrics.find((key) => Object.hasOwn(addMetrics, key));
  if (both !== undefined) throw new UsageError(`--metric and --unmetric both name "${both}"\nusage: ${EDIT_USAGE}`);
  const given = lineageOf(values, EDIT_USAGE);
  if (given && values["clear-lineage"])
    throw new UsageError(`--clear-lineage removes the lineage: give no lineage flags with it\nusage: ${EDIT_USAGE}`);
  const lineage = values["clear-lineage"] ? {} : given;
  const changes: ModelChanges = {
    // An empty description clears it.
    ...(values.description !== undefined && { description: values.description === "" ? null : values.description }),
    ...(Object.keys(mergeTags).length > 0 && { mergeTags }),
    ...(Object.keys(addMetrics).length > 0 && { addMetrics }),
    ...(removeMetrics.length > 0 && { removeMetrics }),
    ...(lineage !== undefined && { lineage }),
  };
  if (Object.keys(changes).length === 0) throw new UsageError(`nothing to change\nusage: ${EDIT_USAGE}`);
  return changes;
}

/** Edits a version's metadata in place (no re-upload); refuses if someone else edited it meanwhile, unless --force. */
export const edit: Command = {
  usage: EDIT_USAGE,
  summary: "edit a version's description, tags and metrics (files stay as they are)",
  help:
    "Tags not named stay as they are. --description '' clears the description.\n" +
    "The edit applies to the revision read just before it: if another edit lands in between,\n" +
    "it fails with exit code 11 (conflict) and changes nothing; --force edits whatever is there.\n" +
    "Lineage flags (as homer push takes them) replace the version's lineage as a whole: give every part\n" +
    "to keep. --clear-lineage removes it.",
  options: EDIT_OPTIONS,
  operand: "model",
  async run(args, io) {
    const { values, positionals } = parse(args, EDIT_OPTIONS, EDIT_USAGE, io);
    const ref = explicitRef(one(positionals, "one NAME@VERSION", EDIT_USAGE), EDIT_USAGE);
    const changes = changesOf(values);
    const registry = await io.registry();
    let model;
    if (ref.selector.kind !== "version") {
      // An alias (or latest, best) names a version now: edit that one, at the revision read.
      const current = await resolveRef(registry, ref);
      model = values.force
        ? await registry.updateModel({ name: current.name, version: current.version, ...changes })
        : await current.update(changes);
    } else if (values.force) {
      model = await registry.updateModel({ name: ref.name, version: ref.selector.version, ...changes });
    } else {
      const target = { name: ref.name, version: ref.selector.version };
      const current = await registry.getModel(target);
      // Absent: the edit itself, so the server words the NOT_FOUND.
      model = current ? await current.update(changes) : await registry.updateModel({ ...target, ...changes });
    }
    io.print(
      io.json
        ? `${JSON.stringify({
            name: model.name,
            version: model.version,
            project: model.project,
            revision: model.revision,
            description: model.description,
            tags: model.tags,
            metrics: model.metrics,
            lineage: model.lineage,
            updatedAt: model.updatedAt.toISOString(),
          })}\n`
        : `edited ${shown(model.name)}@${model.version} (revision ${model.revision})\n`,
    );
    return 0;
  },
};
