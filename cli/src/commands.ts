import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import os from "node:os";
import {
  MAX_DOWNLOAD_CONCURRENCY,
  parseMetricConditions,
  RegistryError,
  type Framework,
  type Model,
  type ModelFamily,
  type ModelFilter,
} from "@homer/sdk";
import { keys, projects } from "./admin-commands.js";
import { alias } from "./alias-command.js";
import { completion } from "./completion.js";
import { login, logout } from "./login-commands.js";
import { parse } from "./args.js";
import type { Command, Io, Options } from "./command.js";
import { edit } from "./edit-command.js";
import { lineage, lineageOf, LINEAGE_FLAGS, LINEAGE_USAGE } from "./lineage-command.js";
import { explicitRef, keyValues, one, parseInteger, parseRef } from "./operands.js";
import { countOf, formatBytes, table, UsageError } from "./output.js";
import { untilInterrupted } from "./interrupt.js";
import { progressBar } from "./progress.js";
import { resolveRef } from "./resolve-ref.js";
import { shown } from "./terminal.js";
import { watch } from "./watch-command.js";

/** A time to the second, as tables show it. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

function summary(model: Model) {
  return {
    name: model.name,
    version: model.version,
    project: model.project,
    metrics: model.metrics,
    aliases: model.aliases,
    framework: model.framework,
    sizeBytes: model.sizeBytes,
    files: model.files.length,
    createdAt: model.createdAt.toISOString(),
  };
}

const PUSH_USAGE =
  "homer push DIR --name NAME [--version V] [--metric KEY=VALUE]... [--tag KEY=VALUE]..." +
  " [--description TEXT] [--framework F] [--overwrite]" +
  LINEAGE_USAGE;
const PUSH_OPTIONS = {
  name: { type: "string", short: "n" },
  version: { type: "string" },
  metric: { type: "string", multiple: true, short: "m" },
  tag: { type: "string", multiple: true },
  description: { type: "string", short: "d" },
  framework: { type: "string" },
  overwrite: { type: "boolean" },
  ...LINEAGE_FLAGS,
} as const satisfies Options;
const push: Command = {
  usage: PUSH_USAGE,
  summary: "upload a model directory as a new version",
  options: PUSH_OPTIONS,
  operand: "directory",
  async run(args, io) {
    const { values, positionals } = parse(args, PUSH_OPTIONS, PUSH_USAGE, io);
    const dir = one(positionals, "one model directory", PUSH_USAGE);
    if (!values.name) throw new UsageError(`--name is required\nusage: ${PUSH_USAGE}`);
    const metrics = keyValues(values.metric, "metric", true) as Record<string, number>;
    const tags = keyValues(values.tag, "tag", false);
    const version = values.version === undefined ? undefined : parseInteger(values.version, "--version");
    const lineage = lineageOf(values, PUSH_USAGE);
    const registry = await io.registry();
    const bar = progressBar(`push ${values.name}`, !io.json);
    const model = await registry
      .createModel({
        name: values.name,
        modelPath: dir,
        version,
        metrics,
        tags,
        description: values.description,
        framework: values.framework?.toUpperCase() as Framework | undefined,
        overwrite: values.overwrite ?? false,
        lineage,
        onProgress: (p) => bar.update(p),
      })
      .finally(() => bar.done());
    io.print(
      io.json
        ? `${JSON.stringify(summary(model))}
`
        : `pushed ${shown(model.name)}@${model.version} (${countOf(model.files.length, "file")}, ${formatBytes(model.sizeBytes)})
`,
    );
    return 0;
  },
};

const LS_USAGE =
  "homer ls [--search PREFIX | --contains TEXT] [--sort name|updated] | homer ls NAME [--sort METRIC] [--asc] [--where 'METRIC<20']..." +
  " [--tag KEY=VALUE]... [--framework F] [--since ISO] [--until ISO]";
const LS_OPTIONS = {
  sort: { type: "string", short: "s" },
  asc: { type: "boolean" },
  search: { type: "string" },
  contains: { type: "string" },
  where: { type: "string", short: "w", multiple: true },
  tag: { type: "string", multiple: true },
  framework: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
} as const satisfies Options;

/** The versions `homer ls NAME` keeps: --where, --tag, --framework, --since and --until; undefined: all. */
function lsFilter(values: {
  where?: string[];
  tag?: string[];
  framework?: string;
  since?: string;
  until?: string;
}): ModelFilter | undefined {
  const date = (text: string | undefined, flag: string) => {
    if (text === undefined) return undefined;
    const at = new Date(text);
    if (text.trim() === "" || Number.isNaN(at.getTime()))
      throw new UsageError(`--${flag} takes an ISO 8601 date or date-time, got ${shown(JSON.stringify(text))}\nusage: ${LS_USAGE}`);
    return at;
  };
  let metrics;
  try {
    metrics = parseMetricConditions(values.where ?? []);
  } catch (error) {
    if (error instanceof RegistryError) throw new UsageError(`--where ${shown(error.message)}\nusage: ${LS_USAGE}`);
    throw error;
  }
  const filter: ModelFilter = {
    ...(metrics.length > 0 ? { metrics } : {}),
    ...(values.tag ? { tags: keyValues(values.tag, "tag", false) } : {}),
    ...(values.framework !== undefined ? { framework: values.framework.toUpperCase() as Framework } : {}),
    ...(values.since !== undefined ? { createdAfter: date(values.since, "since") } : {}),
    ...(values.until !== undefined ? { createdBefore: date(values.until, "until") } : {}),
  };
  return Object.keys(filter).length > 0 ? filter : undefined;
}
const ls: Command = {
  usage: LS_USAGE,
  summary: "list the project's models, or the versions of one (best first with --sort)",
  options: LS_OPTIONS,
  operand: "model",
  async run(args, io) {
    const { values, positionals } = parse(args, LS_OPTIONS, LS_USAGE, io);
    if (positionals.length > 1) throw new UsageError(`expected at most one model name\nusage: ${LS_USAGE}`);
    const name = positionals[0];
    const filter = lsFilter(values);
    if (name === undefined) {
      if (values.asc) throw new UsageError(`--asc sorts the versions of one model: name it\nusage: ${LS_USAGE}`);
      if (values.sort !== undefined && values.sort !== "name" && values.sort !== "updated") {
        throw new UsageError(`without a model name, --sort is "name" or "updated"\nusage: ${LS_USAGE}`);
      }
      if (values.search !== undefined && values.contains !== undefined) {
        throw new UsageError(`--search (a prefix) and --contains (a substring) exclude each other\nusage: ${LS_USAGE}`);
      }
      if (filter)
        throw new UsageError(
          `--where, --tag, --framework, --since and --until filter the versions of one model: name it\nusage: ${LS_USAGE}`,
        );
      return listFamilies(io, values.search ?? values.contains, values.contains === undefined ? "prefix" : "substring", values.sort);
    }
    if (values.search !== undefined || values.contains !== undefined) {
      throw new UsageError(`--search and --contains find models by name: use them without NAME\nusage: ${LS_USAGE}`);
    }
    const registry = await io.registry();
    const models = await registry.getModels({ name, sortKey: values.sort, direction: values.asc ? "asc" : "desc", filter });
    if (io.json) {
      io.print(`${JSON.stringify(models.map(summary))}\n`);
      return 0;
    }
    if (models.length === 0) {
      io.print(filter ? `no versions of ${shown(name)} match\n` : `no versions of ${shown(name)}\n`);
      return 0;
    }
    const keys = [...new Set(models.flatMap((m) => Object.keys(m.metrics)))].sort();
    const ordered = values.sort ? [values.sort, ...keys.filter((k) => k !== values.sort)] : keys;
    // A column for aliases only when some version has one: tables of models without stay as they were.
    const aliased = models.some((m) => m.aliases.length > 0);
    const rows = models.map((m) => [
      String(m.version),
      ...(aliased ? [m.aliases.join(",") || "-"] : []),
      ...ordered.map((k) => (m.metrics[k] === undefined ? "-" : String(m.metrics[k]))),
      m.framework ?? "-",
      formatBytes(m.sizeBytes),
      timestamp(m.createdAt),
    ]);
    const header = ["VERSION", ...(aliased ? ["ALIASES"] : []), ...ordered.map((k) => k.toUpperCase()), "FRAMEWORK", "SIZE", "CREATED"];
    io.print(table(header, rows));
    return 0;
  },
};

/** `homer ls` without a name: the project's models, one line each. */
async function listFamilies(
  io: Io,
  search: string | undefined,
  match: "prefix" | "substring",
  orderBy: "name" | "updated" | undefined,
): Promise<number> {
  const registry = await io.registry();
  const families = await registry.getModelFamilies({ search, match, orderBy });
  if (io.json) {
    const dates = (f: ModelFamily) => ({
      latestCreatedAt: f.latestCreatedAt.toISOString(),
      createdAt: f.createdAt.toISOString(),
      updatedAt: f.updatedAt.toISOString(),
    });
    io.print(`${JSON.stringify(families.map((f) => ({ ...f, ...dates(f) })))}\n`);
    return 0;
  }
  if (families.length === 0) {
    const where = registry.project === undefined ? "" : ` in project ${shown(registry.project)}`;
    const how = match === "prefix" ? "start with" : "contain";
    io.print(search ? `no models${where} ${how} ${shown(JSON.stringify(search))}\n` : `no models${where}\n`);
    return 0;
  }
  const rows = families.map((f) => [
    f.name,
    String(f.versionCount),
    String(f.latestVersion),
    timestamp(f.latestCreatedAt),
    timestamp(f.updatedAt),
  ]);
  io.print(table(["NAME", "VERSIONS", "LATEST", "CREATED", "UPDATED"], rows));
  return 0;
}

const PULL_USAGE = "homer pull NAME[@VERSION|@ALIAS|@latest|@best:METRIC[:asc]] [--out DIR] [--jobs N]";
const PULL_OPTIONS = { out: { type: "string", short: "o" }, jobs: { type: "string", short: "j" } } as const satisfies Options;
const pull: Command = {
  usage: PULL_USAGE,
  summary: "download a version (latest by default), verifying every file",
  options: PULL_OPTIONS,
  operand: "model",
  async run(args, io) {
    const { values, positionals } = parse(args, PULL_OPTIONS, PULL_USAGE, io);
    const ref = parseRef(one(positionals, "one model reference", PULL_USAGE), PULL_USAGE);
    const jobs = values.jobs === undefined ? undefined : parseInteger(values.jobs, "--jobs");
    if (jobs !== undefined && (jobs < 1 || jobs > MAX_DOWNLOAD_CONCURRENCY)) {
      throw new UsageError(`--jobs must be from 1 to ${MAX_DOWNLOAD_CONCURRENCY}, got ${jobs}`);
    }
    const registry = await io.registry();
    const model = await resolveRef(registry, ref);
    const bar = progressBar(`pull ${model.name}@${model.version}`, !io.json);
    // Ctrl-C stops the download cleanly: what arrived is synced, and the same pull resumes it.
    const dir = await untilInterrupted((signal) =>
      model.download(values.out, { onProgress: (p) => bar.update(p), signal, ...(jobs ? { concurrency: jobs } : {}) }),
    ).finally(() => bar.done());
    io.print(
      io.json ? `${JSON.stringify({ ...summary(model), dir })}\n` : `pulled ${shown(model.name)}@${model.version} into ${shown(dir)}\n`,
    );
    return 0;
  },
};

const RM_USAGE = "homer rm NAME@VERSION|NAME@ALIAS [--force]";
const RM_OPTIONS = { force: { type: "boolean" } } as const satisfies Options;
const rm: Command = {
  usage: RM_USAGE,
  summary: "delete a version (refused while aliases point at it, unless --force)",
  help: "With an alias (or @latest, @best:METRIC) the version it names now is deleted. --force also removes the aliases pointing at it.",
  options: RM_OPTIONS,
  operand: "model",
  async run(args, io) {
    const { values, positionals } = parse(args, RM_OPTIONS, RM_USAGE, io);
    const ref = explicitRef(one(positionals, "one NAME@VERSION", RM_USAGE), RM_USAGE);
    const registry = await io.registry();
    const version = ref.selector.kind === "version" ? ref.selector.version : (await resolveRef(registry, ref)).version;
    await registry.deleteModel({ name: ref.name, version, force: values.force ?? false });
    io.print(io.json ? `${JSON.stringify({ deleted: { name: ref.name, version } })}\n` : `deleted ${shown(ref.name)}@${version}\n`);
    return 0;
  },
};

/** The gateway's entry: in a Homer checkout (or where @homer/gateway is installed); an installed CLI is a client only. */
function gatewayMain(): string {
  try {
    return createRequire(import.meta.url).resolve("@homer/gateway");
  } catch {
    throw new RegistryError(
      "UNSUPPORTED",
      "homer serve runs the gateway, which this installation of the CLI does not include: run it from a Homer checkout (npm start) or its Docker image, and point homer at it with --url or HOMER_URL",
    );
  }
}

const serve: Command = {
  usage: "homer serve [gateway options]   (see homer serve --help)",
  summary: "run the registry gateway (same options as npm start)",
  run(args) {
    const main = gatewayMain();
    const child = spawn(process.execPath, [main, ...args], { stdio: "inherit" });
    // The gateway drains on SIGTERM/SIGINT; pass them on rather than dying first.
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
    return new Promise((resolve) =>
      child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 15) : 1))),
    );
  },
};

export const COMMANDS: Readonly<Record<string, Command>> = {
  push,
  ls,
  pull,
  rm,
  edit,
  lineage,
  alias,
  watch,
  projects,
  keys,
  login,
  logout,
  completion: completion(() => COMMANDS),
  serve,
};
