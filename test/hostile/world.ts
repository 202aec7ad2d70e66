/**
 * The world the hostile corpus runs in: the fixtures the runner seeds, the keys it
 * mints (filled in by its `beforeAll`, read lazily by the cases), what a case is,
 * and how the cases reach the gateway outside the counted requests.
 */
import { createHash } from "node:crypto";
import { generateKey } from "../../gateway/src/access/api-key.js";
import { send, type RawRequest, type Reply } from "../support/raw-request.js";

export const MAX_FILE = 64 * 1024;
export const MAX_INPUT_EXAMPLE = 4096;
export const adminKey = generateKey();
/** Secrets by role; the runner mints all but the admin's before any case is sent. */
export const keys = { admin: adminKey.token, write: "", read: "", writeB: "", revoked: "" };
export const keyIds = { write: "", read: "", writeB: "", revoked: "" };
/** Names hostile creates aim at; none of them may ever hold a version. */
export const VICTIMS = ["victim", "victim2"] as const;
export const PROJECTS = ["team-a", "team-b", "default"] as const;
/** The fixture's w.bin: 100 distinct-ish bytes, so a wrong slice is visible. */
export const W = Buffer.from(Array.from({ length: 100 }, (_, i) => 65 + ((i * 7) % 26)));
export const W_SHA = createHash("sha256").update(W).digest("hex");
export const W_URL = "/files/team-a/fixture/1/w.bin";
/** `endCursor`s of the seeded listings, for the cursor cases. */
export const cursors = { version: "", acc: "", other: "", asc: "" };
/** The gateway under attack; the runner sets its origin once it is up. */
export const target = { origin: "" };

/** What an answer to one case must satisfy, beyond what every answer must. */
export interface Expect {
  /** Allowed `errors[0].extensions.code`s (each must also be a known code). */
  readonly codes?: readonly string[];
  /** Allowed HTTP statuses. */
  readonly status?: readonly number[];
  /** A successful answer is acceptable (the input is strange but legal). */
  readonly success?: boolean;
  /** A non-JSON answer is acceptable (downloads, 416, Node's 431). */
  readonly plain?: boolean;
  readonly check?: (reply: Reply) => void | Promise<void>;
}

/** One hostile request and what its answer must be. */
export interface Case {
  readonly name: string;
  readonly request: RawRequest | (() => RawRequest);
  readonly expect: Expect;
  /** A known gateway bug: the case runs as test.fails. */
  readonly bug?: string;
}

/** A named list of cases; `cases` is called when the runner registers the group. */
export interface Group {
  readonly name: string;
  readonly cases: () => readonly Case[];
}

/** Names a group of cases. */
export const group = (name: string, cases: () => readonly Case[]): Group => ({ name, cases });

/** A request the test itself makes (setup, checks): not counted. */
export function own(request: RawRequest): Promise<Reply> {
  return send(target.origin, request);
}

/** A reply in one line, for failure messages. */
export function summary(reply: Reply): string {
  return `HTTP ${reply.status}${reply.error ? ` (${reply.error})` : ""} ${reply.text.slice(0, 300)}`;
}
