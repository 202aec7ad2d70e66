import type { ModelEvent } from "@homer/sdk";
import { parse } from "./args.js";
import type { Command, Options } from "./command.js";
import { untilInterrupted } from "./interrupt.js";
import { parseInteger } from "./operands.js";
import { UsageError } from "./output.js";
import { shown } from "./terminal.js";

const WATCH_USAGE = "homer watch [NAME] [--count N]";
const WATCH_OPTIONS = { count: { type: "string", short: "c" } } as const satisfies Options;

function line(event: ModelEvent, json: boolean): string {
  if (json) {
    const { type, project, name, version, at, alias } = event;
    const about = alias === null ? {} : { alias };
    return `${JSON.stringify({ type, project, name, version, ...about, at: at.toISOString(), metrics: event.model?.metrics })}\n`;
  }
  const metrics = Object.entries(event.model?.metrics ?? {}).map(([k, v]) => ` ${k}=${v}`);
  // An alias event names its alias: "ALIAS_SET   team/mnist@3 champion".
  const alias = event.alias === null ? "" : ` ${shown(event.alias)}`;
  return `${event.at.toISOString()} ${event.type.padEnd(13)} ${shown(event.project)}/${shown(event.name)}@${event.version}${alias}${metrics.join("")}\n`;
}

/** Prints the project's events (one model's with NAME) as they commit, one line each; Ctrl-C stops. */
export const watch: Command = {
  usage: WATCH_USAGE,
  summary: "print live events (created, overwritten, updated, deleted, alias moves) line by line until Ctrl-C",
  options: WATCH_OPTIONS,
  operand: "model",
  async run(args, io) {
    const { values, positionals } = parse(args, WATCH_OPTIONS, WATCH_USAGE, io);
    if (positionals.length > 1) throw new UsageError(`expected at most one model name\nusage: ${WATCH_USAGE}`);
    const count = values.count === undefined ? Infinity : parseInteger(values.count, "--count");
    const registry = await io.registry();
    return untilInterrupted(async (signal) => {
      let seen = 0;
      for await (const event of registry.watch({ name: positionals[0], signal })) {
        io.print(line(event, io.json));
        if (++seen >= count) break;
      }
      return 0;
    });
  },
};
