import { BadInputError } from "./errors.js";
import { assertStorable, isStorable, quote } from "./text.js";

/** Nesting allowed in `tags` and `inputExample` (the top level counts as one). */
export const MAX_JSON_DEPTH = 64;

/** A value still to visit, with what leads to it (paths are built only for messages). */
interface Pending {
  readonly value: unknown;
  readonly depth: number;
  readonly parent?: Pending;
  readonly key?: string | number;
}

function pathOf(item: Pending, field: string): string {
  const keys: (string | number)[] = [];
  for (let at: Pending | undefined = item; at?.key !== undefined; at = at.parent) keys.push(at.key);
  const step = (k: string | number) => (typeof k === "number" ? `[${k}]` : /^[A-Za-z0-9_$-]{1,40}$/.test(k) ? `.${k}` : `[${quote(k)}]`);
  return field + keys.reverse().map(step).join("");
}

function kindOf(value: object): string {
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === "string" && name !== "" ? `an instance of ${name}` : "an object with a foreign prototype";
}

/**
 * Refuses a value that is not plain JSON — `null`, booleans, finite numbers,
 * strings, arrays without holes, objects whose prototype is `Object.prototype`
 * or `null` — or that nests more than MAX_JSON_DEPTH levels or serialises to more
 * than `maxBytes`. The work is bounded by `maxBytes`, whatever the value: the
 * count stops as soon as it passes the limit, an array's length is weighed
 * before its entries are visited, and nothing is serialised but strings that
 * fit in what is left. Every string and key must be storable text on every
 * backend (no NUL, no lone surrogate), checked in the same walk.
 */
export function assertJsonSize(value: unknown, maxBytes: number, field: string): void {
  let bytes = 0;
  const tooLarge = () => new BadInputError(`${field} is more than ${maxBytes} bytes of JSON; the limit is ${maxBytes}`, field);
  const count = (n: number) => {
    bytes += n;
    if (bytes > maxBytes) throw tooLarge();
  };
  const notJson = (item: Pending, what: string) => {
    const at = pathOf(item, field);
    return new BadInputError(`${at} must be plain JSON, not ${what}`, at);
  };
  const stack: Pending[] = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.value;
    if (v === null) count(4);
    else if (typeof v === "boolean") count(v ? 4 : 5);
    else if (typeof v === "number") {
      if (!Number.isFinite(v)) throw notJson(item, String(v));
      count(String(v).length);
    } else if (typeof v === "string") {
      // Every UTF-16 unit is at least one byte: weigh the cheap bound before serialising.
      if (bytes + v.length + 2 > maxBytes) throw tooLarge();
      count(Buffer.byteLength(JSON.stringify(v)));
      if (!isStorable(v)) assertStorable(v, pathOf(item, field));
    } else if (typeof v !== "object") {
      throw notJson(item, `a ${typeof v}`);
    } else {
      if (item.depth > MAX_JSON_DEPTH) throw new BadInputError(`${field} is nested more than ${MAX_JSON_DEPTH} levels deep`, field);
      if (Array.isArray(v)) {
        if (Object.getPrototypeOf(v) !== Array.prototype) throw notJson(item, kindOf(v));
        // Brackets, commas and at least one byte per entry.
        if (bytes + 2 * v.length + 1 > maxBytes) throw tooLarge();
        count(v.length === 0 ? 2 : v.length + 1);
        for (let i = v.length - 1; i >= 0; i--) {
          if (!Object.hasOwn(v, i))
            throw notJson({ value: undefined, depth: item.depth + 1, parent: item, key: i }, "a hole (a sparse array)");
          stack.push({ value: v[i], depth: item.depth + 1, parent: item, key: i });
        }
      } else {
        const prototype: unknown = Object.getPrototypeOf(v);
        if (prototype !== Object.prototype && prototype !== null) throw notJson(item, kindOf(v));
        count(2);
        let first = true;
        for (const key in v) {
          if (!Object.hasOwn(v, key)) continue;
          if (bytes + key.length + 3 > maxBytes) throw tooLarge();
          // `"key":` and a comma before every key but the first.
          count(Buffer.byteLength(JSON.stringify(key)) + 1 + (first ? 0 : 1));
          if (!isStorable(key)) assertStorable(key, `${pathOf(item, field)} (a key)`);
          first = false;
          stack.push({ value: (v as Record<string, unknown>)[key], depth: item.depth + 1, parent: item, key });
        }
      }
    }
  }
}
