import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./output.js";

/** Options every command accepts, before or after its name. */
export const GLOBAL_OPTIONS = {
  url: { type: "string" },
  "api-key": { type: "string" },
  project: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

/** Options only before the command: `homer --version`. */
const HEAD_OPTIONS = { ...GLOBAL_OPTIONS, version: { type: "boolean", short: "V" } } as const satisfies NonNullable<
  ParseArgsConfig["options"]
>;

export interface Globals {
  url?: string;
  apiKey?: string;
  project?: string;
  json: boolean;
  help: boolean;
  version?: boolean;
}

/** `homer COMMAND --help`: the usage goes to stdout and the command does not run. */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super(usage);
  }
}

/** Takes the global options a command found after its name; main merges them. */
export interface GlobalsReceiver {
  useGlobals(found: Partial<Globals>): void;
}

/**
 * `--api-key ""`, `--url ""`, `--project ""`: most often a shell variable that was not set
 * (`--api-key "$KEY"`). Taken as given, the empty key overrode the stored login's and the
 * command ran without a key; refused instead, as HOMER_API_KEY="" is taken as unset.
 */
function refuseEmpty(values: Record<string, unknown>): void {
  for (const name of ["url", "api-key", "project"] as const) {
    if (values[name] === "")
      throw new UsageError(`--${name} was given an empty value (an unset shell variable?); leave the option out to use the default`);
  }
}

function globalsOf(values: Record<string, unknown>): Partial<Globals> {
  refuseEmpty(values);
  const found: Partial<Globals> = {};
  if (typeof values.url === "string") found.url = values.url;
  if (typeof values["api-key"] === "string") found.apiKey = values["api-key"];
  if (typeof values.project === "string") found.project = values.project;
  if (values.json === true) found.json = true;
  if (values.help === true) found.help = true;
  if (values.version === true) found.version = true;
  return found;
}

/**
 * The global options before the command name, and the command's name and
 * arguments. Stops at the first positional: what follows is the command's to parse,
 * so a value such as `--description -h` is never mistaken for a global.
 */
export function splitCommand(argv: string[]): { globals: Partial<Globals>; command: string | undefined; rest: string[] } {
  const index = argv.findIndex((arg, i) => !arg.startsWith("-") && !isValueOf(argv[i - 1]));
  const head = index < 0 ? argv : argv.slice(0, index);
  const { values } = strictParse(head, HEAD_OPTIONS, "homer [global options] COMMAND …");
  return { globals: globalsOf(values), command: index < 0 ? undefined : argv[index], rest: index < 0 ? [] : argv.slice(index + 1) };
}

function isValueOf(previous: string | undefined): boolean {
  if (!previous || previous.includes("=")) return false;
  const name = previous.replace(/^--/, "") as keyof typeof GLOBAL_OPTIONS;
  return GLOBAL_OPTIONS[name]?.type === "string";
}

function strictParse<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: ${usage}`);
  }
}

/**
 * A command's arguments, strictly: its own options plus the global ones (which go
 * to `io`). `--help` stops the command and prints its usage.
 */
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T, usage: string, io: GlobalsReceiver) {
  const parsed = strictParse(args, { ...GLOBAL_OPTIONS, ...options }, usage);
  const found = globalsOf(parsed.values);
  io.useGlobals(found);
  if (found.help) throw new HelpRequested(usage);
  return parsed;
}
