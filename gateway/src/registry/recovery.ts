import type { Logger } from "pino";
import type { RegistryService } from "./registry.service.js";

/** The background half of start-up recovery, running while the gateway serves. */
export interface OrphanScan {
  /** Settles when the scan is done (how many blob files it reclaimed; 0 when it failed). */
  readonly done: Promise<number>;
  /** Asks the scan to stop early (shutting down); the next start scans again. */
  stop(): void;
}

/** Start-up recovery, quick part (before serving): staging leftovers and unreferenced blob rows of an earlier crash. */
export async function recoverBeforeServing(registry: RegistryService, log: Logger): Promise<void> {
  const recovered = await registry.recoverQuickly();
  if (recovered.staging + recovered.blobs > 0) log.info(recovered, "reclaimed leftovers of an earlier run");
}

/** Start-up recovery, slow part: blob files an interrupted registration left, found while the gateway serves. */
export function scanForOrphans(registry: RegistryService, log: Logger): OrphanScan {
  const stopScan = new AbortController();
  const done = registry.reclaimOrphanedFiles(stopScan.signal).then(
    (files) => {
      if (files > 0) log.info({ files }, "reclaimed blob files an interrupted registration left");
      return files;
    },
    (error) => {
      log.warn({ err: error }, "could not scan for orphaned blob files; will try at the next start");
      return 0;
    },
  );
  return { done, stop: () => stopScan.abort() };
}
