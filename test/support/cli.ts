import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The `homer` bin as `npm install` links it. */
export const HOMER = fileURLToPath(new URL("../../node_modules/.bin/homer", import.meta.url));

/** What one run of the CLI printed, and how it exited. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the `homer` bin as a user would, with no TTY. */
export function homer(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(HOMER, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
