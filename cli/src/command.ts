import type { ParseArgsConfig } from "node:util";
import type { Connection, ModelRegistry } from "@homer/sdk";
import type { Globals, GlobalsReceiver } from "./args.js";

/** What a command may use: output, the registry, and where its global options go. */
export interface Io extends GlobalsReceiver {
  readonly json: boolean;
  /** The global options given as flags so far (not the environment's or the config file's). */
  readonly flags: Readonly<Pick<Globals, "url" | "apiKey" | "project">>;
  /** Opens the registry lazily, so `--help` and usage errors need no server. */
  registry(): Promise<ModelRegistry>;
  connection(): Promise<Connection>;
  print(text: string): void;
}

/** A command's own options, as node:util's parseArgs takes them. */
export type Options = NonNullable<ParseArgsConfig["options"]>;

/** One `homer COMMAND`: its usage line, its summary for `homer --help`, and its run. */
export interface Command {
  readonly usage: string;
  readonly summary: string;
  /** More for `homer COMMAND --help`, after the usage line. */
  readonly help?: string;
  /** Its own options (the global ones come on top); shell completion offers them. */
  readonly options?: Options;
  /** The words its first argument may be (`projects create`), for shell completion. */
  readonly actions?: readonly string[];
  /** What its positional arguments are, for shell completion. */
  readonly operand?: "directory" | "model";
  run(args: string[], io: Io): Promise<number>;
}
