import { assertAliasName, type ModelAlias } from "@homer/sdk";
import { parse } from "./args.js";
import type { Command, Options } from "./command.js";
import { parseInteger, parseRef } from "./operands.js";
import { table, UsageError } from "./output.js";
import { resolveRef } from "./resolve-ref.js";
import { shown } from "./terminal.js";

const ALIAS_USAGE =
  "homer alias set NAME ALIAS VERSION|REF [--protect] | homer alias rm NAME ALIAS | " +
  "homer alias protect|unprotect NAME ALIAS | homer alias ls NAME";
const ALIAS_OPTIONS = { protect: { type: "boolean" } } as const satisfies Options;

function json(alias: ModelAlias) {
  return { ...alias, updatedAt: alias.updatedAt.toISOString() };
}

function described(alias: ModelAlias): string {
  return `${shown(alias.name)}@${shown(alias.alias)} -> ${alias.version}${alias.protected ? " (protected)" : ""}`;
}

/** Named pointers to versions: `homer alias set mnist champion 3`, then `homer pull mnist@champion`. */
export const alias: Command = {
  usage: ALIAS_USAGE,
  summary: "point named aliases (champion, production…) at versions, move, protect, remove or list them",
  help:
    "Aliases are lower-case (a-z 0-9 _ -, starting with a letter); latest and best… are reserved.\n" +
    "VERSION may be a reference to one of NAME's versions too: homer alias set mnist champion mnist@best:accuracy.\n" +
    "set moves an existing alias atomically. Moving or removing a protected alias, and\n" +
    "(un)protecting one (--protect, protect, unprotect), needs an admin key for the project.",
  options: ALIAS_OPTIONS,
  actions: ["set", "rm", "protect", "unprotect", "ls"],
  operand: "model",
  async run(args, io) {
    const [action, ...rest] = args;
    const { values, positionals } = parse(rest, ALIAS_OPTIONS, ALIAS_USAGE, io);
    const usage = () => new UsageError(`usage: ${ALIAS_USAGE}`);
    if (values.protect && action !== "set") throw usage();
    // Refused before connecting: the SDK's rule, the registry's.
    if (action !== "ls" && positionals[1] !== undefined) assertAliasName(positionals[1]);
    const registry = async () => io.registry();
    if (action === "set" && positionals.length === 3) {
      const [name, aliasName, target] = positionals as [string, string, string];
      // A bare number is the version; anything else is a reference to one of NAME's (a bare
      // word is of NAME). Both are checked before connecting, as every operand is.
      const fixed = /^\d+$/.test(target) ? parseInteger(target, "VERSION") : null;
      const ref = fixed === null ? parseRef(target.includes("@") ? target : `${name}@${target}`, ALIAS_USAGE) : null;
      // An alias points at a version number of its own model: another model's number would be a wrong version of NAME.
      if (ref && ref.name !== name) {
        throw new UsageError(
          `${JSON.stringify(shown(target))} names model ${shown(ref.name)}, not ${shown(name)}: ` +
            `an alias of ${shown(name)} points at one of its own versions\nusage: ${ALIAS_USAGE}`,
        );
      }
      const mr = await registry();
      const version = fixed ?? (await resolveRef(mr, ref!)).version;
      const set = await mr.setAlias({ name, alias: aliasName, version, ...(values.protect ? { protected: true } : {}) });
      io.print(io.json ? `${JSON.stringify(json(set))}\n` : `${described(set)}\n`);
      return 0;
    }
    if (action === "rm" && positionals.length === 2) {
      const [name, aliasName] = positionals as [string, string];
      await (await registry()).removeAlias({ name, alias: aliasName });
      io.print(io.json ? `${JSON.stringify({ removed: { name, alias: aliasName } })}\n` : `removed ${shown(name)}@${shown(aliasName)}\n`);
      return 0;
    }
    if ((action === "protect" || action === "unprotect") && positionals.length === 2) {
      const [name, aliasName] = positionals as [string, string];
      const set = await (await registry()).protectAlias({ name, alias: aliasName, protected: action === "protect" });
      io.print(io.json ? `${JSON.stringify(json(set))}\n` : `${described(set)}\n`);
      return 0;
    }
    if (action === "ls" && positionals.length === 1) {
      const name = positionals[0]!;
      const aliases = await (await registry()).getAliases({ name });
      if (io.json) io.print(`${JSON.stringify(aliases.map(json))}\n`);
      else if (aliases.length === 0) io.print(`no aliases of ${shown(name)}\n`);
      else {
        const rows = aliases.map((a) => [
          a.alias,
          String(a.version),
          a.protected ? "yes" : "no",
          a.updatedAt.toISOString(),
          a.updatedBy ?? "-",
        ]);
        io.print(table(["ALIAS", "VERSION", "PROTECTED", "UPDATED", "BY"], rows));
      }
      return 0;
    }
    throw usage();
  },
};
