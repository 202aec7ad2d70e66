import { RegistryError, type RegistryErrorCode } from "@homer/sdk";
import { ConfigFileError } from "./config-file.js";
import { shown, terminalJson, terminalText } from "./terminal.js";

/** Exit codes, stable for scripts (documented in `homer --help`). */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  ALREADY_EXISTS: 4,
  DENIED: 5,
  NETWORK: 6,
  INTEGRITY: 7,
  TOO_LARGE: 8,
  RATE_LIMITED: 9,
  UNAVAILABLE: 10,
  CONFLICT: 11,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM, as a shell reports a process SIGINT ended. */
  INTERRUPTED: 130,
} as const;

const EXIT_OF: Partial<Record<RegistryErrorCode, number>> = {
  BAD_USER_INPUT: EXIT.USAGE,
  NOT_FOUND: EXIT.NOT_FOUND,
  ALREADY_EXISTS: EXIT.ALREADY_EXISTS,
  CONFLICT: EXIT.CONFLICT,
  UNAUTHENTICATED: EXIT.DENIED,
  FORBIDDEN: EXIT.DENIED,
  NETWORK_ERROR: EXIT.NETWORK,
  INTEGRITY_ERROR: EXIT.INTEGRITY,
  PAYLOAD_TOO_LARGE: EXIT.TOO_LARGE,
  TOO_MANY_REQUESTS: EXIT.RATE_LIMITED,
  UNAVAILABLE: EXIT.UNAVAILABLE,
  INSUFFICIENT_STORAGE: EXIT.UNAVAILABLE,
  ABORTED: EXIT.INTERRUPTED,
};

/** A mistake on the command line; exits 2 with the command's usage hint. */
export class UsageError extends Error {}

/** Prints an error the way the caller asked (text or JSON) and returns the exit code. */
export function reportError(error: unknown, json: boolean): number {
  const code =
    error instanceof RegistryError
      ? error.code
      : error instanceof UsageError
        ? "USAGE"
        : error instanceof ConfigFileError
          ? "CONFIG"
          : "ERROR";
  const message = error instanceof Error ? error.message : String(error);
  // The message may come from the server: never let it drive the terminal.
  if (json) process.stdout.write(`${terminalJson(JSON.stringify({ error: { code, message } }))}\n`);
  else process.stderr.write(`homer: ${terminalText(message)}${error instanceof RegistryError ? ` [${code}]` : ""}\n`);
  if (error instanceof UsageError || error instanceof ConfigFileError) return EXIT.USAGE;
  return error instanceof RegistryError ? (EXIT_OF[error.code] ?? EXIT.FAILURE) : EXIT.FAILURE;
}

/** A plain-text table with left-aligned columns; every cell shown with its control characters escaped. */
export function table(header: readonly string[], rawRows: readonly (readonly string[])[]): string {
  const rows = rawRows.map((r) => r.map(shown));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header.map(shown)), ...rows.map(line)].join("\n") + "\n";
}

/** "1 file", "2 files": a count with its noun in the right number. */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
