import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./output.js";

/** parseArgs, strict, with mistakes reported as usage errors naming the command's usage. */
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: ${usage}`);
  }
}
