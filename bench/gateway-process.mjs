// A real gateway as a child process, and what the upload bench measures of it:
// memory from /proc (sampled VmRSS and the kernel's VmHWM peak) and CPU time.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { makeRunDir, ROOT } from "./lib.mjs";

const MAIN = path.join(ROOT, "gateway", "dist", "main.js");

/**
 * The environment of every server a bench starts (Homer, its floors and peers): this
 * process's, with `NODE_ENV=production`, as docker/Dockerfile runs the gateway. In
 * development mode graphql-js checks every type test for a second copy of itself, a
 * tax on the floor's interpreter that Homer's compiled queries mostly avoid.
 * `BENCH_NODE_ENV` overrides.
 */
export const serverEnv = () => ({ ...process.env, NODE_ENV: process.env.BENCH_NODE_ENV ?? "production" });

/**
 * Starts `node gateway/dist/main.js --port 0` on `dataDir` (and `extraEnv`, e.g. an
 * S3 blob store) with `nodeArgs` for node itself (e.g. --cpu-prof); resolves once it serves.
 * `main` runs another build (e.g. a copy of gateway/dist kept for an A/B comparison).
 */
export function startGatewayProcess(dataDir, extraEnv = {}, nodeArgs = [], main = MAIN) {
  const env = { ...serverEnv(), HOMER_DATA_DIR: dataDir, HOMER_LOG_LEVEL: "warn" };
  // Inherited settings must not point the bench gateway at some other store.
  for (const name of ["PORT", "HOST", "HOMER_DATABASE_URL", "HOMER_BLOB_URL", "HOMER_PUBLIC_URL", "HOMER_MAX_FILE_SIZE"]) delete env[name];
  Object.assign(env, extraEnv);
  // Spawned directly (no npm/shell in between), so child.pid is the gateway itself.
  const child = spawn(process.execPath, [...nodeArgs, main, "--port", "0", "--host", "127.0.0.1"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk).slice(-8000); // the tail, for error reports
  };
  child.stdout.on("data", keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error("gateway did not start within 30 s")), 30_000);
    const fail = (error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${error.message}\n--- gateway output ---\n${output}`));
    };
    child.once("exit", (code, signal) => fail(new Error(`gateway exited early (${code ?? signal})`)));
    child.stderr.on("data", (chunk) => {
      keep(chunk);
      const match = /serving GraphQL at (http:\/\/\S+?)\/graphql/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({
        child,
        pid: child.pid,
        origin: match[1],
        output: () => output,
        /** SIGTERM (graceful drain), then SIGKILL after 10 s. */
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
            child.once("exit", () => {
              clearTimeout(kill);
              done();
            });
            child.kill("SIGTERM");
          }),
      });
    });
  });
}

/**
 * Starts a floor (`node [nodeArgs] bench/<script> ...args`), which prints `listening <port>` on
 * stdout once it serves; resolves with its pid, origin and a SIGTERM stop.
 */
export function startFloorProcess(script, args = [], nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, "bench", script), ...args], {
    env: serverEnv(),
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.once("exit", (code) => reject(new Error(`${script} exited (${code})`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (!match) return;
      child.removeAllListeners("exit");
      resolve({
        pid: child.pid,
        origin: `http://127.0.0.1:${match[1]}`,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", done);
            child.kill("SIGTERM");
          }),
      });
    });
  });
}

/** A field of /proc/<pid>/status in MiB (VmRSS, VmHWM). */
export function procMemMiB(pid, field) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Resets the kernel's peak-RSS mark (VmHWM), so each phase reports its own peak. */
export function resetPeak(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false; // needs root or the same user; the peak then spans earlier phases too
  }
}

/** User and system CPU seconds the process has used so far (utime, stime in USER_HZ, 100 on Linux). */
export function cpuTimes(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // minflt: pages of the process's own memory the kernel had to map (not the page cache its writes fill).
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100, minorFaults: Number(fields[7]) };
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid) {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/**
 * Samples VmRSS of several processes every `everyMs` until stopped: `pids` maps a
 * label to a pid; a process that has ended keeps the peak seen before.
 */
export function sampleRss(pids, everyMs = 50) {
  const peak = Object.fromEntries(Object.keys(pids).map((label) => [label, 0]));
  let samples = 0;
  const sample = () => {
    for (const [label, pid] of Object.entries(pids)) {
      try {
        const rss = procMemMiB(pid, "VmRSS");
        if (Number.isFinite(rss)) peak[label] = Math.max(peak[label], rss); // a zombie has no VmRSS line
      } catch {
        // ended and reaped
      }
    }
    samples++;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...peak, samples };
    },
  };
}

/**
 * Runs `body` in a fresh run directory (`makeRunDir(prefix)`), with `start(dataDir, env)` to start
 * gateway processes (a failed start is retried once: once seen, a gateway killed by a SIGTERM from
 * outside before it printed anything). On failure their output is printed; either way they are
 * stopped and the directory removed.
 */
export async function inRunDir(prefix, body) {
  const dir = await makeRunDir(prefix);
  const gateways = [];
  const start = async (dataDir, env = {}) => {
    const gateway = await startGatewayProcess(dataDir, env).catch((error) => {
      console.log(`gateway start failed, retrying once: ${error.message.split("\n")[0]}`);
      return startGatewayProcess(dataDir, env);
    });
    gateways.push(gateway);
    return gateway;
  };
  try {
    return await body(dir, start);
  } catch (error) {
    for (const gateway of gateways) console.error(`--- gateway output ---\n${gateway.output()}`);
    throw error;
  } finally {
    for (const gateway of gateways) await gateway.stop();
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
