/**
 * The Node entry of @homer/sdk: the API both entries share (common.ts), plus local
 * files — createModel({ modelPath }), save(dir) and download(dir).
 */
import WebSocket from "ws";
import { connectionFactory } from "../connection.js";
import { RegistryError } from "../errors.js";
import type { LocalFiles } from "../local-files.js";
import { listFiles } from "./directory.js";
import { downloadModel } from "./download.js";
import { describeDirectory } from "./mlmodel.js";
import { uploadDirectory } from "./upload.js";

/** `modelPath` (or `save(dir)`): the one source Node uploads. */
function directoryOf(source: unknown): string {
  if (typeof source === "string") return source;
  throw new RegistryError("BAD_USER_INPUT", "modelPath must be a directory path", { field: "modelPath" });
}

const nodeFiles: LocalFiles = {
  async upload(request) {
    return uploadDirectory(request, await listFiles(directoryOf(request.source)));
  },
  download: downloadModel,
  async describe(source) {
    const dir = directoryOf(source);
    return describeDirectory(dir, await listFiles(dir));
  },
};

/** Connects to a Homer gateway: `connection({ url, apiKey, project })`, defaults from HOMER_URL, HOMER_API_KEY, HOMER_PROJECT. */
export const connection = connectionFactory(nodeFiles, WebSocket);

export * from "../common.js";
export { Connection } from "../connection.js";
export { Model, ModelDraft } from "../model.js";
export { ModelRegistry } from "../registry.js";
export { ModelWatch, type ModelEvent } from "../watch.js";
export type { CreateModelOptions, DownloadOptions, SaveOptions } from "../types.js";
export { describeDirectory } from "./mlmodel.js";
/** The most files `model.download(dir, { concurrency })` fetches at once. */
export { MAX_CONCURRENCY as MAX_DOWNLOAD_CONCURRENCY } from "./download.js";
export { listFiles, type LocalFile } from "./directory.js";
