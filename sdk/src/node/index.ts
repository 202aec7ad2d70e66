/**
 * The Node entry of @homer/sdk: everything of the browser entry, plus local
 * files — createModel({ modelPath }), save(dir) and download(dir).
 */
import WebSocket from "ws";
import { connectionFactory } from "../connection.js";
import type { LocalFiles } from "../local-files.js";
import { listFiles } from "./directory.js";
import { downloadModel } from "./download.js";
import { describeDirectory } from "./mlmodel.js";
import { uploadDirectory } from "./upload.js";

const nodeFiles: LocalFiles = {
  async upload(request) {
    return uploadDirectory(request, await listFiles(request.dir));
  },
  download: downloadModel,
  async describe(dir) {
    return describeDirectory(dir, await listFiles(dir));
  },
};

/** Connects to a Homer gateway: `connection({ url, apiKey, project })`, defaults from HOMER_URL, HOMER_API_KEY, HOMER_PROJECT. */
export const connection = connectionFactory(nodeFiles, WebSocket);

// Everything of the browser entry; the local `connection` above shadows its own.
export * from "../browser.js";
export { describeDirectory } from "./mlmodel.js";
export { listFiles, type LocalFile } from "./directory.js";
