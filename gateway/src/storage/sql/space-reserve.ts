import { InsufficientStorageError } from "../../domain/errors.js";

/** Disk space a store holds back so that freeing space still works on a full disk. */
export interface SpaceReserve {
  /** Gives the held space back to the filesystem; false when there was none to give. */
  release(): Promise<boolean>;
  /** Holds space back again once there is room for it; never throws. */
  restore(): Promise<void>;
}

/**
 * Runs a step that frees space (a delete). When the store is out of space even for
 * that, the reserve is released and the step runs once more: a full disk must not
 * stop the one operation that can empty it.
 */
export async function evenWhenFull<T>(reserve: SpaceReserve | undefined, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof InsufficientStorageError) || !reserve || !(await reserve.release())) throw error;
    return step();
  }
}
