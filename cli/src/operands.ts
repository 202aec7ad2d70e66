import { UsageError } from "./output.js";

/** The one positional a command takes, or a usage error. */
export function one(positionals: string[], what: string, usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected ${what}\nusage: ${usage}`);
  return positionals[0]!;
}

export function parseInteger(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a positive integer, got "${text}"`);
  return Number(text);
}

export function keyValues(pairs: string[] | undefined, what: string, number: boolean): Record<string, number | string> {
  const result: Record<string, number | string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--${what} takes KEY=VALUE, got "${pair}"`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const value = number ? Number(raw) : raw;
    if (number && (raw.trim() === "" || !Number.isFinite(value))) throw new UsageError(`--${what} ${key}: "${raw}" is not a finite number`);
    result[key] = value;
  }
  return result;
}

/** NAME (latest), NAME@VERSION or NAME@best:METRIC. */
export function parseRef(ref: string): { name: string; version?: number; bestBy?: string } {
  const at = ref.lastIndexOf("@");
  if (at < 0) return { name: ref };
  const name = ref.slice(0, at);
  const selector = ref.slice(at + 1);
  if (selector.startsWith("best:") && selector.length > 5) return { name, bestBy: selector.slice(5) };
  return { name, version: parseInteger(selector, `the version in "${ref}"`) };
}
