import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Every relative import (type-only ones included) of each .ts file under `dir`. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })) {
    const file = path.join(dir, entry);
    if (!file.endsWith(".ts") || file.includes(`${path.sep}generated${path.sep}`)) continue;
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true);
    const local = importedFiles.map((i) => i.fileName).filter((name) => name.startsWith("."));
    graph.set(
      file,
      local.map((name) => path.join(path.dirname(file), name.replace(/\.js$/, ".ts"))),
    );
  }
  return graph;
}

/** The first cycle found, as the files around it, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const done = new Set<string>();
  const visit = (file: string, trail: string[]): string[] | undefined => {
    if (trail.includes(file)) return [...trail.slice(trail.indexOf(file)), file];
    if (done.has(file)) return undefined;
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next, [...trail, file]);
      if (cycle) return cycle;
    }
    done.add(file);
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file, []);
    if (cycle) return cycle;
  }
  return undefined;
}

describe("no import cycles", () => {
  test.each(["sdk/src", "cli/src"])("between the modules of %s", (dir) => {
    const graph = importGraph(dir);
    expect(graph.size).toBeGreaterThan(5);
    expect(findCycle(graph)).toBeUndefined();
  });

  test("the finder does find one", () => {
    expect(
      findCycle(
        new Map([
          ["a", ["b"]],
          ["b", ["c"]],
          ["c", ["a"]],
        ]),
      ),
    ).toEqual(["a", "b", "c", "a"]);
  });
});
