import { randomBytes } from "node:crypto";
import { randomId, sha256Hex } from "./api-key.js";

/** How long a ticket is valid: long enough to click, not to share. */
export const TICKET_TTL_MS = 60_000;
/** How many requests one ticket serves within its life: a download and a few Range resumes. */
export const TICKET_MAX_USES = 5;

/** `<id>_<secret>`: the id finds the row, the secret (256 bits) proves possession. */
const FORMAT = /^([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

/** The file a ticket reads: `path` null is the version's archive. */
export interface TicketTarget {
  readonly project: string;
  readonly name: string;
  readonly version: number;
  readonly path: string | null;
}

export interface GeneratedTicket {
  readonly id: string;
  /** `<id>_<secret>`, for the URL's `ticket` parameter; never stored. */
  readonly token: string;
  readonly secretSha256: string;
}

export function generateTicket(): GeneratedTicket {
  const id = randomId();
  const secret = randomBytes(32).toString("base64url");
  return { id, token: `${id}_${secret}`, secretSha256: sha256Hex(secret) };
}

/** Splits a presented ticket; null when it is not shaped like one of ours. */
export function parseTicket(token: string): { id: string; secret: string } | null {
  const match = FORMAT.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

export function sameTarget(a: TicketTarget, b: TicketTarget): boolean {
  return a.project === b.project && a.name === b.name && a.version === b.version && a.path === b.path;
}
