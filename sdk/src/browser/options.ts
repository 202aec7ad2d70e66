import type { ModelMetadata, SaveOptions, TransferProgress } from "../types.js";

/**
 * Files to upload, named by their path in the model:
 * - a `FileList` from `<input type=file>`: with `webkitdirectory`, each file keeps
 *   its path below the picked folder (`picked/sub/a.bin` → `sub/a.bin`), as the
 *   Node SDK names files relative to `modelPath`; otherwise its name;
 * - a `File`, or an array of them, the same way;
 * - `{ "path/in/model": blob }` for Blobs, which have no name of their own.
 */
export type UploadSource = File | FileList | readonly File[] | Readonly<Record<string, Blob>>;

/** Upload options in a browser: the Node ones, and a signal that aborts the upload. */
export interface BrowserSaveOptions extends SaveOptions {
  /** Aborting rejects with RegistryError ABORTED; the registry keeps nothing of the upload. */
  readonly signal?: AbortSignal;
}

/** `createModel` in a browser: `files` instead of Node's `modelPath`. */
export interface BrowserCreateModelOptions extends ModelMetadata, BrowserSaveOptions {
  /** Files to upload now; without them `createModel` returns an unsaved draft. */
  readonly files?: UploadSource;
}

/** Download options in a browser. */
export interface BrowserDownloadOptions {
  readonly onProgress?: (progress: TransferProgress) => void;
  /** Aborting rejects (or errors the stream) with RegistryError ABORTED. */
  readonly signal?: AbortSignal;
}
