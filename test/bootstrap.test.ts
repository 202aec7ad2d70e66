import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { AccessService } from "../gateway/src/access/access.service.js";
import { generateKey } from "../gateway/src/access/api-key.js";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";
import { silentLog } from "./support/registry.js";

/**
 * Replicas starting together on one empty database (docker/compose.yml starts two
 * with HOMER_ADMIN_KEY=generate): each runs the bootstrap, and the database lets
 * exactly one create the first admin key. The replicas are real processes.
 */
describe.each(BACKENDS)("first admin key, replicas starting together on %s", (backend) => {
  const REPLICAS = 3;
  let storage: TestStorage | undefined;

  afterEach(async () => {
    await killAllChildren();
    await storage?.cleanup();
  });

  /** `REPLICAS` gateways started at once on one fresh database and blob directory, bound beyond loopback (keys required). */
  async function startReplicas(adminKey: string) {
    storage = await openTestStorage(backend);
    // The test's own store stays open beside the replicas, as one more client of the database.
    const env = {
      HOST: "0.0.0.0",
      HOMER_ADMIN_KEY: adminKey,
      HOMER_DATABASE_URL: storage.databaseUrl,
      HOMER_BLOB_URL: storage.blobDir,
      HOMER_DATA_DIR: path.join(storage.dataDir, "data"),
    };
    return Promise.all(Array.from({ length: REPLICAS }, () => startChildGateway({ env, timeoutMs: 60_000 })));
  }

  test("generate on every replica: one key is created, and printed by one replica", async () => {
    const replicas = await startReplicas("generate");
    const printed = replicas.map((r) => /generated the first admin key[^\n]*\n\s*(hmr_\S+)/.exec(r.output())?.[1]).filter(Boolean);
    expect(printed).toHaveLength(1);
    const keys = await storage!.access.listKeys();
    expect(keys.map((k) => [k.id, k.grants])).toEqual([[printed[0]!.split("_")[1], [{ project: "*", role: "admin" }]]]);
    for (const replica of replicas) {
      const res = await fetch(`${replica.origin}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${printed[0]}` },
        body: JSON.stringify({ query: "{ projects { name } }" }),
      });
      expect(await res.json()).toEqual({ data: { projects: [{ name: "default" }] } });
    }
  });

  test("the same key on every replica: created once, no replica warns that it is ignored", async () => {
    const key = generateKey();
    const replicas = await startReplicas(key.token);
    expect((await storage!.access.listKeys()).map((k) => k.id)).toEqual([key.id]);
    for (const replica of replicas) expect(replica.output()).not.toMatch(/HOMER_ADMIN_KEY is ignored/);
    const service = new AccessService(storage!.access, { openWhenNoKeys: false, openModeRecheckMs: 1000 }, silentLog);
    expect((await service.authenticate(`Bearer ${key.token}`)).isGlobalAdmin).toBe(true);
  });
});
