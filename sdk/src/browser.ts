/**
 * The browser-safe entry of @homer/sdk: queries and mutations over fetch, live
 * events over the browser's WebSocket, uploads of File and Blob objects over
 * XMLHttpRequest (with progress), downloads into a Blob or a stream, verified.
 * Its types leave out what needs Node (`modelPath`, `save(dir)`, `download(dir)`).
 */
import { RegistryError } from "./errors.js";
import type { LocalFiles } from "./local-files.js";
import { connectionFactory, Connection as CoreConnection } from "./connection.js";
import { Model as CoreModel, ModelDraft as CoreModelDraft } from "./model.js";
import { ModelRegistry as CoreModelRegistry } from "./registry.js";
import { ModelWatch as CoreModelWatch } from "./watch.js";
import { frameworkFromPaths } from "./file-hints.js";
import { uploadEntries } from "./browser/files.js";
import { BrowserModel } from "./browser/model.js";
import type {
  Connection as BrowserConnection,
  Model as BrowserModelView,
  ModelDraft as BrowserModelDraft,
  ModelRegistry as BrowserModelRegistry,
  ModelWatch as BrowserModelWatch,
} from "./browser/views.js";
import { uploadFiles } from "./browser/upload.js";
import type { ConnectionOptions } from "./client.js";

const browserFiles: LocalFiles = {
  upload: (request) => uploadFiles(request, uploadEntries(request.source)),
  download() {
    throw new RegistryError("UNSUPPORTED", "download(dir) needs Node: in a browser use downloadFile, streamFile or streamArchive");
  },
  async describe(source) {
    // An MLmodel file (YAML) says better than file names, and a browser does not read it: the caller names `framework`.
    const paths = uploadEntries(source).map((entry) => entry.path);
    const framework = paths.includes("MLmodel") ? undefined : frameworkFromPaths(paths);
    return framework ? { framework } : {};
  },
  Model: BrowserModel,
};

const connect = connectionFactory(browserFiles, (globalThis as { WebSocket?: unknown }).WebSocket);

/** Connects to a Homer gateway: `connection({ url, apiKey, project })`. */
export const connection = connect as unknown as (options?: ConnectionOptions) => BrowserConnection;

// The classes, for `instanceof`; their types are the browser's view of them.
export type Connection = BrowserConnection;
export const Connection = CoreConnection as unknown as abstract new (...args: never[]) => Connection;
export type ModelRegistry = BrowserModelRegistry;
export const ModelRegistry = CoreModelRegistry as unknown as abstract new (...args: never[]) => ModelRegistry;
export type Model = BrowserModelView;
export const Model = CoreModel as unknown as abstract new (...args: never[]) => Model;
export type ModelDraft = BrowserModelDraft;
export const ModelDraft = CoreModelDraft as unknown as abstract new (...args: never[]) => ModelDraft;
export type ModelWatch = BrowserModelWatch;
export const ModelWatch = CoreModelWatch as unknown as abstract new (...args: never[]) => ModelWatch;
export type { ModelEvent } from "./browser/views.js";
export type { BrowserCreateModelOptions, BrowserDownloadOptions, BrowserSaveOptions, UploadSource } from "./browser/options.js";
export * from "./common.js";
