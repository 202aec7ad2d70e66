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

/**
 * A node of an ancestry or descent tree; `state` says why it has no model. `more` (descendants
 * only): it has children beyond those listed, left unread (`cut`: which bound left them).
 */
interface TreeNode {
  readonly project: string;
  readonly name: string;
  readonly version: number;
  readonly state: "ok" | "deleted" | "not readable" | "seen" | "deeper";
  readonly children: readonly TreeNode[];
  readonly more?: true;
  readonly cut?: Cut;
}

/** Which bound left a node's further children unread: `--max-children`, or the whole tree's `--max-nodes`. */
type Cut = "max-children" | "max-nodes";

/** Children listed under one node: at most `max`, and whether (and why) it has more. */
interface Children {
  readonly nodes: TreeNode[];
  readonly more: boolean;
  readonly cut?: Cut;
}

/** Versions read for both trees, left: each read is a request, and a tree can branch at every level. */
interface Budget {
  left: number;
}

const key = (r: ModelParentRef) => `${r.project}/${r.name}@${r.version}`;

/** Parents' trees: each parent read with the key's rights, cycles and repeats shown once. */
async function ancestors(registry: ModelRegistry, model: Model, depth: number, seen: Set<string>, budget: Budget): Promise<TreeNode[]> {
  const out: TreeNode[] = [];
  for (const parent of model.lineage?.parents ?? []) {
    if (seen.has(key(parent))) {
      out.push({ ...parent, state: "seen", children: [] });
      continue;
    }
    // Past the tree's budget a parent is named (its version says so) but not read: "…".
    if (budget.left <= 0) {
      out.push({ ...parent, state: "deeper", children: [] });
      continue;
    }
    budget.left--;
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
    else out.push({ ...parent, state: "ok", children: await ancestors(registry, found, depth - 1, seen, budget) });
  }
  return out;
}

/**
 * Children's trees, at most `max` under each node: a widely used base model may have thousands,
 * and each listed child costs a request for its own. A page of `max + 1` tells whether there
 * are more, so no page is read beyond what is printed (past 499, pages of 500: at most one more).
 */
async function descendants(
  registry: ModelRegistry,
  model: Model,
  depth: number,
  max: number,
  seen: Set<string>,
  budget: Budget,
): Promise<Children> {
  const nodes: TreeNode[] = [];
  const page = { name: model.name, version: model.version, project: model.project, pageSize: Math.min(max + 1, budget.left + 1, MAX_PAGE) };
  for await (const child of registry.iterateDerivedModels(page)) {
    if (nodes.length === max) return { nodes, more: true, cut: "max-children" };
    if (budget.left <= 0) return { nodes, more: true, cut: "max-nodes" };
    budget.left--;
    const ref = { project: child.project, name: child.name, version: child.version };
    if (seen.has(key(ref))) {
      nodes.push({ ...ref, state: "seen", children: [] });
      continue;
    }
    seen.add(key(ref));
    if (depth <= 1) {
      nodes.push({ ...ref, state: "deeper", children: [] });
      continue;
    }
    const below = await descendants(registry, child, depth - 1, max, seen, budget);
    nodes.push({ ...ref, state: "ok", children: below.nodes, ...(below.more && { more: true as const, cut: below.cut }) });
  }
  return { nodes, more: false };
}

const MORE: Record<Cut, string> = { "max-children": "… more (use --max-children)", "max-nodes": "… more (use --max-nodes)" };

function render(nodes: readonly TreeNode[], home: string, indent = "  "): string {
  return nodes
    .map((n) => {
      const name = `${n.project === home ? "" : `${shown(n.project)}/`}${shown(n.name)}@${n.version}`;
      const note = n.state === "ok" ? "" : n.state === "deeper" ? " …" : ` (${n.state === "seen" ? "shown above" : n.state})`;
      const more = n.more ? `${indent}  ${MORE[n.cut ?? "max-children"]}\n` : "";
      return `${indent}${name}${note}\n${render(n.children, home, `${indent}  `)}${more}`;
    })
    .join("");
}

const USAGE = "homer lineage NAME@VERSION|NAME@ALIAS [--depth N] [--max-children N] [--max-nodes N]   (or: homer lineage NAME VERSION)";
const OPTIONS = {
  depth: { type: "string" },
  "max-children": { type: "string" },
  "max-nodes": { type: "string" },
} as const satisfies Options;
/** The SDK's (and the gateway's) largest page. */
const MAX_PAGE = 500;
const DEFAULT_MAX_CHILDREN = 25;
const MAX_MAX_CHILDREN = 1000;
const DEFAULT_MAX_NODES = 500;
const MAX_MAX_NODES = 10_000;

/** Prints where a version comes from and what was derived from it. */
export const lineage: Command = {
  usage: USAGE,
  summary: "show a version's lineage: data set, run, program, environment, ancestors and descendants",
  help:
    "Ancestors are read with your key: one in a project it may not read shows as (not readable),\n" +
    "a deleted one as (deleted). Descendants list only versions your key may read.\n" +
    "--depth (default 10, at most 50) bounds both trees; … marks where they go on.\n" +
    `--max-children (default ${DEFAULT_MAX_CHILDREN}, at most ${MAX_MAX_CHILDREN}) bounds the descendants listed under each version;\n` +
    `--max-nodes (default ${DEFAULT_MAX_NODES}, at most ${MAX_MAX_NODES}) bounds the versions read for both trees together (a request each);\n` +
    `"${MORE["max-children"]}" or "${MORE["max-nodes"]}" marks where more were left unread\n` +
    `(--json: "more": true and "cut" on the node, "moreDescendants" at the top).`,
  options: OPTIONS,
  operand: "model",
  async run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, USAGE, io);
    const depth = values.depth === undefined ? 10 : parseInteger(values.depth, "--depth");
    if (depth < 1 || depth > 50) throw new UsageError(`--depth must be from 1 to 50, got ${depth}`);
    const maxChildren =
      values["max-children"] === undefined ? DEFAULT_MAX_CHILDREN : parseInteger(values["max-children"], "--max-children");
    if (maxChildren > MAX_MAX_CHILDREN) throw new UsageError(`--max-children must be from 1 to ${MAX_MAX_CHILDREN}, got ${maxChildren}`);
    const maxNodes = values["max-nodes"] === undefined ? DEFAULT_MAX_NODES : parseInteger(values["max-nodes"], "--max-nodes");
    if (maxNodes > MAX_MAX_NODES) throw new UsageError(`--max-nodes must be from 1 to ${MAX_MAX_NODES}, got ${maxNodes}`);
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
    const budget = { left: maxNodes };
    const up = await ancestors(registry, model, depth, new Set([self]), budget);
    const down = await descendants(registry, model, depth, maxChildren, new Set([self]), budget);
    if (io.json) {
      const { project, lineage } = model;
      const json = {
        project,
        name: model.name,
        version: model.version,
        lineage,
        ancestors: up,
        descendants: down.nodes,
        moreDescendants: down.more,
      };
      io.print(`${JSON.stringify(json)}\n`);
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
    const more = down.more ? `  ${MORE[down.cut ?? "max-children"]}\n` : "";
    io.print(`${lines.join("\n")}\n${tree("ancestors", up)}${tree("descendants", down.nodes)}${more}`);
    return 0;
  },
};
