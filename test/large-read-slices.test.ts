import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/** Past INLINE_TEXT_BYTES (2 KiB): read after the page, by row id. */
const LONG = "d".repeat(2100);
const LONG_TAGS = { pad: "t".repeat(2100) };
/** Versions 1..VERSIONS: a page of them asks `readLarge` for more columns than one of its statements reads (500). */
const VERSIONS = 251;

/**
 * A page whose long descriptions and tags are more than one `readLarge` statement's worth: a
 * version's columns must come from one statement, so that the revision they are checked
 * against is the one their text was read at. Here the newest version has short tags (one
 * column to read), so version 1's description is the first statement's last, its tags the
 * second's first; an edit (by another process) lands between the two statements.
 */
describe.each(BACKENDS)("a version's columns read after its page come from one statement (%s)", (backend) => {
  let gw: TestGateway;
  /** Runs, awaited, once the first statement reading large columns has run. */
  let afterFirstRead: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    gw = await startTestGateway({
      backend,
      log: async (event) => {
        if (event.level !== "query" || !/as "text"/.test(event.query.sql) || !afterFirstRead) return;
        const run = afterFirstRead;
        afterFirstRead = undefined;
        await run();
      },
    });
    for (let v = 1; v <= VERSIONS; v++) {
      const res = await gw.gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`, {
        i: { project: "sl", name: "m", description: `${v} ${LONG}`, tags: v === VERSIONS ? { short: true } : { v, ...LONG_TAGS } },
      });
      expect(res.errors).toBeUndefined();
    }
  }, 120_000);
  afterAll(() => gw?.close());

  /** A statement by another connection (another gateway on the same database), as the edit's transaction would write. */
  async function elsewhere(statement: string): Promise<void> {
    if (backend === "sqlite") {
      const db = new Database(gw.storage.databaseUrl);
      try {
        db.pragma("busy_timeout = 5000");
        db.exec(statement);
      } finally {
        db.close();
      }
      return;
    }
    const client = new pg.Client({ connectionString: gw.storage.databaseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }

  const PAGE = `{ models(project: "sl", name: "m", first: ${VERSIONS}) { nodes { version revision description tags } } }`;

  test("an edit between the statements answers CONFLICT or one revision, never one revision's description with another's tags", async () => {
    afterFirstRead = () =>
      elsewhere(
        `update models set description = 'edited ${LONG}', tags = '{"edited":true,"pad":"${LONG_TAGS.pad}"}', revision = revision + 1 ` +
          `where version = 1 and family_id = (select id from families where project = 'sl' and name = 'm')`,
      );
    const res = await gw.gql(PAGE);
    expect(afterFirstRead).toBeUndefined();
    type Node = { version: number; revision: number; description: string | null; tags: Record<string, unknown> };
    const v1 = (res.data?.models.nodes as Node[] | undefined)?.at(-1);
    if (res.errors) expect(res.errors.map((e) => e.extensions?.code)).toEqual(["CONFLICT"]);
    // Or the page's revision whole: never revision 1 with revision 1's description and revision 2's tags.
    else expect([v1?.version, v1?.revision, v1?.description, v1?.tags]).toEqual([1, 1, `1 ${LONG}`, { v: 1, ...LONG_TAGS }]);
  });

  test("a version deleted between the statements answers CONFLICT or as it was, never a null for its tags", async () => {
    afterFirstRead = () =>
      backend === "sqlite"
        ? // Another process's delete (foreign keys are per connection: off on this one, which removes the row alone).
          elsewhere(`delete from models where version = 1 and family_id = (select id from families where project = 'sl' and name = 'm')`)
        : gw.storage.metadata.deleteModel({ project: "sl", name: "m", version: 1 }).then(() => undefined);
    const res = await gw.gql(PAGE);
    expect(afterFirstRead).toBeUndefined();
    // CONFLICT (ask again), or the page as it was read: not a null where the schema has none (INTERNAL_SERVER_ERROR).
    if (res.errors) expect(res.errors.map((e) => e.extensions?.code)).toEqual(["CONFLICT"]);
    else expect((res.data.models.nodes as { version: number }[]).at(-1)?.version).toBe(1);
  });
});
