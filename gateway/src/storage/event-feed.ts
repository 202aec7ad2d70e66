/**
 * The event port: the registry's event log, written by the metadata store in the
 * same transaction as each change, and a signal that new entries may exist.
 * `seq` order is commit order (writers take a lock for the insert), so a reader
 * that resumes after the last `seq` it saw misses nothing; a sequence may skip
 * numbers (a rolled-back transaction), never deliver one late.
 */

import type { ModelEventRecord } from "../domain/records.js";

/** Stops a `watch`; resolves once its connection (if any) is closed. */
export type Unwatch = () => Promise<void>;

export interface EventFeed {
  /** The highest `seq` committed so far (0 for none): where a new reader starts. */
  latestSeq(): Promise<number>;
  /** Committed events after `seq`, in order, at most `limit`. */
  readAfter(seq: number, limit: number): Promise<ModelEventRecord[]>;
  /**
   * Calls `wake` whenever events after the last read may exist: a change
   * committed by this process (at once), by another process (PostgreSQL
   * LISTEN/NOTIFY; SQLite polls), and after a lost listener connection
   * reconnects (the reader then replays from its last `seq`).
   */
  watch(wake: () => void): Unwatch;
  /** Forgets events recorded before `before`; returns how many. */
  prune(before: Date): Promise<number>;
}
