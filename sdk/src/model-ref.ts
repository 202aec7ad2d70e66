import { RegistryError } from "./errors.js";
import type { SortDirection } from "./types.js";

/**
 * Which version of a model a reference names: a number, an alias pointing at one,
 * the highest version, or the best by a metric.
 */
export type ModelSelector =
  | { readonly kind: "version"; readonly version: number }
  | { readonly kind: "alias"; readonly alias: string }
  | { readonly kind: "latest" }
  | { readonly kind: "best"; readonly metric: string; readonly direction: SortDirection };

/** A parsed model reference: `mnist@3`, `mnist@champion`, `mnist@latest`, `mnist@best:accuracy`. */
export interface ModelReference {
  readonly name: string;
  readonly selector: ModelSelector;
}

/** The registry's name rule (model names and metric keys). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** The registry's alias rule: lower-case, starting with a letter, never a reference keyword. */
const ALIAS = /^[a-z][a-z0-9_-]{0,62}$/;
const RESERVED_ALIAS = /^(?:latest|best.*)$/;
const MAX_VERSION = 2 ** 31 - 1;
/** Longer than any valid reference (a 128-character name, `@best:`, a 128-character key, `:desc`). */
const MAX_REF_CHARS = 300;

/** `text` as an error message shows it: quoted, escaped, cut. */
function shown(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function bad(message: string, field: string): RegistryError {
  return new RegistryError("BAD_USER_INPUT", message, { field });
}

/**
 * Throws BAD_USER_INPUT (`field`) unless `version` is a whole number from 1 to 2^31 - 1. A
 * version that JSON cannot carry (NaN, Infinity) would otherwise be sent as null, which the
 * registry takes for "the next free version".
 */
export function assertVersion(version: unknown, field = "version"): number {
  if (typeof version === "number" && Number.isInteger(version) && version >= 1 && version <= MAX_VERSION) return version;
  const given = typeof version === "string" ? JSON.stringify(version.slice(0, 60)) : String(version);
  throw bad(`${field} must be a whole number from 1 to ${MAX_VERSION}, got ${given}`, field);
}

/** Whether `alias` could name an alias (the registry's rule: the SDK refuses others before any request). */
export function isAliasName(alias: string): boolean {
  return typeof alias === "string" && ALIAS.test(alias) && !RESERVED_ALIAS.test(alias);
}

/** Throws BAD_USER_INPUT (`field`) unless `alias` follows the registry's alias rule. */
export function assertAliasName(alias: unknown, field = "alias"): string {
  if (typeof alias !== "string" || !ALIAS.test(alias)) {
    throw bad(
      `${field} ${typeof alias === "string" ? shown(alias) : String(alias)} is invalid: use 1-63 of a-z 0-9 _ -, starting with a lower-case letter`,
      field,
    );
  }
  if (RESERVED_ALIAS.test(alias)) {
    throw bad(`${field} ${shown(alias)} is reserved: "latest" and names starting with "best" are reference keywords`, field);
  }
  return alias;
}

/**
 * Parses a model reference, refusing a malformed one (BAD_USER_INPUT, field `ref`)
 * before any request:
 *
 * - `mnist` or `mnist@latest`: the highest version;
 * - `mnist@3`: version 3;
 * - `mnist@champion`: the version the alias `champion` points at;
 * - `mnist@best:accuracy`: the highest accuracy; `mnist@best:loss:asc` the lowest loss.
 */
export function parseModelRef(ref: string): ModelReference {
  if (typeof ref !== "string") throw bad(`a model reference must be a string, got ${typeof ref}`, "ref");
  if (ref.length > MAX_REF_CHARS) throw bad(`the model reference ${shown(ref)} is longer than ${MAX_REF_CHARS} characters`, "ref");
  const at = ref.indexOf("@");
  const name = at < 0 ? ref : ref.slice(0, at);
  if (!NAME.test(name)) {
    throw bad(`the model name in ${shown(ref)} is invalid: use 1-128 of A-Z a-z 0-9 _ . -, starting with a letter or digit`, "ref");
  }
  if (at < 0) return { name, selector: { kind: "latest" } };
  const selector = ref.slice(at + 1);
  const expected = `expected NAME@VERSION, NAME@ALIAS, NAME@latest or NAME@best:METRIC[:asc|desc] in ${shown(ref)}`;
  if (/^\d+$/.test(selector)) {
    const version = Number(selector);
    if (version < 1 || version > MAX_VERSION) throw bad(`the version in ${shown(ref)} must be from 1 to ${MAX_VERSION}`, "ref");
    return { name, selector: { kind: "version", version } };
  }
  if (selector === "latest") return { name, selector: { kind: "latest" } };
  if (selector.startsWith("best:")) {
    const [metric = "", direction = "desc", ...rest] = selector.slice(5).split(":");
    if (!NAME.test(metric) || rest.length > 0 || (direction !== "asc" && direction !== "desc")) {
      throw bad(`${expected}: after best: a metric key, then optionally :asc or :desc`, "ref");
    }
    return { name, selector: { kind: "best", metric, direction } };
  }
  if (!isAliasName(selector)) throw bad(`${expected}: ${shown(selector)} is none of these (aliases are lower-case)`, "ref");
  return { name, selector: { kind: "alias", alias: selector } };
}

/** A reference as text, the inverse of `parseModelRef`. */
export function formatModelRef(reference: ModelReference): string {
  const { name, selector } = reference;
  switch (selector.kind) {
    case "version":
      return `${name}@${selector.version}`;
    case "alias":
      return `${name}@${selector.alias}`;
    case "latest":
      return `${name}@latest`;
    case "best":
      return `${name}@best:${selector.metric}${selector.direction === "asc" ? ":asc" : ""}`;
  }
}
