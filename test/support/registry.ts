import { pino } from "pino";
import { Caller } from "../../gateway/src/access/caller.js";
import {
  RegistryService,
  type CreateModelCommand,
  type ListFamiliesQuery,
  type ListModelsQuery,
  type ModelRefInput,
  type RegistryLimits,
} from "../../gateway/src/registry/registry.service.js";
import type { UpdateModelChanges } from "../../gateway/src/registry/validate-update.js";
import type { Storage } from "../../gateway/src/storage/factory.js";
import type { SortDirection } from "../../gateway/src/domain/records.js";

export const silentLog = pino({ level: "silent" });

export const TEST_LIMITS: RegistryLimits = Object.freeze({ maxFileSize: 1024 * 1024, maxFiles: 20, maxInputExampleBytes: 4096 });

/** The registry service with every call made as `caller` (open mode by default). */
export function registryOver(storage: Storage, limits = TEST_LIMITS, caller = Caller.open()) {
  const service = new RegistryService(storage.metadata, storage.blobs, limits, silentLog);
  return {
    service,
    caller,
    getModel: (ref: ModelRefInput) => service.getModel(caller, ref),
    listModels: (query: ListModelsQuery) => service.listModels(caller, query),
    listFamilies: (query: ListFamiliesQuery = {}) => service.listFamilies(caller, query),
    bestModel: (query: { project?: string; name: string; metric: string; direction?: SortDirection; filter?: ListModelsQuery["filter"] }) =>
      service.bestModel(caller, query),
    createModel: (command: CreateModelCommand) => service.createModel(caller, command),
    deleteModel: (ref: ModelRefInput) => service.deleteModel(caller, ref),
    updateModel: (ref: ModelRefInput, changes: UpdateModelChanges) => service.updateModel(caller, ref, changes),
    recoverQuickly: () => service.recoverQuickly(),
    reclaimOrphanedFiles: () => service.reclaimOrphanedFiles(),
  };
}
