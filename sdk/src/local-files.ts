import type { CreateModelInput } from "./generated/graphql.js";
import type { DownloadOptions, ModelData, ModelMetadata, TransferProgress } from "./types.js";

/** What a registration upload needs to know; the transport fills in the files. */
export interface UploadRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly dir: string;
  readonly input: Omit<CreateModelInput, "files">;
  readonly onProgress?: (progress: TransferProgress) => void;
}

/**
 * Everything that touches local files, supplied by the Node entry only, so a
 * browser bundle never pulls in `fs`.
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
    options: DownloadOptions & { readonly headers: Readonly<Record<string, string>>; readonly origin: string },
  ): Promise<string>;
  /** Metadata found in the directory itself (an MLflow MLmodel file, known file types). */
  describe(dir: string): Promise<Partial<Pick<ModelMetadata, "framework" | "signature" | "inputExample">>>;
}
