import { DomainError, outOfSpace, StorageError } from "../../domain/errors.js";

/** errno codes that mean "no room": the disk is full or the user's quota is used up. */
const OUT_OF_SPACE: ReadonlySet<string> = new Set(["ENOSPC", "EDQUOT"]);

/**
 * What a failed filesystem call of the blob store becomes: INSUFFICIENT_STORAGE when
 * the disk or quota is full, else a StorageError (EIO, EROFS, EACCES, …). Either way
 * its class says "the store failed", so it is never mistaken for a client's broken
 * upload, and the server's paths and errno text stay in the cause, out of responses.
 */
export function blobStoreError(error: unknown, operation: string): Error {
  if (error instanceof DomainError || error instanceof StorageError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === "string" && OUT_OF_SPACE.has(code)) {
    return outOfSpace("file storage", error);
  }
  return new StorageError(`blob store ${operation} failed${typeof code === "string" ? ` (${code})` : ""}`, { cause: error });
}

/** Runs one filesystem step of the blob store, typing its failure with `blobStoreError`. */
export async function fsStep<T>(operation: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw blobStoreError(error, operation);
  }
}
