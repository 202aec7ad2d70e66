import { BadInputError } from "./errors.js";
import { assertJsonSize } from "./json-value.js";
import type { FlavorsRecord } from "./records.js";
import { assertLabel, quote } from "./text.js";

/** The default limit of a version's flavors, as serialized JSON (HOMER_MAX_FLAVORS). */
export const DEFAULT_MAX_FLAVORS_BYTES = 64 * 1024;
/** Longest flavor name (MLflow's are short identifiers such as `python_function`). */
export const MAX_FLAVOR_NAME_CHARS = 128;
/** Most flavors one version may name (MLflow writes two or three). */
export const MAX_FLAVORS = 64;
/** Most MetaGraph tags (a SavedModel's MetaGraph is usually tagged `serve`, sometimes also `gpu`/`tpu`). */
export const MAX_META_GRAPH_TAGS = 64;
/** Longest MetaGraph tag. */
export const MAX_META_GRAPH_TAG_CHARS = 256;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * A version's flavors: a JSON object of at most MAX_FLAVORS flavor names, each a
 * label (no control character, bidi override, NUL; at most MAX_FLAVOR_NAME_CHARS),
 * whose value is a JSON object of that flavor's details — plain JSON of at most
 * `maxBytes` in all, its strings storable. Returns it, or throws BAD_USER_INPUT.
 */
export function validateFlavors(value: unknown, maxBytes: number, field: string): FlavorsRecord {
  // Size and plain-JSON first: the walk is bounded by maxBytes, whatever the value.
  assertJsonSize(value, maxBytes, field);
  if (!isPlainObject(value)) throw new BadInputError(`${field} must be a JSON object of flavor name → details`, field);
  const names = Object.keys(value);
  if (names.length > MAX_FLAVORS) throw new BadInputError(`${field} names more than ${MAX_FLAVORS} flavors`, field);
  for (const name of names) {
    if (name === "") throw new BadInputError(`${field} has an empty flavor name`, field);
    assertLabel(name, `${field} (a flavor name)`, MAX_FLAVOR_NAME_CHARS);
    if (!isPlainObject(value[name])) {
      const at = `${field}.${name}`;
      throw new BadInputError(`${at} must be a JSON object of the flavor's details (e.g. {"loader_module": "…"})`, at);
    }
  }
  return value as FlavorsRecord;
}

/** The MetaGraph tags, each a non-empty label of at most MAX_META_GRAPH_TAG_CHARS, none twice, or BAD_USER_INPUT. */
export function validateMetaGraphTags(tags: readonly unknown[], field: string): string[] {
  if (tags.length > MAX_META_GRAPH_TAGS) throw new BadInputError(`${field} has more than ${MAX_META_GRAPH_TAGS} tags`, field);
  const seen = new Set<string>();
  return tags.map((tag, i) => {
    const at = `${field}[${i}]`;
    if (typeof tag !== "string") throw new BadInputError(`${at} must be a string`, at);
    if (tag === "") throw new BadInputError(`${at} is empty`, at);
    // A MetaGraph is identified by a set of tags: one named twice is a mistake, not a stronger match.
    if (seen.has(tag)) throw new BadInputError(`${at} repeats ${quote(tag)}: each tag may appear once`, at);
    seen.add(tag);
    return assertLabel(tag, at, MAX_META_GRAPH_TAG_CHARS);
  });
}
