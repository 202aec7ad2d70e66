import { parseModelRef, type ModelReference } from "@homer/sdk";
import { UsageError } from "./output.js";

/** The one positional a command takes, or a usage error. */
export function one(positionals: string[], what: string, usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected ${what}\nusage: ${usage}`);
  return positionals[0]!;
}

/** A whole number from 1 up, in decimal digits (`0`, `1e3`, `0x10`, ` 7` and numbers past 2^53 - 1 are refused). */
export function parseInteger(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1)
    throw new UsageError(`${what} must be a positive integer, got "${text}"`);
  return value;
}

/** A decimal number as `--where` reads one (sdk/src/filter.ts): not `0x10`, `0b1`, `Infinity` or "". */
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

export function keyValues(pairs: string[] | undefined, what: string, number: boolean): Record<string, number | string> {
  // No prototype: a key named "__proto__" is a tag like any other (on a plain object it would set the prototype and vanish).
  const result: Record<string, number | string> = Object.create(null) as Record<string, number | string>;
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--${what} takes KEY=VALUE, got "${pair}"`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const value = number ? Number(raw) : raw;
    if (number && (!DECIMAL.test(raw.trim()) || !Number.isFinite(value)))
      throw new UsageError(`--${what} ${key}: "${raw}" is not a finite number`);
    result[key] = value;
  }
  return result;
}

/**
 * A model reference: NAME (latest), NAME@VERSION, NAME@ALIAS, NAME@latest or
 * NAME@best:METRIC[:asc|desc]; a malformed one is a usage error (the SDK's rule).
 */
export function parseRef(ref: string, usage: string): ModelReference {
  try {
    return parseModelRef(ref);
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\nusage: ${usage}`);
  }
}

/** A reference that names its version explicitly (not a bare NAME): what changes a version needs. */
export function explicitRef(text: string, usage: string): ModelReference {
  const ref = parseRef(text, usage);
  if (!text.includes("@"))
    throw new UsageError(`name the version: NAME@VERSION or NAME@ALIAS (NAME@latest for the latest)\nusage: ${usage}`);
  return ref;
}
