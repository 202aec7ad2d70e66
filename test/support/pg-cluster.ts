import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./ports.js";

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL cluster of the test's own (initdb + pg_ctl on a free
 * port, trust auth), so a test can stop, crash and restart it without touching
 * the shared server on 5432. PostgreSQL refuses to run as root: as root (CI
 * here) every server command runs as the `postgres` OS user via runuser.
 */
export interface PgCluster {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:PORT/<database>` */
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  /** Starts the server unless it is running; resolves once it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop -m mode`: fast disconnects sessions cleanly, immediate is a crash. */
  stop(mode: "fast" | "immediate"): Promise<void>;
  /** `pg_ctl restart -m mode`: down and up again in one go. */
  restart(mode: "fast" | "immediate"): Promise<void>;
  /** pg_terminate_backend for every session on `database`; resolves with how many. */
  terminateBackends(database: string): Promise<number>;
  /** SIGSTOPs the postmaster and its children: a server that accepts connections and never answers. */
  freeze(): void;
  /** SIGCONTs what `freeze` stopped. */
  thaw(): void;
  /** Stops the server (immediately) and removes its directory. */
  destroy(): Promise<void>;
}

/** The newest installed server's bin directory (Debian: /usr/lib/postgresql/N/bin), else `pg_config --bindir`'s. */
async function findBinDir(): Promise<string> {
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const candidates = versions.map((v) => path.join(root, v, "bin"));
  const configured = await run("pg_config", ["--bindir"]).then(
    ({ stdout }) => stdout.trim(),
    () => undefined,
  );
  if (configured) candidates.push(configured);
  const dir = candidates.find((d) => fs.existsSync(path.join(d, "pg_ctl")) && fs.existsSync(path.join(d, "initdb")));
  if (!dir) throw new Error(`no PostgreSQL server binaries (initdb, pg_ctl) under ${root}/*/bin or pg_config --bindir`);
  return dir;
}

const asRoot = process.getuid?.() === 0;

/** Runs a server binary, as `postgres` when we are root; failures carry its output. */
async function asServerUser(binary: string, args: readonly string[]): Promise<string> {
  const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", binary, ...args]] : [binary, [...args]];
  try {
    const { stdout, stderr } = await run(file, argv, { cwd: "/", timeout: 60_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${path.basename(binary)} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

/** Creates (initdb) and starts a cluster in a fresh temporary directory. */
export async function createPgCluster(): Promise<PgCluster> {
  const bin = await findBinDir();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "homer-pg-"));
  if (asRoot) {
    const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    fs.chownSync(root, uid, gid);
  }
  const data = path.join(root, "data");
  const port = await freePort();
  await asServerUser(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  // The socket lives in our own directory: nothing to clash with in /tmp.
  const serverOptions = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c max_connections=50`;
  const pgCtl = (...args: string[]) =>
    asServerUser(path.join(bin, "pg_ctl"), ["-D", data, "-l", path.join(root, "server.log"), "-w", "-t", "30", ...args]);
  /** `pg_ctl status` exits 3 when no server runs on the directory. */
  const running = () =>
    asServerUser(path.join(bin, "pg_ctl"), ["-D", data, "status"]).then(
      () => true,
      () => false,
    );
  /** The postmaster (first line of postmaster.pid) and every process it started. */
  const serverPids = (): number[] => {
    const postmaster = Number(fs.readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    const children = fs
      .readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        const stat = (() => {
          try {
            return fs.readFileSync(`/proc/${pid}/stat`, "utf8");
          } catch {
            return ""; // exited meanwhile
          }
        })();
        // Fields after the parenthesised command: state, then the parent's pid.
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster;
      });
    return [postmaster, ...children.map(Number)];
  };
  let frozen: number[] = [];
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;

  async function withClient<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: url("postgres") });
    // A client of the test's own may see the server go away too.
    client.on("error", () => {});
    await client.connect();
    try {
      return await use(client);
    } finally {
      await client.end().catch(() => {});
    }
  }

  const cluster: PgCluster = {
    port,
    url,
    async createDatabase(name) {
      await withClient((c) => c.query(`create database ${pg.escapeIdentifier(name)}`));
    },
    async start() {
      if (!(await running())) await pgCtl("-o", serverOptions, "start");
    },
    async stop(mode) {
      await pgCtl("-m", mode, "stop");
    },
    async restart(mode) {
      await pgCtl("-m", mode, "-o", serverOptions, "restart");
    },
    async terminateBackends(database) {
      return withClient(async (c) => {
        const { rows } = await c.query(
          "select count(*)::int as n from " +
            "(select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()) t",
          [database],
        );
        return rows[0].n as number;
      });
    },
    freeze() {
      frozen = serverPids();
      for (const pid of frozen) process.kill(pid, "SIGSTOP");
    },
    thaw() {
      for (const pid of frozen.splice(0)) process.kill(pid, "SIGCONT");
    },
    async destroy() {
      cluster.thaw();
      await pgCtl("-m", "immediate", "stop").catch(() => {});
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return cluster;
}
