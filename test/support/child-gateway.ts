/**
 * Process control for the compiled gateway: start `node gateway/dist/main.js`
 * as a real child process, wait for its ready line, signal it, and reap it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The compiled gateway (`npm run build`), run as a real process. */
export const MAIN_JS = fileURLToPath(new URL("../../gateway/dist/main.js", import.meta.url));

const READY_LINE = /Homer is serving GraphQL at (http:\/\/[^\s]+?)\/graphql \(store: /;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ChildGateway {
  readonly child: ChildProcess;
  readonly pid: number;
  /** e.g. `http://127.0.0.1:39123` */
  readonly origin: string;
  readonly port: number;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  /** Everything printed so far, stdout and stderr interleaved (for failure messages). */
  output(): string;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<{ status: number; data?: T; errors?: any[] }>;
  /** Sends `signal` unless the process already exited. */
  kill(signal: NodeJS.Signals): void;
}

export interface RunResult extends Exit {
  readonly stdout: string;
  readonly stderr: string;
}

const live = new Set<ChildProcess>();

/**
 * An environment without the caller's PORT/HOST/HOMER_* settings, so only what
 * a test passes reaches the gateway, and without vitest's NODE_ENV=test (which
 * changes library behaviour, e.g. Apollo's signal handling): the process runs
 * as `node gateway/dist/main.js` from a shell would.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "PORT" || key === "HOST" || key === "NODE_ENV" || key.startsWith("HOMER_")) continue;
    clean[key] = value;
  }
  return { ...clean, HOMER_LOG_LEVEL: "info", ...env };
}

/**
 * The Node that runs gateways: the test's own, unless HOMER_TEST_GATEWAY_NODE names
 * another (the SDK and CLI tests on a newer Node line keep their gateway on the Node
 * its native SQLite module was built for; see test/node-lines.test.ts).
 */
const GATEWAY_NODE = process.env.HOMER_TEST_GATEWAY_NODE || process.execPath;

function spawnGateway(args: readonly string[], env: Record<string, string>): ChildProcess {
  const child = spawn(GATEWAY_NODE, [MAIN_JS, ...args], { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** Runs the gateway to completion (for `--help` and bad options). */
export async function runGateway(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 10_000): Promise<RunResult> {
  const child = spawnGateway(args, env);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exit = await exitOf(child);
  clearTimeout(timer);
  // stdio may still hold buffered output after "exit"
  await new Promise<void>((resolve) => (child.stdout!.readableEnded ? resolve() : child.stdout!.once("end", resolve)));
  await new Promise<void>((resolve) => (child.stderr!.readableEnded ? resolve() : child.stderr!.once("end", resolve)));
  return { ...exit, stdout, stderr };
}

/**
 * Starts `node gateway/dist/main.js --port 0` and resolves once it prints its
 * ready line; rejects (with its output) if it exits or stalls first.
 */
export async function startChildGateway(
  options: { env?: Record<string, string>; args?: readonly string[]; timeoutMs?: number; onOutput?: (text: string) => void } = {},
): Promise<ChildGateway> {
  const child = spawnGateway(["--port", "0", ...(options.args ?? [])], options.env ?? {});
  const exited = exitOf(child);
  let output = "";
  let stderrText = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => {
    output += s;
    options.onOutput?.(output);
  });
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gateway did not become ready in ${options.timeoutMs ?? 15_000} ms:\n${output}`));
    }, options.timeoutMs ?? 15_000);
    child.stderr!.setEncoding("utf8").on("data", (s: string) => {
      output += s;
      stderrText += s;
      options.onOutput?.(output);
      const match = READY_LINE.exec(stderrText);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before it was ready (${JSON.stringify(exit)}):\n${output}`));
    });
  });
  const port = Number(new URL(origin).port);
  return {
    child,
    pid: child.pid!,
    origin,
    port,
    exited,
    output: () => output,
    async gql(query, variables) {
      const res = await fetch(`${origin}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", connection: "close" },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as object) };
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** SIGKILLs every gateway still running and waits for each to exit. */
export async function killAllChildren(): Promise<void> {
  await Promise.all(
    [...live].map((child) => {
      const exit = exitOf(child);
      child.kill("SIGKILL");
      return exit;
    }),
  );
}
