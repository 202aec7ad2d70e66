import type { Readable } from "node:stream";
import { BadInputError, DomainError, StorageError } from "../domain/errors.js";
import type { BlobStore, StagedBlob } from "../storage/blob-store.js";

/** A file arriving with a create request, independent of how it is transported. */
export interface IncomingFile {
  readonly path: string;
  /** Resolves once the transport reaches this file's bytes. */
  open(): Promise<Readable>;
  /** Lets the bytes flow past without storing them; must never throw. */
  skip(): void;
  /** The transport's handle; two entries with the same one name the same bytes. */
  readonly source?: unknown;
}

export interface StagedFile extends StagedBlob {
  readonly path: string;
}

/** A file not stored because an earlier one failed; that failure is the one reported. */
class SkippedFile extends Error {
  constructor() {
    super("skipped after an earlier file failed");
  }
}

/**
 * A file the transport will not deliver because another file of the same request
 * was abandoned mid-body: a consequence, never the failure to report.
 */
export class SiblingFileFailed extends BadInputError {
  constructor() {
    super("the request's files were refused after one of them failed", "input.files");
  }
}

/**
 * Stages every file. Files are opened together because a multipart body delivers
 * them in its own order: waiting on one while another is unread would deadlock.
 * After the first failure, files not yet started are skipped rather than stored;
 * on failure everything staged is discarded and the first error is thrown.
 */
export async function stageFiles(files: readonly IncomingFile[], blobs: BlobStore, maxBytes: number): Promise<StagedFile[]> {
  // The failure reported is the first cause: files refused or skipped because of it
  // are its consequences, even when they settle before it.
  let first: { readonly error: unknown } | undefined;
  const fail = (error: unknown): never => {
    if (!first || (first.error instanceof SiblingFileFailed && !(error instanceof SiblingFileFailed))) first = { error };
    throw error;
  };
  const results = await Promise.allSettled(
    files.map(async (file): Promise<StagedFile> => {
      let source;
      try {
        source = await file.open();
      } catch (error) {
        return fail(error);
      }
      if (first) {
        source.resume();
        throw new SkippedFile();
      }
      try {
        return { ...(await blobs.stage(source, { maxBytes })), path: file.path };
      } catch (error) {
        // The blob store types its own failures (out of space, I/O): any other error
        // with a broken source means the body broke off or was malformed mid-file.
        if (!(error instanceof DomainError) && !(error instanceof StorageError) && source.errored) {
          return fail(
            new BadInputError(`the upload of ${file.path} ended before the file was complete (${source.errored.message})`, "input.files"),
          );
        }
        return fail(error);
      }
    }),
  );
  const staged = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  if (first) {
    await Promise.all(staged.map((s) => blobs.discard(s)));
    throw first.error;
  }
  return staged;
}
