/**
 * A metric read back from PostgreSQL is the double it was registered as, whatever the
 * server's `extra_float_digits` (0 was PostgreSQL 11's default, and a database or role
 * may still set it): at 0 the server writes 15 significant digits, 0.1 + 0.2 came back as
 * 0.3, and a cursor taken at that value resumed a metric sort at the wrong place.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openStorage, type Storage } from "../gateway/src/storage/factory.js";
import { adminQuery, BACKENDS, createPgDatabase, makeTempDir } from "./support/backends.js";
import { registryOver } from "./support/registry.js";

describe.runIf(BACKENDS.includes("postgres"))("a PostgreSQL database with extra_float_digits = 0", () => {
  let database: Awaited<ReturnType<typeof createPgDatabase>>;
  let storage: Storage;
  let registry: ReturnType<typeof registryOver>;
  const third = 0.1 + 0.2;

  beforeAll(async () => {
    database = await createPgDatabase();
    await adminQuery(`alter database "${new URL(database.url).pathname.slice(1)}" set extra_float_digits = 0`);
    storage = await openStorage({ databaseUrl: database.url, blobUrl: await makeTempDir() });
    registry = registryOver(storage);
    // Three versions tie at 0.30000000000000004; the fourth has 0.3, just below them.
    for (const value of [third, third, third, 0.3]) await registry.createModel({ name: "m", metrics: [{ key: "acc", value }] });
  });

  afterAll(async () => {
    await storage?.metadata.close();
    await storage?.blobs.close();
    await database?.drop();
  });

  test("reads every metric back exactly", async () => {
    const listed = await registry.listModels({ name: "m", sortKey: "acc" });
    expect(listed.nodes.map((m) => [m.version, m.metrics?.[0]?.value])).toEqual([
      [3, third],
      [2, third],
      [1, third],
      [4, 0.3],
    ]);
    expect((await registry.getModel({ name: "m", version: 1 }))?.metrics).toEqual([{ key: "acc", value: third }]);
  });

  test.each(["ASC", "DESC"] as const)("pages a metric sort %s one version at a time, each version once", async (direction) => {
    const seen: number[] = [];
    let after: string | null = null;
    for (let page = 0; page < 8; page++) {
      const listed = await registry.listModels({ name: "m", sortKey: "acc", direction, first: 1, after });
      seen.push(...listed.nodes.map((m) => m.version));
      if (!listed.hasNextPage) break;
      after = listed.endCursor;
    }
    expect(seen).toEqual(direction === "ASC" ? [4, 3, 2, 1] : [3, 2, 1, 4]);
  });
});
