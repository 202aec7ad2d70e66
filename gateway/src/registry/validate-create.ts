import { BadInputError } from "../domain/errors.js";
import { DEFAULT_MAX_FLAVORS_BYTES, validateFlavors, validateMetaGraphTags } from "../domain/flavors.js";
import { assertJsonSize } from "../domain/json-value.js";
import { environmentNotAFile, validateLineage } from "../domain/lineage.js";
import {
  assertDescription,
  assertName,
  assertVersion,
  normaliseFilePath,
  validateMetrics,
  validateSignature,
  validateTags,
} from "../domain/rules.js";
import type { IncomingFile } from "./incoming-file.js";
import type { CreateModelCommand, RegistryLimits } from "./registry.service.js";

/**
 * Checks a create command against the rules and limits before any byte is read:
 * the draft to insert and the files with their canonical paths, or BAD_USER_INPUT.
 */
export function validateCreate(command: CreateModelCommand, files: readonly IncomingFile[], limits: RegistryLimits) {
  const project = assertName(command.project!, "input.project");
  const name = assertName(command.name, "input.name");
  const version = command.version == null ? undefined : assertVersion(command.version, "input.version");
  if (files.length > limits.maxFiles) {
    throw new BadInputError(`input.files has ${files.length} files; the limit is ${limits.maxFiles}`, "input.files");
  }
  const seen = new Set<string>();
  const sources = new Set<unknown>();
  const draftFiles = files.map((file, i): IncomingFile => {
    const path = normaliseFilePath(file.path, `input.files[${i}].path`);
    if (seen.has(path)) throw new BadInputError(`input.files names "${path}" twice`, `input.files[${i}].path`);
    seen.add(path);
    if (file.source !== undefined && sources.has(file.source)) {
      throw new BadInputError(
        `input.files[${i}] reuses an upload another entry already names; send each file once`,
        `input.files[${i}].file`,
      );
    }
    sources.add(file.source);
    return { ...file, path };
  });
  // A path that is also another's folder ("a" and "a/b") cannot be laid out on a disk: no
  // archive, pull or download of the version could make both.
  for (const [i, file] of draftFiles.entries()) {
    for (let slash = file.path.indexOf("/"); slash > 0; slash = file.path.indexOf("/", slash + 1)) {
      const folder = file.path.slice(0, slash);
      if (seen.has(folder)) {
        throw new BadInputError(`input.files names "${folder}" as a file and as the folder of "${file.path}"`, `input.files[${i}].path`);
      }
    }
  }
  const inputExample = command.inputExample ?? null;
  assertJsonSize(inputExample, limits.maxInputExampleBytes, "input.inputExample");
  const tags = validateTags(command.tags ?? {}, "input.tags");
  // Not itself: only an explicit version can be named as a parent (an omitted one is new).
  const self = version === undefined ? null : { project, name, version };
  const lineage = command.lineage == null ? null : validateLineage(command.lineage, project, self, "input.lineage");
  const environment = lineage?.facts?.environment;
  if (environment != null && !seen.has(environment)) throw environmentNotAFile(environment, "input.lineage.environment");
  const draft = {
    project,
    name,
    version,
    overwrite: command.overwrite ?? false,
    description: command.description == null ? null : assertDescription(command.description, "input.description"),
    framework: command.framework ?? null,
    signature: command.signature ? validateSignature(command.signature, "input.signature") : null,
    inputExample,
    tags,
    flavors:
      command.flavors == null
        ? null
        : validateFlavors(command.flavors, limits.maxFlavorsBytes ?? DEFAULT_MAX_FLAVORS_BYTES, "input.flavors"),
    tfMetaGraphTags: command.tfMetaGraphTags == null ? null : validateMetaGraphTags(command.tfMetaGraphTags, "input.tfMetaGraphTags"),
    metrics: validateMetrics(command.metrics ?? [], "input.metrics"),
    lineage,
    createdBy: command.createdBy ?? null,
  };
  return { draft, draftFiles };
}
