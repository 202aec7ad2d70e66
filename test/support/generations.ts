import type { CreateModelCommand } from "../../gateway/src/registry/registry.service.js";
import { file, sha256 } from "./files.js";

/**
 * Versions written as numbered generations: every part of a version — its row
 * (description, tags), its metrics and its files — names the generation that
 * wrote it, so a reader can tell a whole version from one stitched together from
 * two writes (or from a version and its absence).
 */

/** Every field of a version that lives outside its row, plus the row fields naming the generation. */
export const WHOLE_FIELDS = `fragment Whole on Model {
  version description tags metric(key: "acc") metrics { key value } files { path sha256 sizeBytes }
}`;

const content = (name: string, version: number, gen: number) => `${name}@${version}#${gen}`;

/** A create (or overwrite) of `version` as generation `gen`; `acc` null leaves that metric out. */
export function generation(name: string, version: number, gen: number, acc: number | null): CreateModelCommand {
  return {
    name,
    version,
    overwrite: true,
    description: `gen ${gen}`,
    tags: { gen },
    metrics: [{ key: "gen", value: gen }, ...(acc === null ? [] : [{ key: "acc", value: acc }])],
    files: [file("w.bin", content(name, version, gen)), file(`gen-${gen}.txt`, `${content(name, version, gen)}!`)],
  };
}

export interface WholeNode {
  readonly version: number;
  readonly description: string | null;
  readonly tags: { gen?: number };
  readonly metric: number | null;
  readonly metrics: { key: string; value: number }[];
  readonly files: { path: string; sha256: string; sizeBytes: number }[];
}

/** What is not whole about a node read through `WHOLE_FIELDS`: [] when it is one generation, complete. */
export function wholeProblems(name: string, node: WholeNode): string[] {
  const at = `${name}@${node.version}`;
  const gen = node.tags.gen;
  if (typeof gen !== "number") return [`${at}: tags ${JSON.stringify(node.tags)} name no generation`];
  const problems: string[] = [];
  if (node.description !== `gen ${gen}`) problems.push(`${at}: tags say gen ${gen}, description says ${node.description}`);
  const metricGen = node.metrics.find((m) => m.key === "gen")?.value;
  if (metricGen !== gen) problems.push(`${at}: tags say gen ${gen}, metrics say ${metricGen ?? "nothing"}`);
  const acc = node.metrics.find((m) => m.key === "acc")?.value ?? null;
  if (node.metric !== acc) problems.push(`${at}: metric(acc) is ${node.metric}, metrics list ${acc}`);
  const c = content(name, node.version, gen);
  const expected = [
    { path: `gen-${gen}.txt`, sha256: sha256(`${c}!`), sizeBytes: c.length + 1 },
    { path: "w.bin", sha256: sha256(c), sizeBytes: c.length },
  ];
  if (JSON.stringify(node.files) !== JSON.stringify(expected)) {
    problems.push(`${at}: gen ${gen} has files ${JSON.stringify(node.files.map((f) => f.path))}, expected those of gen ${gen}`);
  }
  return problems;
}
