import { RegistryError } from "./errors.js";
import type { ModelSignature } from "./types.js";

const bad = (field: string, what: string) => new RegistryError("BAD_USER_INPUT", `${field} ${what}`, { field });

/**
 * `value` unchanged when JSON carries it as it is, else BAD_USER_INPUT naming where it
 * fails: `JSON.stringify` would turn NaN into null and drop a function without a word, and
 * throw a TypeError on a BigInt or a cycle.
 */
export function jsonInput<T>(value: T, field: string): T {
  const within = new Set<object>();
  const check = (v: unknown, at: string): void => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw bad(at, `must be a finite number, got ${String(v)} (JSON has no such number)`);
      return;
    }
    if (typeof v !== "object") throw bad(at, `cannot be sent as JSON: it is a ${typeof v}`);
    const proto = Object.getPrototypeOf(v) as unknown;
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
      throw bad(at, "cannot be sent as JSON: only plain objects, arrays, strings, finite numbers, booleans and null");
    }
    if (within.has(v)) throw bad(at, "holds itself (a cycle), which JSON cannot carry");
    within.add(v);
    if (Array.isArray(v)) v.forEach((item, i) => check(item, `${at}[${i}]`));
    // A member left undefined is left out, as JSON.stringify leaves it; in a list it would be null.
    else for (const [key, item] of Object.entries(v)) if (item !== undefined) check(item, `${at}.${key}`);
    within.delete(v);
  };
  if (value !== undefined) check(value, field);
  return value;
}

/** A signature as the schema's input, or BAD_USER_INPUT when `inputs` or `outputs` is no list of fields. */
export function signatureInput(signature: ModelSignature | undefined, field: string) {
  if (signature === undefined) return undefined;
  if (typeof signature !== "object" || signature === null) throw bad(field, "must be { inputs: [...], outputs: [...] }");
  const fields = (side: "inputs" | "outputs") => {
    const list: unknown = signature[side];
    if (!Array.isArray(list)) throw bad(`${field}.${side}`, "must be a list of { name, type, shape }");
    return list.map((f: unknown, i) => {
      if (typeof f !== "object" || f === null) throw bad(`${field}.${side}[${i}]`, "must be { name, type, shape }");
      const { name, type, shape } = f as Record<string, unknown>;
      if (shape !== undefined && shape !== null && !Array.isArray(shape))
        throw bad(`${field}.${side}[${i}].shape`, "must be a list of numbers");
      return { name, type, shape: Array.isArray(shape) ? [...(shape as unknown[])] : shape } as {
        name?: string | null;
        type: string;
        shape?: number[] | null;
      };
    });
  };
  return { inputs: fields("inputs"), outputs: fields("outputs") };
}
