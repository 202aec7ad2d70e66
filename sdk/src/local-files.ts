import type { CreateModelInput } from "./generated/graphql.js";
import type { Model, ModelOwner } from "./model.js";
import type { DownloadOptions, ModelData, ModelMetadata, TransferProgress } from "./types.js";

/** What a registration upload needs to know; the transport fills in the files. */
export interface UploadRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** What to upload: a directory path in Node, files or blobs in a browser (each entry checks its own). */
  readonly source: unknown;
  readonly input: Omit<CreateModelInput, "files">;
  readonly onProgress?: (progress: TransferProgress) => void;
  /** Aborting stops the upload (browser entry). */
  readonly signal?: AbortSignal;
  /** The upload fails once no bytes go either way for this long (the connection's `idleTimeoutSeconds`). */
  readonly idleMs: number;
}

/**
 * Everything that touches local files, supplied by each entry: the Node entry's
 * reads directories (so a browser bundle never pulls in `fs`), the browser
 * entry's takes File and Blob objects and cannot write a directory.
 */
export interface LocalFiles {
  /** Streams a directory as one multipart createModel request; returns the new version. */
  upload(request: UploadRequest): Promise<ModelData>;
  /**
   * Downloads every file of a version into `dir`, verifying digests; returns the directory.
   * The API key goes only to `origin` (the connection's), never to another host a URL names.
   */
  download(
    model: ModelData,
    dir: string,
    options: DownloadOptions & { readonly headers: Readonly<Record<string, string>>; readonly origin: string; readonly idleMs: number },
  ): Promise<string>;
  /** Metadata the files themselves tell (an MLflow MLmodel file, known file types). */
  describe(
    source: unknown,
  ): Promise<Partial<Pick<ModelMetadata, "framework" | "signature" | "inputExample" | "flavors" | "tfMetaGraphTags"> & { runId: string }>>;
  /** Builds the entry's Model (the browser's adds in-memory downloads). */
  readonly Model?: new (owner: ModelOwner, data: ModelData) => Model;
}
