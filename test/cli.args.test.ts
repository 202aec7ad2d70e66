import { describe, expect, test } from "vitest";
import type { Globals } from "../cli/src/args.js";
import { HelpRequested, parse } from "../cli/src/args.js";

describe("CLI argument parsing keeps no state of its own", () => {
  test("global options after the command go to the caller's receiver, each to its own", () => {
    const first: Partial<Globals>[] = [];
    const second: Partial<Globals>[] = [];
    const parsed = parse(["m1", "--url", "http://a/graphql", "--json"], { out: { type: "string" } }, "usage", {
      useGlobals: (g) => first.push(g),
    });
    parse(["--project", "p"], {}, "usage", { useGlobals: (g) => second.push(g) });
    expect(parsed.positionals).toEqual(["m1"]);
    expect(first).toEqual([{ url: "http://a/graphql", json: true }]);
    expect(second).toEqual([{ project: "p" }]);
  });

  test("--help after the command stops it with its usage", () => {
    expect(() => parse(["--help"], {}, "homer rm NAME@VERSION", { useGlobals: () => {} })).toThrow(HelpRequested);
  });
});
