import { formatModelRef, RegistryError, type LineageOptions, type Model, type ModelParentRef, type ModelRegistry } from "@homer/sdk";
import { parse } from "./args.js";
import type { Command, Options } from "./command.js";
import { explicitRef, parseInteger } from "./operands.js";
import { UsageError } from "./output.js";
import { shown } from "./terminal.js";

/** `homer push`'s lineage flags (the table's entries are spread into push's options). */
export const LINEAGE_FLAGS = {
  parent: { type: "string", multiple: true },
  dataset: { type: "string" },
  "dataset-uri": { type: "string" },
  "dataset-digest": { type: "string" },
  "run-id": { type: "string" },
  "run-uri": { type: "string" },
  "git-commit": { type: "string" },
  "entry-point": { type: "string" },
  repository: { type: "string" },
  environment: { type: "string" },
} as const satisfies Options;

export const LINEAGE_USAGE =
  " [--parent NAME@VERSION]... [--dataset NAME[@VERSION]] [--dataset-uri URI] [--dataset-digest ALG:HEX]" +
  " [--run-id ID] [--run-uri URI] [--git-commit HASH] [--entry-point TEXT] [--repository URI] [--environment FILE]";

type LineageValues = { [K in keyof typeof LINEAGE_FLAGS]?: K extends "parent" ? string[] : string };

/** The lineage the flags describe, or undefined when none is given; the registry checks every value. */
export function lineageOf(values: LineageValues, usage: string): LineageOptions | undefined {
  const dataset = values.dataset;
  if (dataset === undefined && (values["dataset-uri"] !== undefined || values["dataset-digest"] !== undefined)) {
    throw new UsageError(`--dataset-uri and --dataset-digest describe a data set: name it with --dataset\nusage: ${usage}`);
  }
  if (values["run-id"] === undefined && values["run-uri"] !== undefined) {
    throw new UsageError(`--run-uri needs --run-id\nusage: ${usage}`);
  }
  const at = dataset?.lastIndexOf("@") ?? -1;
  const lineage: LineageOptions = {
    ...(dataset !== undefined && {
      trainingDataset: {
        name: at > 0 ? dataset.slice(0, at) : dataset,
        ...(at > 0 && { version: dataset.slice(at + 1) }),
        ...(values["dataset-uri"] !== undefined && { uri: values["dataset-uri"] }),
        ...(values["dataset-digest"] !== undefined && { digest: values["dataset-digest"] }),
      },
    }),
    ...(values["run-id"] !== undefined && {
      run: { id: values["run-id"], ...(values["run-uri"] !== undefined && { uri: values["run-uri"] }) },
    }),
    ...((values["git-commit"] ?? values["entry-point"] ?? values.repository) !== undefined && {
      program: {
        ...(values["git-commit"] !== undefined && { gitCommit: values["git-commit"] }),
        ...(values["entry-point"] !== undefined && { entryPoint: values["entry-point"] }),
        ...(values.repository !== undefined && { repository: values.repository }),
      },
    }),
    ...(values.environment !== undefined && { environment: values.environment }),
    ...(values.parent !== undefined && { parents: values.parent }),
  };
  return Object.keys(lineage).length > 0 ? lineage : undefined;
}

/** A node of an ancestry or descent tree; `state` says why it has no model. */
interface TreeNode {
  readonly project: string;
  readonly name: string;
  readonly version: number;
  readonly state: "ok" | "deleted" | "not readable" | "seen" | "deeper";
  readonly children: readonly TreeNode[];
}

const key = (r: ModelParentRef) => `${r.project}/${r.name}@${r.version}`;

/** Parents' trees: each parent read with the key's rights, cycles and repeats shown once. */
async function ancestors(registry: ModelRegistry, model: Model, depth: number, seen: Set<string>): Promise<TreeNode[]> {
  const out: TreeNode[] = [];
  for (const parent of model.lineage?.parents ?? []) {
    if (seen.has(key(parent))) {
      out.push({ ...parent, state: "seen", children: [] });
      continue;
    }
    seen.add(key(parent));
    let found: Model | null;
    try {
      found = await registry.getModel(parent);
    } catch (error) {
      if (error instanceof RegistryError && error.code === "FORBIDDEN") {
        out.push({ ...parent, state: "not readable", children: [] });
        continue;
      }
      throw error;
    }
    if (!found) out.push({ ...parent, state: "deleted", children: [] });
    else if (depth <= 1) out.push({ ...parent, state: (found.lineage?.parents.length ?? 0) > 0 ? "deeper" : "ok", children: [] });
    else out.push({ ...parent, state: "ok", children: await ancestors(registry, found, depth - 1, seen) });
  }
  return out;
}

async function descendants(model: Model, depth: number, seen: Set<string>): Promise<TreeNode[]> {
  const out: TreeNode[] = [];
  for (const child of await model.derivedModels()) {
    const ref = { project: child.project, name: child.name, version: child.version };
    if (seen.has(key(ref))) {
      out.push({ ...ref, state: "seen", children: [] });
      continue;
    }
    seen.add(key(ref));
    out.push({ ...ref, state: depth <= 1 ? "deeper" : "ok", children: depth <= 1 ? [] : await descendants(child, depth - 1, seen) });
  }
  return out;
}

function render(nodes: readonly TreeNode[], home: string, indent = "  "): string {
  return nodes
    .map((n) => {
      const name = `${n.project === home ? "" : `${shown(n.project)}/`}${shown(n.name)}@${n.version}`;
      const note = n.state === "ok" ? "" : n.state === "deeper" ? " …" : ` (${n.state === "seen" ? "shown above" : n.state})`;
      return `${indent}${name}${note}\n${render(n.children, home, `${indent}  `)}`;
    })
    .join("");
}

const USAGE = "homer lineage NAME@VERSION|NAME@ALIAS [--depth N]   (or: homer lineage NAME VERSION)";
const OPTIONS = { depth: { type: "string" } } as const satisfies Options;

/** Prints where a version comes from and what was derived from it. */
export const lineage: Command = {
  usage: USAGE,
  summary: "show a version's lineage: data set, run, program, environment, ancestors and descendants",
  help:
    "Ancestors are read with your key: one in a project it may not read shows as (not readable),\n" +
    "a deleted one as (deleted). Descendants list only versions your key may read.\n" +
    "--depth (default 10, at most 50) bounds both trees; … marks where they go on.",
  options: OPTIONS,
  operand: "model",
  async run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, USAGE, io);
    const depth = values.depth === undefined ? 10 : parseInteger(values.depth, "--depth");
    if (depth < 1 || depth > 50) throw new UsageError(`--depth must be from 1 to 50, got ${depth}`);
    let ref: string;
    if (positionals.length === 2) ref = `${positionals[0]!}@${parseInteger(positionals[1]!, "VERSION")}`;
    else if (positionals.length === 1) ref = positionals[0]!;
    else throw new UsageError(`expected NAME@VERSION\nusage: ${USAGE}`);
    // Any reference that names a version: NAME@VERSION, NAME@ALIAS, NAME@latest, NAME@best:METRIC.
    const reference = formatModelRef(explicitRef(ref, USAGE));
    const registry = await io.registry();
    const model = await registry.getModel(reference);
    if (!model) throw new RegistryError("NOT_FOUND", `${reference} not found`);
    const self = key(model);
    const up = await ancestors(registry, model, depth, new Set([self]));
    const down = await descendants(model, depth, new Set([self]));
    if (io.json) {
      const { project, lineage } = model;
      io.print(`${JSON.stringify({ project, name: model.name, version: model.version, lineage, ancestors: up, descendants: down })}\n`);
      return 0;
    }
    const l = model.lineage;
    const lines = [`${shown(model.name)}@${model.version}`];
    const d = l?.trainingDataset;
    if (d) {
      const parts = [`${d.name}${d.version === null ? "" : `@${d.version}`}`, d.uri, d.digest].filter((p) => p !== null);
      lines.push(`  data set     ${parts.map((p) => shown(p)).join("  ")}`);
    }
    if (l?.run)
      lines.push(
        `  run          ${[l.run.id, l.run.uri]
          .filter((p) => p !== null)
          .map((p) => shown(p))
          .join("  ")}`,
      );
    const p = l?.program;
    if (p)
      lines.push(
        `  program      ${[p.gitCommit, p.entryPoint, p.repository]
          .filter((v) => v !== null)
          .map((v) => shown(v))
          .join("  ")}`,
      );
    if (l?.environment) lines.push(`  environment  ${shown(l.environment)}`);
    const tree = (title: string, nodes: TreeNode[]) => `${title}:\n${nodes.length === 0 ? "  (none)\n" : render(nodes, model.project)}`;
    io.print(`${lines.join("\n")}\n${tree("ancestors", up)}${tree("descendants", down)}`);
    return 0;
  },
};
