import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { openTestStorage, STORAGE_COMBOS, type TestStorage } from "./support/backends.js";
import { file, sha256 } from "./support/files.js";
import { registryOver, TEST_LIMITS } from "./support/registry.js";
import { STAGING_HOST } from "../gateway/src/storage/staging-name.js";
import { Caller } from "../gateway/src/access/caller.js";
import { startS3Server, type S3Server } from "./support/s3-server.js";

/** One S3-compatible server for the file; each storage has its own prefix in it. */
let s3: S3Server | undefined;
beforeAll(async () => {
  if (STORAGE_COMBOS.some((c) => c.blobs === "s3")) s3 = await startS3Server();
});
afterAll(() => s3?.stop());

/** One suite, every pair of stores (DESIGN.md: "Semantics every backend must share"). */
describe.each(STORAGE_COMBOS.map((combo) => [combo.name, combo] as const))("registry contract on %s", (_name, combo) => {
  let storage: TestStorage;
  let registry: ReturnType<typeof registryOver>;
  const digests = async () => (await storage.listBlobs()).map((b) => b.sha256);

  beforeAll(async () => {
    storage = await openTestStorage(combo, { s3 });
    registry = registryOver(storage);
  });
  afterAll(() => storage?.cleanup());

  const ref = (name: string, version: number, project = "default") => ({ project, name, version });
  const versionsOf = (models: { version: number }[]) => models.map((m) => m.version);

  describe("registration", () => {
    test("stores files, metrics and metadata, and reads them back", async () => {
      const created = await registry.createModel({
        name: "reg",
        description: "a CNN",
        framework: "PYTORCH",
        metrics: [
          { key: "loss", value: 0.1 },
          { key: "accuracy", value: 0.98 },
        ],
        signature: { inputs: [{ type: "float32", shape: [-1, 28, 28] }], outputs: [{ name: "digit", type: "long" }] },
        inputExample: [
          [0, 1],
          [2, 3],
        ],
        tags: { team: "vision", nested: { a: [1, 2] } },
        files: [file("model.pt", "weights"), file("conf/params.json", "{}")],
      });
      expect(created).toMatchObject({ project: "default", name: "reg", version: 1, status: "READY", sizeBytes: 9 });
      const read = await registry.getModel(ref("reg", 1));
      expect(read).toMatchObject({
        description: "a CNN",
        framework: "PYTORCH",
        inputExample: [
          [0, 1],
          [2, 3],
        ],
        tags: { team: "vision", nested: { a: [1, 2] } },
        signature: {
          inputs: [{ name: null, type: "float32", shape: [-1, 28, 28] }],
          outputs: [{ name: "digit", type: "long", shape: null }],
        },
      });
      expect(read!.createdAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
      const metrics = read!.metrics;
      expect(metrics).toEqual([
        { key: "accuracy", value: 0.98 },
        { key: "loss", value: 0.1 },
      ]);
      const files = read!.files;
      expect(files).toEqual([
        { path: "conf/params.json", sha256: sha256("{}"), sizeBytes: 2 },
        { path: "model.pt", sha256: sha256("weights"), sizeBytes: 7 },
      ]);
    });

    test("absent versions read as null", async () => {
      expect(await registry.getModel(ref("reg", 99))).toBeNull();
      expect(await registry.getModel(ref("never-registered", 1))).toBeNull();
    });

    test("omitted versions count up; explicit ones raise the counter; deleted numbers are not reused", async () => {
      const v1 = await registry.createModel({ name: "seq" });
      const v2 = await registry.createModel({ name: "seq" });
      const v10 = await registry.createModel({ name: "seq", version: 10 });
      const v5 = await registry.createModel({ name: "seq", version: 5 });
      const next = await registry.createModel({ name: "seq" });
      expect([v1.version, v2.version, v10.version, v5.version, next.version]).toEqual([1, 2, 10, 5, 11]);
      await registry.deleteModel(ref("seq", 11));
      expect((await registry.createModel({ name: "seq" })).version).toBe(12);
    });

    test("past the last version number, an omitted version is BAD_USER_INPUT worded by the service", async () => {
      await registry.createModel({ name: "ceiling", version: 2 ** 31 - 1 });
      const refused = registry.createModel({ name: "ceiling", files: [file("w", "never kept")] });
      await expect(refused).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
        details: { field: "input.version" },
        message: "default/ceiling has used every version number up to 2147483647; give a free version explicitly",
      });
      expect((await registry.createModel({ name: "ceiling", version: 3 })).version).toBe(3);
    });

    test("an existing version is ALREADY_EXISTS without overwrite, and untouched", async () => {
      await registry.createModel({ name: "dup", version: 1, description: "first", files: [file("a", "1")] });
      const late = file("a", "2");
      await expect(registry.createModel({ name: "dup", version: 1, files: [late] })).rejects.toMatchObject({
        code: "ALREADY_EXISTS",
      });
      expect((await registry.getModel(ref("dup", 1)))?.description).toBe("first");
      // Refused before its bytes were read: the upload is skipped, not stored.
      expect(late).toMatchObject({ opened: false, skipped: true });
      expect(await digests()).not.toContain(sha256("2"));
    });

    test("overwrite replaces a version atomically and reclaims its unused blobs", async () => {
      await registry.createModel({ name: "ow", version: 1, metrics: [{ key: "acc", value: 0.5 }], files: [file("w", "old-bytes")] });
      const replaced = await registry.createModel({
        name: "ow",
        version: 1,
        overwrite: true,
        metrics: [{ key: "acc", value: 0.9 }],
        files: [file("w", "new-bytes")],
      });
      expect(replaced.version).toBe(1);
      const metrics = (await registry.getModel(ref("ow", 1)))!.metrics;
      expect(metrics).toEqual([{ key: "acc", value: 0.9 }]);
      const blobs = await digests();
      expect(blobs).toContain(sha256("new-bytes"));
      expect(blobs).not.toContain(sha256("old-bytes"));
      expect((await registry.listModels({ name: "ow" })).nodes).toHaveLength(1);
    });

    test("identical files are stored once and kept while any version references them", async () => {
      await registry.createModel({ name: "dedupe", files: [file("w", "shared-bytes"), file("copy/w", "shared-bytes")] });
      await registry.createModel({ name: "dedupe-too", files: [file("other", "shared-bytes")] });
      expect((await digests()).filter((b) => b === sha256("shared-bytes"))).toHaveLength(1);
      await registry.deleteModel(ref("dedupe", 1));
      expect(await digests()).toContain(sha256("shared-bytes"));
      await registry.deleteModel(ref("dedupe-too", 1));
      expect(await digests()).not.toContain(sha256("shared-bytes"));
    });

    test("delete removes the version; deleting again is NOT_FOUND", async () => {
      await registry.createModel({ name: "del", files: [file("only-here", "unique-to-del")] });
      await registry.deleteModel(ref("del", 1));
      expect(await registry.getModel(ref("del", 1))).toBeNull();
      expect(await storage.metadata.getFile(ref("del", 1), "only-here")).toBeNull();
      expect(await digests()).not.toContain(sha256("unique-to-del"));
      await expect(registry.deleteModel(ref("del", 1))).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    test("projects are separate namespaces", async () => {
      await registry.createModel({ project: "team-a", name: "shared-name", metrics: [{ key: "acc", value: 1 }] });
      await registry.createModel({ project: "team-b", name: "shared-name", metrics: [{ key: "acc", value: 2 }] });
      expect((await registry.getModel(ref("shared-name", 1, "team-a")))?.project).toBe("team-a");
      expect(await registry.getModel(ref("shared-name", 1))).toBeNull();
      const best = await registry.bestModel({ project: "team-a", name: "shared-name", metric: "acc" });
      expect(best?.project).toBe("team-a");
    });
  });

  describe("metric-sorted listing", () => {
    // v1 acc .9 | v2 acc .7 | v3 none | v4 acc .9 | v5 acc .8 | v6 none | v7 acc -1
    const family = "sorted";
    beforeAll(async () => {
      const accs = [0.9, 0.7, null, 0.9, 0.8, null, -1];
      for (const acc of accs) {
        await registry.createModel({
          name: family,
          metrics: acc === null ? [{ key: "loss", value: 1 }] : [{ key: "acc", value: acc }],
        });
      }
    });

    test("DESC: by value, ties by version descending, missing last by version descending", async () => {
      const page = await registry.listModels({ name: family, sortKey: "acc", direction: "DESC" });
      expect(versionsOf(page.nodes)).toEqual([4, 1, 5, 2, 7, 6, 3]);
      expect(await page.totalCount()).toBe(7);
      expect(page.hasNextPage).toBe(false);
    });

    test("ASC: by value, ties still by version descending, missing still last", async () => {
      const page = await registry.listModels({ name: family, sortKey: "acc", direction: "ASC" });
      expect(versionsOf(page.nodes)).toEqual([7, 2, 5, 4, 1, 6, 3]);
    });

    test("no sortKey sorts by version, both ways", async () => {
      expect(versionsOf((await registry.listModels({ name: family })).nodes)).toEqual([7, 6, 5, 4, 3, 2, 1]);
      expect(versionsOf((await registry.listModels({ name: family, direction: "ASC" })).nodes)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    test("an unknown sortKey lists every version as missing: by version descending", async () => {
      const page = await registry.listModels({ name: family, sortKey: "f1-score", direction: "ASC" });
      expect(versionsOf(page.nodes)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    });

    test.each(["DESC", "ASC"] as const)("pages of every size add up to the whole listing (%s)", async (direction) => {
      const whole = versionsOf((await registry.listModels({ name: family, sortKey: "acc", direction })).nodes);
      for (const first of [1, 2, 3, 5]) {
        const seen: number[] = [];
        let after: string | null = null;
        for (;;) {
          const page = await registry.listModels({ name: family, sortKey: "acc", direction, first, after });
          seen.push(...versionsOf(page.nodes));
          if (!page.hasNextPage) break;
          after = page.endCursor;
        }
        expect(seen).toEqual(whole);
      }
    });

    test("cursors are stable under concurrent inserts", async () => {
      await registry.createModel({ name: "stable", metrics: [{ key: "acc", value: 0.5 }] });
      await registry.createModel({ name: "stable", metrics: [{ key: "acc", value: 0.4 }] });
      const first = await registry.listModels({ name: "stable", sortKey: "acc", first: 1 });
      expect(versionsOf(first.nodes)).toEqual([1]);
      // Inserted above and below the cursor while the client pages.
      await registry.createModel({ name: "stable", metrics: [{ key: "acc", value: 0.9 }] });
      await registry.createModel({ name: "stable", metrics: [{ key: "acc", value: 0.1 }] });
      const rest = await registry.listModels({ name: "stable", sortKey: "acc", first: 10, after: first.endCursor });
      expect(versionsOf(rest.nodes)).toEqual([2, 4]);
    });

    test("bestModel is the first of the sort, or null when no version has the metric", async () => {
      expect((await registry.bestModel({ name: family, metric: "acc" }))?.version).toBe(4);
      expect((await registry.bestModel({ name: family, metric: "acc", direction: "ASC" }))?.version).toBe(7);
      expect(await registry.bestModel({ name: family, metric: "nope" })).toBeNull();
      expect(await registry.bestModel({ name: "no-such-family", metric: "acc" })).toBeNull();
    });

    test("an empty or absent family lists nothing", async () => {
      const page = await registry.listModels({ name: "absent-family", sortKey: "acc" });
      expect(page.nodes).toEqual([]);
      expect(page.endCursor).toBeNull();
      expect(await page.totalCount()).toBe(0);
    });

    test("cursors only resume the listing they came from", async () => {
      const page = await registry.listModels({ name: family, sortKey: "acc", first: 2 });
      const reuse = (q: object) => registry.listModels({ name: family, sortKey: "acc", first: 2, after: page.endCursor, ...q });
      await expect(reuse({ sortKey: "loss" })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      await expect(reuse({ direction: "ASC" })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      await expect(reuse({ name: "stable" })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      for (const bad of [
        "",
        "garbage!",
        "eyJ4IjoxfQ",
        Buffer.from('{"n":"sorted","k":"acc","d":"DESC","p":{"phase":"metric","value":"x","version":1}}').toString("base64url"),
      ]) {
        await expect(reuse({ after: bad || "=" })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      }
    });

    test("first is bounded to 0..500", async () => {
      expect((await registry.listModels({ name: family, first: 0 })).nodes).toEqual([]);
      await expect(registry.listModels({ name: family, first: 501 })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      await expect(registry.listModels({ name: family, first: -1 })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    });
  });

  describe("model families", () => {
    // A project of its own; names chosen so that case, '_', '.' and '-' all matter.
    const project = "families";
    const other = "families-other";
    const names = ["beta", "Alpha", "alpha-2", "alpha.1", "alpha_1", "alphaX1", "ALPHA", "gamma", "emptied"];
    const namesOf = (page: { nodes: { name: string }[] }) => page.nodes.map((f) => f.name);
    const list = (query: {
      search?: string | null;
      match?: "PREFIX" | "SUBSTRING";
      first?: number;
      after?: string | null;
      project?: string;
    }) => registry.listFamilies({ project, ...query });
    beforeAll(async () => {
      for (const name of names) await registry.createModel({ project, name });
      await registry.createModel({ project, name: "beta", version: 7 });
      await registry.createModel({ project, name: "beta" });
      await registry.deleteModel(ref("beta", 8, project));
      await registry.deleteModel(ref("emptied", 1, project));
      await registry.createModel({ project: other, name: "beta" });
      await registry.createModel({ project: other, name: "elsewhere" });
    });

    test("every family holding a version, by name case-insensitively (then by name), with counts and latest versions", async () => {
      const page = await list({});
      expect(namesOf(page)).toEqual(["ALPHA", "Alpha", "alpha-2", "alpha.1", "alpha_1", "alphaX1", "beta", "gamma"]);
      expect(page.hasNextPage).toBe(false);
      const beta = page.nodes.find((f) => f.name === "beta")!;
      // 1 and 7 remain (8 was deleted): the count and the latest are what exists now.
      expect(beta).toMatchObject({ project, name: "beta", versionCount: 2, latestVersion: 7 });
      expect(beta.latestCreatedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    });

    test("search is a case-insensitive prefix in which no character is a wildcard", async () => {
      expect(namesOf(await list({ search: "ALPHA" }))).toEqual(["ALPHA", "Alpha", "alpha-2", "alpha.1", "alpha_1", "alphaX1"]);
      expect(namesOf(await list({ search: "alpha_" }))).toEqual(["alpha_1"]);
      expect(namesOf(await list({ search: "alpha." }))).toEqual(["alpha.1"]);
      expect(namesOf(await list({ search: "alphax" }))).toEqual(["alphaX1"]);
      expect(namesOf(await list({ search: "b" }))).toEqual(["beta"]);
      expect(namesOf(await list({ search: "" }))).toHaveLength(8);
      expect(namesOf(await list({ search: null }))).toHaveLength(8);
      for (const nothing of ["alpha%", "%", "_", "a\\", "\\", "lph", "betas", "z", "émile", "a b", "x".repeat(128)]) {
        expect(namesOf(await list({ search: nothing })), nothing).toEqual([]);
      }
    });

    test("pages of every size add up to the whole listing, searched or not", async () => {
      for (const search of [null, "alpha"]) {
        const whole = namesOf(await list({ search }));
        for (const first of [1, 2, 3, 5]) {
          const seen: string[] = [];
          let after: string | null = null;
          for (;;) {
            const page = await list({ search, first, after });
            seen.push(...namesOf(page));
            if (!page.hasNextPage) break;
            after = page.endCursor;
          }
          expect(seen).toEqual(whole);
        }
      }
    });

    test("a cursor stays valid when families are added around it", async () => {
      const first = await list({ first: 2 });
      expect(namesOf(first)).toEqual(["ALPHA", "Alpha"]);
      await registry.createModel({ project, name: "aardvark" });
      await registry.createModel({ project, name: "alpha-0" });
      const rest = await list({ first: 2, after: first.endCursor });
      expect(namesOf(rest)).toEqual(["alpha-0", "alpha-2"]);
    });

    test("projects are separate; an unknown project lists nothing", async () => {
      expect(namesOf(await list({ project: other }))).toEqual(["beta", "elsewhere"]);
      expect(namesOf(await list({ project: "no-such-project" }))).toEqual([]);
      expect((await list({ project: "no-such-project" })).endCursor).toBeNull();
    });

    test("bad input is BAD_USER_INPUT: first outside 1..500, forged cursors, unstorable or overlong search", async () => {
      for (const first of [0, -1, 501, 1.5]) {
        await expect(list({ first }), `first ${first}`).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "first" } });
      }
      const page = await list({ first: 1 });
      await expect(list({ search: "a", after: page.endCursor })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      await expect(list({ project: other, after: page.endCursor })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      const forged = (body: object) => Buffer.from(JSON.stringify(body)).toString("base64url");
      const models = await registry.listModels({ project, name: "beta", first: 1 });
      for (const after of [
        "=",
        "garbage!",
        "eyJ4IjoxfQ",
        "x".repeat(5000),
        models.endCursor!,
        forged({ j: project, s: "", a: "x'; drop table families; --" }),
        forged({ j: project, s: "", a: 42 }),
        forged({ j: project, s: "", a: "" }),
        forged([project, "", "beta"]),
      ]) {
        await expect(list({ after }), after.slice(0, 40)).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "after" } });
      }
      for (const search of ["a\u0000", "acc\u202Eyek", "\u001b[31m", "x".repeat(129), "k".repeat(10_000), "\uD800"]) {
        await expect(list({ search }), search.slice(0, 20)).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "search" } });
      }
      await expect(list({ project: "../other" })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    });

    test("reading needs the read role on the project, as models does", async () => {
      const { Caller } = await import("../gateway/src/access/caller.js");
      const reader = registryOver(storage, TEST_LIMITS, Caller.forKey("k1", [{ project, role: "read" }]));
      expect(namesOf(await reader.listFamilies({}))).toContain("beta");
      const outsider = registryOver(storage, TEST_LIMITS, Caller.forKey("k2", [{ project: other, role: "write" }]));
      await expect(outsider.listFamilies({ project })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(outsider.listModels({ project, name: "beta" })).rejects.toMatchObject({ code: "FORBIDDEN" });
      // Checked before the input: a caller learns nothing about a project it may not read.
      await expect(outsider.listFamilies({ project, after: "garbage!" })).rejects.toMatchObject({ code: "FORBIDDEN" });
      expect(namesOf(await outsider.listFamilies({}))).toEqual(["beta", "elsewhere"]);
    });

    test("match SUBSTRING finds names containing search in any case; still no character is a wildcard", async () => {
      const contains = (search: string) => list({ search, match: "SUBSTRING" }).then(namesOf);
      expect(await contains("LPHA")).toEqual(["ALPHA", "Alpha", "alpha-0", "alpha-2", "alpha.1", "alpha_1", "alphaX1"]);
      expect(await contains("_1")).toEqual(["alpha_1"]);
      expect(await contains("-")).toEqual(["alpha-0", "alpha-2"]);
      expect(await contains("x1")).toEqual(["alphaX1"]);
      expect(await contains("eta")).toEqual(["beta"]);
      expect(await contains("")).toEqual(namesOf(await list({})));
      for (const nothing of ["%", "a%a", "\\", "l_h", "*", "é", "a b", "betas"]) expect(await contains(nothing), nothing).toEqual([]);
      // A page of a substring search resumes only that search.
      const page = await list({ search: "a", match: "SUBSTRING", first: 2 });
      expect(page.hasNextPage).toBe(true);
      await expect(list({ search: "a", after: page.endCursor })).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
        details: { field: "after" },
      });
      const rest = await list({ search: "a", match: "SUBSTRING", first: 100, after: page.endCursor });
      expect([...namesOf(page), ...namesOf(rest)]).toEqual(await contains("a"));
      for (const search of ["a\u0000", "\u202E", "x".repeat(129)]) {
        await expect(list({ search, match: "SUBSTRING" })).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "search" } });
      }
    });

    test("createdAt is the first registration; updatedAt the latest registration, overwrite, edit or deletion", async () => {
      const timed = "families-times";
      const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
      const family = async (name: string) =>
        (await registry.listFamilies({ project: timed, search: name })).nodes.find((f) => f.name === name)!;
      await registry.createModel({ project: timed, name: "first" });
      await tick();
      await registry.createModel({ project: timed, name: "second" });
      const created = await family("first");
      expect(created.createdAt.getTime()).toBe(created.latestCreatedAt.getTime());
      expect(created.updatedAt.getTime()).toBe(created.createdAt.getTime());
      const byUpdate = () => registry.listFamilies({ project: timed, orderBy: "UPDATED" }).then(namesOf);
      expect(await byUpdate()).toEqual(["second", "first"]);

      await tick();
      await registry.createModel({ project: timed, name: "first" });
      const registered = await family("first");
      expect(registered.createdAt).toEqual(created.createdAt);
      expect(registered.updatedAt.getTime()).toBe(registered.latestCreatedAt.getTime());
      expect(registered.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
      expect(await byUpdate()).toEqual(["first", "second"]);

      await tick();
      const edited = await registry.updateModel(ref("second", 1, timed), { description: "edited" });
      expect((await family("second")).updatedAt).toEqual(edited.updatedAt);
      expect(await byUpdate()).toEqual(["second", "first"]);

      await tick();
      await registry.deleteModel(ref("first", 1, timed));
      const deleted = await family("first");
      expect(deleted.updatedAt.getTime()).toBeGreaterThan(edited.updatedAt.getTime());
      expect(deleted.createdAt).toEqual(created.createdAt);
      expect(await byUpdate()).toEqual(["first", "second"]);

      await tick();
      await registry.createModel({ project: timed, name: "second", version: 1, overwrite: true });
      expect(await byUpdate()).toEqual(["second", "first"]);
      // Every version deleted, then a new one: the family keeps its first creation time.
      await registry.deleteModel(ref("first", 2, timed));
      expect(await byUpdate()).toEqual(["second"]);
      await registry.createModel({ project: timed, name: "first" });
      expect((await family("first")).createdAt).toEqual(created.createdAt);
    });

    test("orderBy UPDATED: pages of every size add up, searched or not, and a cursor resumes only its own order", async () => {
      for (const [search, match] of [
        [null, "PREFIX"],
        ["alpha", "PREFIX"],
        ["1", "SUBSTRING"],
      ] as const) {
        const whole = (await registry.listFamilies({ project, search, match, orderBy: "UPDATED" })).nodes;
        const times = whole.map((f) => f.updatedAt.getTime());
        expect(times).toEqual([...times].sort((a, b) => b - a));
        for (const first of [1, 2, 3]) {
          const seen: string[] = [];
          let after: string | null = null;
          for (;;) {
            const page = await registry.listFamilies({ project, search, match, orderBy: "UPDATED", first, after });
            seen.push(...namesOf(page));
            if (!page.hasNextPage) break;
            after = page.endCursor;
          }
          expect(seen).toEqual(namesOf({ nodes: whole }));
        }
      }
      const byName = await list({ first: 1 });
      const byUpdate = await registry.listFamilies({ project, orderBy: "UPDATED", first: 1 });
      await expect(registry.listFamilies({ project, orderBy: "UPDATED", after: byName.endCursor })).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
      });
      await expect(list({ after: byUpdate.endCursor })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      const forged = (body: object) => Buffer.from(JSON.stringify(body)).toString("base64url");
      for (const t of ["1", 1.5, null, 2 ** 60, -Infinity]) {
        const after = forged({ j: project, s: "", m: "PREFIX", o: "UPDATED", a: "beta", t });
        await expect(registry.listFamilies({ project, orderBy: "UPDATED", after }), String(t)).rejects.toMatchObject({
          code: "BAD_USER_INPUT",
        });
      }
    });
  });

  describe("flavors, MetaGraph tags and the model card", () => {
    const caller = Caller.open();
    const SKLEARN_FLAVORS = {
      python_function: {
        env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
        loader_module: "mlflow.sklearn",
        model_path: "model.pkl",
        predict_fn: "predict",
        python_version: "3.10.12",
      },
      sklearn: { code: null, pickled_model: "model.pkl", serialization_format: "cloudpickle", sklearn_version: "1.3.0" },
    };
    const TF_FLAVORS = {
      python_function: { env: "conda.yaml", loader_module: "mlflow.tensorflow", python_version: "3.7.6" },
      tensorflow: { meta_graph_tags: ["serve", "gpu"], saved_model_dir: "tfmodel", signature_def_key: "serving_default" },
    };

    test("flavors and tfMetaGraphTags round-trip through create, get, list and best; absent ones read as null", async () => {
      const created = await registry.createModel({
        name: "flav",
        framework: "TENSORFLOW",
        flavors: TF_FLAVORS,
        tfMetaGraphTags: ["serve", "gpu"],
        metrics: [{ key: "acc", value: 0.9 }],
        files: [file("tfmodel/saved_model.pb", "pb")],
      });
      expect(created).toMatchObject({ flavors: TF_FLAVORS, tfMetaGraphTags: ["serve", "gpu"] });
      await registry.createModel({ name: "flav", flavors: SKLEARN_FLAVORS, metrics: [{ key: "acc", value: 0.8 }] });
      await registry.createModel({ name: "flav" });
      expect(await registry.getModel(ref("flav", 1))).toMatchObject({ flavors: TF_FLAVORS, tfMetaGraphTags: ["serve", "gpu"] });
      expect(await registry.getModel(ref("flav", 2))).toMatchObject({ flavors: SKLEARN_FLAVORS, tfMetaGraphTags: null });
      expect(await registry.getModel(ref("flav", 3))).toMatchObject({ flavors: null, tfMetaGraphTags: null });
      for (const sortKey of [null, "acc"]) {
        const page = await registry.listModels({ name: "flav", sortKey, parts: { metrics: false, files: false, flavors: true } });
        const byVersion = Object.fromEntries(page.nodes.map((m) => [m.version, [m.flavors, m.tfMetaGraphTags]]));
        expect(byVersion).toEqual({ 1: [TF_FLAVORS, ["serve", "gpu"]], 2: [SKLEARN_FLAVORS, null], 3: [null, null] });
      }
      const best = await registry.service.bestModel(caller, {
        name: "flav",
        metric: "acc",
        parts: { metrics: false, files: false, flavors: true },
      });
      expect(best).toMatchObject({ version: 1, tfMetaGraphTags: ["serve", "gpu"] });
    });

    test("a read that does not ask for flavors or the card neither selects nor parses them", async () => {
      await registry.createModel({
        name: "lean",
        flavors: SKLEARN_FLAVORS,
        tfMetaGraphTags: ["serve"],
        files: [file("README.md", "# Lean")],
      });
      const lean = { metrics: false, files: false };
      const [listed] = (await registry.listModels({ name: "lean", parts: lean })).nodes;
      const got = await registry.service.getModel(caller, ref("lean", 1), lean);
      for (const model of [listed!, got!]) {
        expect(Object.keys(model)).not.toContain("flavors");
        expect(Object.keys(model)).not.toContain("tfMetaGraphTags");
        expect(Object.keys(model)).not.toContain("cardFile");
      }
    });

    test("an overwrite replaces the flavors and tags (none given: none kept)", async () => {
      await registry.createModel({ name: "flav-ow", version: 1, flavors: TF_FLAVORS, tfMetaGraphTags: ["serve"] });
      await registry.createModel({ name: "flav-ow", version: 1, overwrite: true });
      expect(await registry.getModel(ref("flav-ow", 1))).toMatchObject({ flavors: null, tfMetaGraphTags: null });
    });

    test("the card is the top-level README.md's text, read when asked; other names and places are no card", async () => {
      const card = "# Iris classifier\n\nTrained on **iris**. ✓ <script>alert(1)</script>\n";
      const created = await registry.createModel({
        name: "carded",
        files: [file("README.md", card), file("model.pkl", "pickle"), file("docs/README.md", "nested")],
      });
      expect(await registry.service.readCard(caller, created)).toBe(card);
      const read = await registry.getModel(ref("carded", 1));
      expect(read!.cardFile).toEqual({ path: "README.md", sha256: sha256(card), sizeBytes: Buffer.byteLength(card) });
      expect(await registry.service.readCard(caller, read!)).toBe(card);
      const page = await registry.listModels({ name: "carded", parts: { metrics: false, files: false, card: true } });
      expect(await registry.service.readCard(caller, page.nodes[0]!)).toBe(card);
      for (const [name, files] of [
        ["card-none", [file("model.pkl", "p")]],
        ["card-lower", [file("readme.md", "# lower case is not the card")]],
        ["card-nested", [file("docs/README.md", "# nested is not the card")]],
        ["card-latin1", [file("README.md", Buffer.from([0x23, 0x20, 0x43, 0x61, 0x66, 0xe9]))]],
        ["card-big", [file("README.md", "x".repeat(256 * 1024 + 1))]],
      ] as const) {
        await registry.createModel({ name, files: [...files] });
        const model = await registry.getModel(ref(name, 1));
        expect(await registry.service.readCard(caller, model!), name).toBeNull();
      }
      await registry.createModel({ name: "card-edge", files: [file("README.md", "y".repeat(256 * 1024))] });
      expect(await registry.service.readCard(caller, (await registry.getModel(ref("card-edge", 1)))!)).toHaveLength(256 * 1024);
    });

    test("a card whose version was deleted (and its blob reclaimed) reads as null; another key's project is FORBIDDEN", async () => {
      await registry.createModel({ name: "card-gone", files: [file("README.md", `# gone ${Math.random()}`)] });
      const model = (await registry.getModel(ref("card-gone", 1)))!;
      await registry.deleteModel(ref("card-gone", 1));
      expect(await registry.service.readCard(caller, model)).toBeNull();
      const reader = Caller.forKey("k", [{ project: "elsewhere", role: "read" }]);
      await expect(registry.service.readCard(reader, model)).rejects.toMatchObject({ code: "FORBIDDEN" });
    });
  });

  describe("edges", () => {
    test("the version counter stops at 2^31-1 with a typed error", async () => {
      await registry.createModel({ name: "top", version: 2 ** 31 - 1 });
      await expect(registry.createModel({ name: "top" })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      expect((await registry.createModel({ name: "top", version: 5 })).version).toBe(5);
      expect((await registry.listModels({ name: "top" })).nodes.map((m) => m.version)).toEqual([2 ** 31 - 1, 5]);
    });

    test("a well-formed cursor with an out-of-range version is refused, not passed to SQL", async () => {
      for (const version of [0, 2 ** 31, 1e300, -(2 ** 40)]) {
        const forged = Buffer.from(
          JSON.stringify({ j: "default", n: "top", k: null, d: "DESC", p: { phase: "version", version } }),
        ).toString("base64url");
        await expect(registry.listModels({ name: "top", after: forged })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      }
    });

    test("two concurrent deletes of one version: one succeeds, the other is NOT_FOUND", async () => {
      for (let round = 0; round < 5; round++) {
        await registry.createModel({ name: "double-delete", version: 1, overwrite: true, files: [file("w", `dd-${round}`)] });
        const results = await Promise.allSettled([
          registry.deleteModel(ref("double-delete", 1)),
          registry.deleteModel(ref("double-delete", 1)),
        ]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason.code).toBe("NOT_FOUND");
      }
    });

    test("a version of 1200 files registers in batched statements", async () => {
      const roomy = registryOver(storage, { ...TEST_LIMITS, maxFiles: 2000 });
      const files = Array.from({ length: 1200 }, (_, i) => file(`dir${i % 7}/f${i}.bin`, `content-${i}`));
      const model = await roomy.createModel({ name: "many-files", files });
      const stored = (await registry.getModel(ref("many-files", model.version)))!.files;
      expect(stored).toHaveLength(1200);
      await registry.deleteModel(ref("many-files", 1));
      const blobs = await digests();
      expect(blobs.filter((b) => b === sha256("content-0") || b === sha256("content-1199"))).toEqual([]);
    }, 180_000); // s3rver takes ~20 s for the 3,600 requests on a quiet machine
  });

  describe("recovery", () => {
    test("bytes promoted without a committed row are reclaimed; referenced ones stay", async () => {
      await registry.createModel({ name: "recovery", files: [file("kept", "kept-bytes")] });
      const staged = await storage.blobs.stage(Readable.from([Buffer.from("orphan-bytes")]), { maxBytes: 100 });
      await storage.blobs.promote([staged]); // as if the process died before COMMIT
      expect(await digests()).toContain(sha256("orphan-bytes"));
      expect(await registry.reclaimOrphanedFiles()).toBe(1);
      const blobs = await digests();
      expect(blobs).not.toContain(sha256("orphan-bytes"));
      expect(blobs).toContain(sha256("kept-bytes"));
      expect(await storage.metadata.knownBlobs([sha256("orphan-bytes"), sha256("kept-bytes")])).toEqual(new Set([sha256("kept-bytes")]));
    });

    test("a blob removed between publish and commit (a concurrent reclaim) is published again inside the transaction", async () => {
      const staged = await storage.blobs.stage(Readable.from([Buffer.from("republished-bytes")]), { maxBytes: 100 });
      const published = (await storage.blobs.publish?.([staged])) ?? false;
      if (!published) {
        // Stores without two-step promotion promote inside the transaction only.
        await storage.blobs.discard(staged);
        return;
      }
      expect(await digests()).toContain(sha256("republished-bytes"));
      await storage.blobs.delete(staged.sha256); // what a reclaim of the same bytes, judged unreferenced, does
      expect(await digests()).not.toContain(sha256("republished-bytes"));
      await storage.metadata.createModel(
        {
          project: "default",
          name: "republished",
          version: undefined,
          overwrite: false,
          description: null,
          framework: null,
          signature: null,
          inputExample: null,
          tags: {},
          metrics: [],
          files: [{ path: "w", sha256: staged.sha256, sizeBytes: staged.sizeBytes }],
          createdBy: null,
        },
        () => storage.blobs.confirm!([staged]),
      );
      await storage.blobs.discard(staged);
      const bytes = Buffer.concat(await (await storage.blobs.read(staged.sha256)).toArray());
      expect(bytes.toString()).toBe("republished-bytes");
      expect(await storage.stagingNames()).toEqual([]);
    });

    test("registrations that lose a race for a version leave neither blobs nor staging behind", async () => {
      for (let round = 0; round < 4; round++) {
        const results = await Promise.allSettled(
          ["a", "b", "c"].map((who) =>
            registry.createModel({ name: "lost-race", version: round + 1, files: [file("w", `race-${round}-${who}`)] }),
          ),
        );
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        for (const r of results) if (r.status === "rejected") expect(r.reason.code).toBe("ALREADY_EXISTS");
        const winner = (await registry.getModel(ref("lost-race", round + 1)))!.files![0]!.sha256;
        const blobs = await digests();
        for (const who of ["a", "b", "c"]) {
          const digest = sha256(`race-${round}-${who}`);
          expect(blobs.includes(digest)).toBe(digest === winner);
        }
      }
      expect(await storage.stagingNames()).toEqual([]);
    });

    test("staging leftovers of dead local processes and long-abandoned ones are reclaimed; live ones are not", async () => {
      const live = `${STAGING_HOST}.${process.ppid}.live-upload`;
      const otherHost = "another-container.1.upload";
      const stale = "another-container.1.stale-upload";
      await storage.writeStaging(`${STAGING_HOST}.999999999.dead-upload`, "partial");
      await storage.writeStaging(live, "partial");
      await storage.writeStaging(otherHost, "partial");
      // Past either store's age limit (an hour idle for a directory, a day for S3).
      await storage.writeStaging(stale, "partial", 2 * 24 * 3600_000);
      const { staging: reclaimed } = await registry.recoverQuickly();
      expect(reclaimed).toBe(2);
      // A live local process's upload, and another host's recent one, are left alone.
      expect(await storage.stagingNames()).toEqual([otherHost, live].sort());
    });
  });

  describe("concurrency", () => {
    test("50 concurrent creates without a version get exactly 1..50", async () => {
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          registry.createModel({ name: "race-auto", metrics: [{ key: "i", value: i }], files: [file("w", `bytes-${i % 5}`)] }),
        ),
      );
      expect(created.map((m) => m.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await (await registry.listModels({ name: "race-auto" })).totalCount()).toBe(50);
    });

    test("10 concurrent creates of one explicit version: one wins, nine are ALREADY_EXISTS", async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          registry.createModel({ name: "race-explicit", version: 7, description: `writer ${i}`, files: [file("w", `w${i}`)] }),
        ),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost.map((r) => r.reason.code)).toEqual(Array(9).fill("ALREADY_EXISTS"));
      // Losers' bytes are not left behind.
      const winner = (won[0] as PromiseFulfilledResult<{ description: string | null }>).value.description!;
      const blobs = await digests();
      for (let i = 0; i < 10; i++) {
        expect(blobs.includes(sha256(`w${i}`))).toBe(winner === `writer ${i}`);
      }
    });

    test("concurrent create and delete sharing a blob never lose bytes", async () => {
      for (let round = 0; round < 10; round++) {
        await registry.createModel({ name: "gc-race", version: 1, overwrite: true, files: [file("w", "gc-shared")] });
        await Promise.all([
          registry.deleteModel(ref("gc-race", 1)),
          registry.createModel({ name: "gc-race-2", version: round + 1, files: [file("w", "gc-shared")] }),
        ]);
        const digest = sha256("gc-shared");
        expect((await storage.listBlobs()).find((b) => b.sha256 === digest)?.sizeBytes).toBe(9);
      }
    });
  });
});
