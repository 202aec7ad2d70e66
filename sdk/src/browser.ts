/**
 * The browser-safe entry of @homer/sdk: queries and mutations over fetch, live
 * events over the browser's WebSocket, no local files (createModel with a directory, save and download need Node).
 */
import { connectionFactory } from "./connection.js";

/** Connects to a Homer gateway: `connection({ url, apiKey, project })`. */
export const connection = connectionFactory(undefined, (globalThis as { WebSocket?: unknown }).WebSocket);

export { Connection } from "./connection.js";
export { DEFAULT_URL, type ConnectionOptions } from "./client.js";
export { RegistryError, type GraphQLErrorBody, type RegistryErrorCode } from "./errors.js";
export { Model, ModelDraft, type ModelStatus } from "./model.js";
export { ModelRegistry, type GetModelsOptions } from "./registry.js";
export { ModelWatch, type ModelEvent, type ModelEventType, type WatchOptions } from "./watch.js";
export type { AwaitModelOptions } from "./await-model.js";
export { SUPPORTED_SCHEMA_MAJORS, type GatewayVersion } from "./version.js";
export { RegistryAdmin, ROLES, type ApiKeyInfo, type Grant, type ProjectInfo, type Role } from "./admin.js";
export type {
  CreateModelOptions,
  DownloadOptions,
  Framework,
  JsonValue,
  ModelFileInfo,
  ModelMetadata,
  ModelSignature,
  SaveOptions,
  SchemaField,
  SortDirection,
  TransferProgress,
} from "./types.js";
