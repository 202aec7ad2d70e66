import type { Connection, ModelRegistry } from "@homer/sdk";
import type { GlobalsReceiver } from "./args.js";

/** What a command may use: output, the registry, and where its global options go. */
export interface Io extends GlobalsReceiver {
  readonly json: boolean;
  /** Opens the registry lazily, so `--help` and usage errors need no server. */
  registry(): Promise<ModelRegistry>;
  connection(): Promise<Connection>;
  print(text: string): void;
}

/** One `homer COMMAND`: its usage line, its summary for `homer --help`, and its run. */
export interface Command {
  readonly usage: string;
  readonly summary: string;
  run(args: string[], io: Io): Promise<number>;
}
