import { BadInputError } from "./errors.js";
import { assertJsonSize } from "./json-value.js";
import { MAX_ALIASES_PER_MODEL, MAX_VERSION } from "./limits.js";
import type { MetricRecord, SchemaFieldRecord, SignatureRecord } from "./records.js";
import { assertLabel, assertProse, isLabel, quote } from "./text.js";

/** Names of projects, models and metric keys (DESIGN.md). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** The longest name (and so the longest prefix a search for names can match). */
export const MAX_NAME_CHARS = 128;
const NAME_PREFIX = /^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,127})?$/;
/** What a name can contain somewhere ("" included). */
const NAME_PART = /^[A-Za-z0-9_.-]{0,128}$/;
export const MAX_METRICS = 1000;
export const MAX_DESCRIPTION_CHARS = 65_536;
export const MAX_TAGS_BYTES = 65_536;
export const MAX_SIGNATURE_FIELDS = 10_000;
export const MAX_TAG_KEY_CHARS = 256;
const MAX_PATH_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;

function describe(value: string): string {
  return quote(value);
}

/** Whether `value` follows the name rule (so it could name a stored project, model or metric). */
export function isName(value: string): boolean {
  return NAME.test(value);
}

/** Whether some name starts with `value` ("" included): otherwise a search by it finds nothing. */
export function isNamePrefix(value: string): boolean {
  return NAME_PREFIX.test(value);
}

/** Whether some name contains `value` ("" included): otherwise a search for it finds nothing. */
export function isNamePart(value: string): boolean {
  return NAME_PART.test(value);
}

export function assertName(value: string, field: string): string {
  if (!NAME.test(value)) {
    throw new BadInputError(
      `${field} ${describe(value)} is invalid: use 1-128 of A-Z a-z 0-9 _ . -, starting with a letter or digit`,
      field,
    );
  }
  return value;
}

/** Alias names: lower-case, so a reference `name@alias` reads one way; never a version number. */
const ALIAS = /^[a-z][a-z0-9_-]{0,62}$/;
export const MAX_ALIAS_CHARS = 63;
/** Words a reference gives a meaning of its own (`name@latest`, `name@best:accuracy`): no alias may be named so. */
const RESERVED_ALIAS = /^(?:latest|best.*)$/;

/** A new alias of a model that has MAX_ALIASES_PER_MODEL already. */
export function tooManyAliases(project: string, name: string): BadInputError {
  return new BadInputError(
    `${project}/${name} has ${MAX_ALIASES_PER_MODEL} aliases, the most a model may have: move or remove one instead`,
    "alias",
  );
}

/** Whether `value` could name an alias. */
export function isAliasName(value: string): boolean {
  return ALIAS.test(value) && !RESERVED_ALIAS.test(value);
}

export function assertAliasName(value: string, field: string): string {
  if (typeof value !== "string" || !ALIAS.test(value)) {
    throw new BadInputError(
      `${field} ${typeof value === "string" ? describe(value) : String(value)} is invalid: use 1-${MAX_ALIAS_CHARS} of a-z 0-9 _ -, ` +
        "starting with a lower-case letter (e.g. champion, production, staging)",
      field,
    );
  }
  if (RESERVED_ALIAS.test(value)) {
    throw new BadInputError(
      `${field} ${describe(value)} is reserved: "latest" and names starting with "best" are reference keywords (name@latest, name@best:metric)`,
      field,
    );
  }
  return value;
}

export function assertVersion(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_VERSION) {
    throw new BadInputError(`${field} must be an integer from 1 to ${MAX_VERSION}, got ${value}`, field);
  }
  return value;
}

/**
 * Returns the path in canonical form (NFC) or throws: relative, `/`-separated,
 * no empty, `.` or `..` segments, no backslash, drive letter, NUL or control character.
 */
export function normaliseFilePath(value: string, field: string): string {
  const fail = (why: string): never => {
    throw new BadInputError(`${field} ${describe(value)} is not allowed: ${why}`, field);
  };
  if (value.length === 0) fail("it is empty");
  if (!isLabel(value)) fail("it contains a control character or is not valid Unicode text");
  if (value.includes("\\")) fail("use / to separate directories, not \\");
  if (value.startsWith("/")) fail("it must be relative");
  if (/^[A-Za-z]:/.test(value)) fail("it must be relative (no drive letter)");
  const path = value.normalize("NFC");
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) fail(`it is longer than ${MAX_PATH_BYTES} bytes`);
  for (const segment of path.split("/")) {
    if (segment === "") fail("it has an empty segment");
    if (segment === "." || segment === "..") fail(`it has a "${segment}" segment`);
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) fail(`a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return path;
}

/**
 * The path an upload of `value` stored (its canonical form: `cafe\u0301.txt` names the
 * `café.txt` an upload of either spelling stored), or null where no upload could have.
 */
export function storedFilePath(value: string): string | null {
  try {
    return normaliseFilePath(value, "path");
  } catch {
    return null;
  }
}

export function validateMetrics(metrics: readonly MetricRecord[], field: string): MetricRecord[] {
  if (metrics.length > MAX_METRICS) throw new BadInputError(`${field} has more than ${MAX_METRICS} entries`, field);
  const seen = new Set<string>();
  return metrics.map(({ key, value }, i) => {
    assertName(key, `${field}[${i}].key`);
    if (seen.has(key)) throw new BadInputError(`${field} names "${key}" twice`, `${field}[${i}].key`);
    seen.add(key);
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new BadInputError(`${field}[${i}].value for "${key}" must be a finite number`, `${field}[${i}].value`);
    }
    return { key, value };
  });
}

export function assertDescription(value: string, field: string): string {
  if (value.length > MAX_DESCRIPTION_CHARS) {
    throw new BadInputError(`${field} is longer than ${MAX_DESCRIPTION_CHARS} characters`, field);
  }
  return assertProse(value, field);
}

function validateSchemaField(f: SchemaFieldRecord, field: string): SchemaFieldRecord {
  if (f.name !== undefined && f.name !== null && (f.name.length > 256 || !isLabel(f.name))) {
    throw new BadInputError(`${field}.name must be at most 256 printable characters`, `${field}.name`);
  }
  if (!/^[A-Za-z0-9_.:<>[\], -]{1,64}$/.test(f.type)) {
    throw new BadInputError(`${field}.type ${describe(f.type)} is not a type name (e.g. double, string, float32)`, `${field}.type`);
  }
  if (f.shape && (f.shape.length > 32 || f.shape.some((d) => !Number.isInteger(d) || d < -1))) {
    throw new BadInputError(`${field}.shape must be at most 32 dimensions, each -1 (any) or >= 0`, `${field}.shape`);
  }
  return { name: f.name ?? null, type: f.type, shape: f.shape ?? null };
}

export function validateSignature(signature: SignatureRecord, field: string): SignatureRecord {
  if (signature.inputs.length + signature.outputs.length > MAX_SIGNATURE_FIELDS) {
    throw new BadInputError(`${field} has more than ${MAX_SIGNATURE_FIELDS} fields`, field);
  }
  return {
    inputs: signature.inputs.map((f, i) => validateSchemaField(f, `${field}.inputs[${i}]`)),
    outputs: signature.outputs.map((f, i) => validateSchemaField(f, `${field}.outputs[${i}]`)),
  };
}

/** Tags as a version stores them: plain JSON of at most MAX_TAGS_BYTES, keys labels. */
export function validateTags<T extends Readonly<Record<string, unknown>>>(tags: T, field: string): T {
  assertJsonSize(tags, MAX_TAGS_BYTES, field);
  for (const key of Object.keys(tags)) assertLabel(key, `${field} (a key)`, MAX_TAG_KEY_CHARS);
  return tags;
}
