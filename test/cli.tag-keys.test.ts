/**
 * `--tag KEY=VALUE` (push, edit, ls) and `--untag KEY` take any key the server stores,
 * "__proto__" included: on a plain object that key sets the prototype and vanishes, so a
 * push would drop the tag, an edit would change nothing, and `ls --tag` would list
 * every version instead of the matching ones.
 */
import { describe, expect, test } from "vitest";
import { keyValues } from "../cli/src/operands.js";

describe("CLI KEY=VALUE operands keep every key", () => {
  test.each(["__proto__", "constructor", "toString", "hasOwnProperty"])("%s is a key like any other", (key) => {
    const tags = keyValues([`${key}=x`, "team=vision"], "tag", false);
    expect(Object.keys(tags)).toEqual([key, "team"]);
    expect(Object.hasOwn(tags, key)).toBe(true);
    expect(JSON.parse(JSON.stringify({ tags }))).toEqual({ tags: JSON.parse(`{${JSON.stringify(key)}:"x","team":"vision"}`) });
  });

  test("an edit's --untag __proto__ is a removal the request carries", () => {
    const mergeTags: Record<string, unknown> = keyValues([], "tag", false);
    mergeTags["__proto__"] = null;
    expect(JSON.stringify(mergeTags)).toBe('{"__proto__":null}');
  });
});
