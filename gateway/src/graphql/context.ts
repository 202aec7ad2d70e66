import DataLoader from "dataloader";
import type { Logger } from "pino";
import type { AccessService } from "../access/access.service.js";
import type { Caller } from "../access/caller.js";
import type { RegistryService } from "../registry/registry.service.js";
import type { FileRecord, MetricRecord } from "../storage/metadata-store.js";

/** Per-request state handed to every resolver. */
export interface Context {
  readonly registry: RegistryService;
  readonly access: AccessService;
  /** Authenticated before the request reached GraphQL. */
  readonly caller: Caller;
  readonly loaders: Loaders;
  /** Absolute origin download URLs are built on, e.g. `http://localhost:4000`. */
  readonly baseUrl: string;
  readonly log: Logger;
}

/** Batches nested reads of one request: a page of N models costs one query per field. */
export interface Loaders {
  readonly metrics: DataLoader<number, MetricRecord[]>;
  readonly files: DataLoader<number, FileRecord[]>;
}

export function createLoaders(registry: RegistryService): Loaders {
  return {
    metrics: new DataLoader((ids: readonly number[]) => registry.metadata.metricsOf(ids)),
    files: new DataLoader((ids: readonly number[]) => registry.metadata.filesOf(ids)),
  };
}
