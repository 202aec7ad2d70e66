/** What both entries export alike; each adds its own connection, classes and option types. */
export { DEFAULT_URL, type ConnectionOptions } from "./client.js";
export { RegistryError, type GraphQLErrorBody, type RegistryErrorCode } from "./errors.js";
export type { ModelFamily, ModelStatus } from "./model.js";
export type { GetDerivedModelsOptions, GetModelFamiliesOptions, GetModelsOptions } from "./registry.js";
export { assertAliasName, formatModelRef, isAliasName, parseModelRef, type ModelReference, type ModelSelector } from "./model-ref.js";
export { parseMetricCondition, parseMetricConditions, type MetricCondition, type ModelFilter } from "./filter.js";
export type { ModelEventType, WatchOptions } from "./watch.js";
export type { AwaitModelOptions } from "./await-model.js";
export { SUPPORTED_SCHEMA_MAJORS, type GatewayVersion } from "./version.js";
export { RegistryAdmin, ROLES, type ApiKeyInfo, type Grant, type ProjectInfo, type Role } from "./admin.js";
export type {
  Flavors,
  Framework,
  JsonValue,
  Lineage,
  LineageOptions,
  ModelAlias,
  ModelChanges,
  ModelLocator,
  ModelParentRef,
  ModelFileInfo,
  ModelMetadata,
  ModelSignature,
  ParentRef,
  SchemaField,
  SortDirection,
  TransferProgress,
  UpdateModelOptions,
} from "./types.js";
