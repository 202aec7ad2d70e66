/**
 * A real nginx (Debian's, `.ci/run` installs it) run in the foreground from a
 * temporary prefix, with a configuration the test derived from docker/nginx.conf.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { waitFor } from "./wait.js";
import { freePort } from "./ports.js";
export { freePort };

const run = promisify(execFile);

/** The nginx binary, or undefined when none is installed. */
export function findNginx(): string | undefined {
  const dirs = ["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin", ...(process.env.PATH ?? "").split(":")];
  return dirs.map((dir) => path.join(dir, "nginx")).find((file) => existsSync(file));
}

export interface Nginx {
  readonly origin: string;
  /** What nginx printed so far (its error log, warnings included). */
  output(): string;
  /** The access log so far. */
  accessLog(): Promise<string>;
  /**
   * Applies `config` as `nginx -s reload` does (SIGHUP to the master); resolves once
   * new workers run it (the old ones accept nothing more and finish what they hold).
   */
  reload(config: string): Promise<void>;
  stop(): Promise<void>;
}

/** The pids of `parent`'s child processes (nginx's workers). */
async function childrenOf(parent: number): Promise<Set<number>> {
  const { stdout } = await run("ps", ["-o", "pid=", "--ppid", String(parent)]).catch(() => ({ stdout: "" }));
  return new Set(stdout.split(/\s+/).filter(Boolean).map(Number));
}

/**
 * Paths a packaged nginx compiled in (/var/lib/nginx, /run) moved under `prefix`,
 * so it runs as any user beside other nginx instances; the access log goes to a
 * file there (a child's stdout is a socket here, which /dev/stdout cannot open).
 */
function localPaths(config: string, prefix: string): string {
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((kind) => `  ${kind}_temp_path ${path.join(prefix, `${kind}_temp`)};`)
    .join("\n");
  return config.replace(/^http \{$/m, `http {\n${temp}`).replaceAll("/dev/stdout", path.join(prefix, ACCESS_LOG));
}

const ACCESS_LOG = "access.log";

function args(prefix: string, file: string, extra: string): string[] {
  return ["-p", prefix, "-c", file, "-e", "stderr", "-g", `pid ${path.join(prefix, "nginx.pid")};${extra}`];
}

/** `nginx -t` on `config` (after moving its paths under `prefix`); throws with nginx's words. */
export async function checkNginxConfig(binary: string, config: string, prefix: string): Promise<string> {
  const file = path.join(prefix, "nginx.conf");
  await fs.writeFile(file, localPaths(config, prefix));
  const { stderr } = await run(binary, ["-t", ...args(prefix, file, "")]);
  return stderr;
}

/** Runs nginx in the foreground with `config`, listening where `origin` says; resolves once it accepts connections. */
export async function startNginx(binary: string, config: string, prefix: string, origin: string): Promise<Nginx> {
  const file = path.join(prefix, "nginx.conf");
  await fs.writeFile(file, localPaths(config, prefix));
  // Warnings too: nginx warns when it buffers a body to a temporary file.
  const child: ChildProcess = spawn(binary, args(prefix, file, " daemon off; error_log stderr warn;"), {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (output += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (output += s));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const { hostname, port } = new URL(origin);
  await waitFor(
    `nginx listening at ${origin}`,
    () => {
      if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}:\n${output}`);
      return new Promise<boolean>((resolve) => {
        const socket = net.connect(Number(port), hostname, () => {
          socket.end();
          resolve(true);
        });
        socket.on("error", () => resolve(false));
      });
    },
    10_000,
    50,
  );
  return {
    origin,
    accessLog: () => fs.readFile(path.join(prefix, ACCESS_LOG), "utf8").catch(() => ""),
    output: () => output,
    async reload(next: string) {
      await fs.writeFile(file, localPaths(next, prefix));
      const before = await childrenOf(child.pid!);
      child.kill("SIGHUP");
      await waitFor(
        "nginx's new workers after a reload",
        async () => {
          if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}:\n${output}`);
          return [...(await childrenOf(child.pid!))].some((pid) => !before.has(pid));
        },
        10_000,
        20,
      );
      // The old workers closed their listening sockets when told to shut down, just after the new ones started.
      await new Promise((resolve) => setTimeout(resolve, 200));
    },
    async stop() {
      // SIGQUIT: graceful (workers finish their requests); SIGKILL after 5 s.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGQUIT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
