import { openStorage } from "../../gateway/src/storage/factory.js";
import type { Backend, StorageCombo } from "./backends.js";
import type { S3Server } from "./s3-server.js";
import { startTestGateway, type TestGateway } from "./gateway.js";
import { registryOver } from "./registry.js";

/** A gateway, and a second store on its database and blobs (another replica) whose writes land mid-request. */
export interface Interleaved {
  readonly gw: TestGateway;
  /** Writes through the second store: the gateway's own connection stays free to go on. */
  readonly writer: ReturnType<typeof registryOver>;
  /**
   * Runs once, awaited, right after the gateway's next statement matching `after` has run
   * and before its rows reach the gateway (Kysely awaits its log hook); null once it ran.
   */
  between: (() => Promise<unknown>) | null;
  close(): Promise<void>;
}

export async function startInterleaved(backend: Backend | StorageCombo, after: RegExp, s3?: S3Server): Promise<Interleaved> {
  const state: Pick<Interleaved, "between"> = { between: null };
  const gw = await startTestGateway({
    backend,
    s3,
    log: async (event) => {
      if (event.level !== "query" || state.between === null || !after.test(event.query.sql)) return;
      const write = state.between;
      state.between = null;
      await write();
    },
  });
  const replica = await openStorage({ databaseUrl: gw.storage.databaseUrl, blobUrl: gw.storage.blobUrl, ...(s3 ? { env: s3.env } : {}) });
  return Object.assign(state, {
    gw,
    writer: registryOver(replica),
    async close() {
      await replica.metadata.close();
      await replica.blobs.close();
      await gw.close();
    },
  });
}
