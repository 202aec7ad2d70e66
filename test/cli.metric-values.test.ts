/**
 * `--metric KEY=VALUE` (push, edit) reads a decimal number, as `ls --where` does: `0x10`,
 * `0b11` or `0o7` are refused before anything is sent, not stored as 16, 3 and 7.
 */
import { describe, expect, test } from "vitest";
import { keyValues } from "../cli/src/operands.js";

describe("CLI --metric values", () => {
  test.each(["0x10", "0X1f", "0b11", "0o7", "", " ", "1_000", "Infinity", "-Infinity", "NaN", "1e999", "1,5"])(
    "%j is not a finite number",
    (raw) => {
      expect(() => keyValues([`acc=${raw}`], "metric", true)).toThrow(/is not a finite number/);
    },
  );

  test.each<[string, number]>([
    ["0.97", 0.97],
    ["-1", -1],
    ["+2", 2],
    [".5", 0.5],
    ["5.", 5],
    ["1e-3", 0.001],
    ["1E+21", 1e21],
    [" 3 ", 3],
    ["010", 10],
  ])("%j is %d", (raw, value) => {
    expect(keyValues([`acc=${raw}`], "metric", true)).toEqual({ acc: value });
  });
});
