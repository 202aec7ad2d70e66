import { pino } from "pino";
import { RegistryService } from "../../gateway/src/registry/registry.service.js";
import type { Storage } from "../../gateway/src/storage/factory.js";

export const silentLog = pino({ level: "silent" });

export const TEST_LIMITS = Object.freeze({ maxFileSize: 1024 * 1024, maxFiles: 20, maxInputExampleBytes: 4096 });

export function registryOver(storage: Storage, limits = TEST_LIMITS): RegistryService {
  return new RegistryService(storage.metadata, storage.blobs, limits, silentLog);
}
