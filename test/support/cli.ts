import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The `homer` bin as `npm install` links it. */
export const HOMER = fileURLToPath(new URL("../../node_modules/.bin/homer", import.meta.url));

/**
 * A config directory that does not exist, for every run that names none: no test
 * reads a login stored on the machine running it (`homer login` uses XDG_CONFIG_HOME).
 */
export const NO_LOGIN = path.join(os.tmpdir(), `homer-no-login-${process.pid}-${Date.now()}`);

/** What one run of the CLI printed, and how it exited. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the `homer` bin as a user would, with no TTY; `input` is piped to its stdin (else it reads end of file at once). */
export function homer(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(HOMER, args, { env: { ...process.env, XDG_CONFIG_HOME: NO_LOGIN, ...env }, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    // Empty unless given: nothing waits on a terminal that is not there.
    child.stdin.end(input);
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
