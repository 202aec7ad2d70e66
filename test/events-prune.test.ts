import type { Insertable } from "kysely";
import { afterEach, describe, expect, test } from "vitest";
import { PRUNE_BATCH_ROWS } from "../gateway/src/storage/sql/sql-event-feed.js";
import type { SqlMetadataStore } from "../gateway/src/storage/sql/sql-metadata-store.js";
import type { Database } from "../gateway/src/storage/sql/schema.js";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";

const DAY_MS = 86_400_000;

describe.each(BACKENDS)("the event log is pruned in batches, %s", (backend) => {
  let storage: TestStorage | undefined;
  afterEach(async () => {
    await storage?.cleanup();
    storage = undefined;
  });

  test("every event older than the cut goes, in several statements, and no newer one, interleaved or not", async () => {
    const deletes: string[] = [];
    storage = await openTestStorage(backend, {
      log: (event) => {
        if (event.level === "query" && /^delete from "events"/i.test(event.query.sql)) deletes.push(event.query.sql);
      },
    });
    const db = (storage.metadata as SqlMetadataStore)["db"];
    const now = Date.now();
    const old = 2 * PRUNE_BATCH_ROWS + 123;
    const rows: Insertable<Database["events"]>[] = [];
    // Every seventh event is new though written among old ones (clocks of replicas differ).
    for (let i = 0; rows.filter((r) => r.at < now).length < old; i++) {
      const fresh = i % 7 === 3;
      rows.push({
        type: "CREATED",
        project: "default",
        name: fresh ? "new" : "old",
        version: i + 1,
        at: fresh ? now + i : now - DAY_MS + i,
        alias: null,
      });
    }
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto("events")
        .values(rows.slice(i, i + 500))
        .execute();
    const fresh = rows.length - old;

    expect(await storage.events.prune(new Date(now))).toBe(old);

    const left = await db.selectFrom("events").select(["name", "at"]).execute();
    expect(left).toHaveLength(fresh);
    expect(left.every((r) => r.name === "new" && Number(r.at) >= now)).toBe(true);
    expect(deletes.length).toBe(Math.ceil((old + 1) / PRUNE_BATCH_ROWS));
    // A second prune finds nothing, in one statement.
    expect(await storage.events.prune(new Date(now))).toBe(0);
  });
});
