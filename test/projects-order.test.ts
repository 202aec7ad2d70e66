/**
 * `projects` in byte order on every backend, as SQLite sorts, whatever the PostgreSQL
 * database's locale: under en-US, "a_b" would come first and "B1" after "b"
 * (punctuation and case weigh only when all else ties). Runs where PostgreSQL has ICU.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, openLocaleStorage } from "./support/backends.js";

const NAMES = ["ab", "aB", "Ab", "a-b", "a.b", "a_b", "b", "B1", "a1", "A-"];
const BYTE_ORDER = [...NAMES].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe.runIf(BACKENDS.includes("postgres"))("projects on a PostgreSQL database with an en-US locale", () => {
  let locale: Awaited<ReturnType<typeof openLocaleStorage>> = null;

  beforeAll(async () => {
    locale = await openLocaleStorage("en-US");
    if (!locale) return;
    for (const n of NAMES) await locale.storage.access.createProject(n, null);
  });
  afterAll(() => locale?.close());

  test("are listed byte by byte, as on SQLite", async (ctx) => {
    if (!locale) ctx.skip();
    const listed = (await locale!.storage.access.listProjects()).map((p) => p.name).filter((n) => NAMES.includes(n));
    expect(listed).toEqual(BYTE_ORDER);
  });
});
