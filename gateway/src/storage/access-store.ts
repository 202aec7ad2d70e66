import type { Grant } from "../domain/records.js";

/** The access port: projects, API keys and their grants. Secrets are stored only as digests. */

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly secretSha256: string;
  readonly grants: readonly Grant[];
  readonly createdAt: Date;
  readonly createdBy: string | null;
  readonly revokedAt: Date | null;
}

export interface ProjectRecord {
  readonly name: string;
  readonly createdAt: Date;
  readonly createdBy: string | null;
}

/** A download ticket (`AccessStore.mintTicket`): one file or archive a key may read through a URL, briefly. */
export interface DownloadTicketRecord {
  readonly id: string;
  readonly secretSha256: string;
  /** The key that minted it: the download reads as this key, if it still may. */
  readonly keyId: string;
  readonly project: string;
  readonly name: string;
  readonly version: number;
  /** The file's path; null names the version's archive. */
  readonly path: string | null;
  /** The file's sha256 when minted, or the version's `filesDigest` for its archive: an overwritten version refuses the ticket. */
  readonly contentSha256: string;
}

export interface AccessStore {
  /** Whether any key was ever created (revoked ones count: revoking every key must not open the registry). */
  anyKeys(): Promise<boolean>;
  findKey(id: string): Promise<ApiKeyRecord | null>;
  listKeys(): Promise<ApiKeyRecord[]>;
  /**
   * Inserts a key and its grants in one transaction, in which the key creating it
   * (`createdBy`, when not null) must still be unrevoked (else `keyRevoked`).
   */
  createKey(key: Omit<ApiKeyRecord, "createdAt" | "revokedAt">): Promise<ApiKeyRecord>;
  /**
   * Inserts the key only if no key exists yet, as one decision across every process
   * sharing the database (replicas bootstrapping together create one key); null when
   * a key already exists.
   */
  createFirstKey(key: Omit<ApiKeyRecord, "createdAt" | "revokedAt">): Promise<ApiKeyRecord | null>;
  /**
   * Marks a key revoked; false when there is no such key. `by`, the key revoking it
   * (when given), must still be unrevoked itself, checked in the same transaction (else `keyRevoked`).
   */
  revokeKey(id: string, by?: string | null): Promise<boolean>;
  /** Null when the project exists; `createdBy` (when not null) must still be unrevoked, as for `createKey`. */
  createProject(name: string, createdBy: string | null): Promise<ProjectRecord | null>;
  listProjects(): Promise<ProjectRecord[]>;
  projectsExist(names: readonly string[]): Promise<Set<string>>;
  /**
   * Stores a ticket valid for `ttlMs` by the database's clock (one clock for every replica),
   * and deletes the tickets already expired. Returns when it expires.
   */
  mintTicket(ticket: DownloadTicketRecord, ttlMs: number): Promise<Date>;
  /** The ticket when it exists, has not expired and has been used fewer than `maxUses` times. */
  findTicket(id: string, maxUses: number): Promise<DownloadTicketRecord | null>;
  /** Counts one use, unless it has expired or been used `maxUses` times meanwhile (false). */
  spendTicket(id: string, maxUses: number): Promise<boolean>;
}
