import { randomUUID } from "node:crypto";
import os from "node:os";

/** Staging names carry their host: PIDs mean nothing across hosts or containers. */
const HOST = os.hostname().replace(/[^A-Za-z0-9-]/g, "_");

/** A fresh staging name of this process: `<host>.<pid>.<uuid>`. */
export function newStagingName(): string {
  return `${HOST}.${process.pid}.${randomUUID()}`;
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
 * Whether a staging name belongs to a process of this host that is gone: its bytes
 * will never be promoted. Another host's names are never judged here (only by age).
 */
export function isDeadLocalUpload(name: string): boolean {
  const [host, pid] = name.split(".", 3);
  return host === HOST && Number.isInteger(Number(pid)) && !isProcessAlive(Number(pid));
}
