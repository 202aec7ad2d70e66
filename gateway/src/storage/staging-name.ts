import { randomUUID } from "node:crypto";
import { readlinkSync } from "node:fs";
import os from "node:os";

/**
 * The PID namespace this process runs in (Linux: its inode, from `/proc/self/ns/pid`), or
 * "" where there is none to read. Containers sharing a host name (host networking, or the
 * same `hostname:`) each run in their own, where PID 1 is each one's gateway.
 */
function pidNamespace(): string {
  try {
    return /^pid:\[(\d+)\]$/.exec(readlinkSync("/proc/self/ns/pid"))?.[1] ?? "";
  } catch {
    return "";
  }
}

/**
 * Where a PID means something: the host's name, and on Linux its PID namespace
 * (`<host>~<namespace>`). PIDs mean nothing across hosts, nor across containers that
 * share a host name: another's upload is judged by its age alone.
 */
export const STAGING_HOST = ((host: string, namespace: string) => (namespace ? `${host}~${namespace}` : host))(
  os.hostname().replace(/[^A-Za-z0-9-]/g, "_"),
  pidNamespace(),
);

/** A fresh staging name of this process: `<host>.<pid>.<uuid>`. */
export function newStagingName(): string {
  return `${STAGING_HOST}.${process.pid}.${randomUUID()}`;
}

function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return false; // at start-up nothing of ours is in flight yet
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a staging name belongs to a process of this host (and PID namespace) that is
 * gone: its bytes will never be promoted. Another's names are never judged here (only by age).
 */
export function isDeadLocalUpload(name: string): boolean {
  const [host, pid] = name.split(".", 3);
  return host === STAGING_HOST && Number.isInteger(Number(pid)) && !isProcessAlive(Number(pid));
}
