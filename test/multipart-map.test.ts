/**
 * Issue 7, items 1 and 2, over HTTP: a multipart `map` may only place files where
 * the operation declares an Upload. A ~600-byte request that mapped a file to index
 * 2·10⁸ of a JSON array used to block the event loop for ~35 s and kill the process;
 * a file mapped into `tags` used to be stored as the upload's internals.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, listBlobFiles, makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { multipartRequest, send, type Part, type RawRequest } from "./support/raw-request.js";

const CREATE = "mutation($input: CreateModelInput!) { createModel(input: $input) { version tags inputExample } }";

/** operations, map and file parts, written by hand; `files` are part names, each carrying `x`. */
function mapRequest(variables: Record<string, unknown>, map: unknown, files: readonly string[] = ["0"], query = CREATE): RawRequest {
  const parts: Part[] = [
    { name: "operations", value: JSON.stringify({ query, variables }) },
    { name: "map", value: JSON.stringify(map) },
    ...files.map((name) => ({ name, value: "x", filename: "f" })),
  ];
  return multipartRequest(parts, null);
}

const victim = (extra: Record<string, unknown> = {}) => ({ input: { name: "victim", ...extra } });

describe("the 600-byte sparse-array request, sent to a real gateway process", () => {
  afterAll(killAllChildren);

  test("is answered 400 BAD_USER_INPUT, and the gateway keeps serving", async () => {
    const dataDir = await makeTempDir("homer-sparse-");
    const gw = await startChildGateway({ env: { HOMER_DATA_DIR: dataDir } });
    try {
      const shapes: [Record<string, unknown>, string][] = [
        [victim({ inputExample: [] }), "variables.input.inputExample.200000000"],
        [victim({ tags: { x: [] } }), "variables.input.tags.x.200000000"],
      ];
      for (const [variables, target] of shapes) {
        const request = mapRequest(variables, { 0: [target] });
        expect((request.body as Buffer).length).toBeLessThan(700);
        // A hang guard, not a speed claim: before the fix no answer ever came.
        const reply = await send(gw.origin, request, 20_000);
        expect(reply.status, `${target}: ${reply.error ?? reply.text}`).toBe(400);
        expect(reply.json.errors[0].extensions.code).toBe("BAD_USER_INPUT");
        expect(reply.json.errors[0].message).toContain(target);
      }
      const health = await send(gw.origin, { path: "/healthz" });
      expect(health.status).toBe(200);
      expect(gw.child.exitCode).toBeNull();
      expect(gw.child.signalCode).toBeNull();
      expect((await gw.gql(`{ models(name: "victim") { totalCount } }`)).data).toEqual({ models: { totalCount: 0 } });
    } finally {
      // SIGKILL: before the fix the process was stuck in one synchronous call and could not drain.
      gw.kill("SIGKILL");
      await gw.exited;
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe.each(BACKENDS)("multipart map on %s", (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend, config: { maxFiles: 5 } });
  });
  afterAll(() => gw?.close());

  afterEach(async () => {
    expect((await gw.gql(`{ models(name: "victim") { totalCount } }`)).data).toEqual({ models: { totalCount: 0 } });
    expect(await fs.readdir(path.join(gw.storage.blobDir, ".staging"))).toEqual([]);
    expect(await listBlobFiles(gw.storage.blobDir)).toEqual([]);
  });

  const oneFile = (extra: Record<string, unknown> = {}) => victim({ files: [{ path: "w.bin", file: null }], ...extra });
  const refused: [string, RawRequest][] = [
    [
      "a file as a tag value (stored as the upload's internals before)",
      mapRequest(victim({ tags: { x: null } }), { 0: ["variables.input.tags.x"] }),
    ],
    ["a file as the whole inputExample", mapRequest(victim({ inputExample: null }), { 0: ["variables.input.inputExample"] })],
    ["a file at index 3 of inputExample", mapRequest(victim({ inputExample: [] }), { 0: ["variables.input.inputExample.3"] })],
    ["a file at a high index of tags.x", mapRequest(victim({ tags: { x: [] } }), { 0: ["variables.input.tags.x.4294967294"] })],
    ["a file at index 7 of a one-entry files list", mapRequest(oneFile(), { 0: ["variables.input.files.7.file"] })],
    ["a files index with a leading zero", mapRequest(oneFile(), { 0: ["variables.input.files.00.file"] })],
    ["a files index in exponent form", mapRequest(oneFile(), { 0: ["variables.input.files.0e0.file"] })],
    ["a file as a file's path", mapRequest(oneFile(), { 0: ["variables.input.files.0.path"] })],
    ["a file into __proto__", mapRequest(oneFile(), { 0: ["variables.input.__proto__.file"] })],
    [
      "a file into another declared variable that is JSON",
      mapRequest(
        { ...oneFile(), extra: null },
        { 0: ["variables.extra"] },
        ["0"],
        "mutation($input: CreateModelInput!, $extra: JSON) { createModel(input: $input) { version } }",
      ),
    ],
    [
      "the same file mapped to two files entries",
      mapRequest(
        victim({
          files: [
            { path: "a", file: null },
            { path: "b", file: null },
          ],
        }),
        { 0: ["variables.input.files.0.file", "variables.input.files.1.file"] },
      ),
    ],
    [
      "two files mapped to one entry",
      mapRequest(oneFile(), { 0: ["variables.input.files.0.file"], 1: ["variables.input.files.0.file"] }, ["0", "1"]),
    ],
    ["a map that is an array", mapRequest(oneFile(), [["variables.input.files.0.file"]])],
    ["a file part the map does not name", mapRequest(oneFile(), { 0: ["variables.input.files.0.file"] }, ["0", "1"])],
    ["the same file part twice", mapRequest(oneFile(), { 0: ["variables.input.files.0.file"] }, ["0", "0"])],
    ["a map naming a file part that never comes", mapRequest(oneFile(), { 0: ["variables.input.files.0.file"] }, ["1"])],
  ];

  test.each(refused)("%s → BAD_USER_INPUT, nothing stored", async (_, request) => {
    const reply = await send(gw.origin, request);
    expect(reply.json?.errors?.[0]?.extensions?.code, reply.text).toBe("BAD_USER_INPUT");
    expect([200, 400]).toContain(reply.status);
  });

  test("a refused map is answered 400 before the operation runs", async () => {
    const reply = await send(gw.origin, mapRequest(victim({ tags: { x: null } }), { 0: ["variables.input.tags.x"] }));
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({
      errors: [{ message: expect.stringMatching(/variables\.input\.tags\.x.*JSONObject/), extensions: { code: "BAD_USER_INPUT" } }],
    });
  });

  test("a file mapped to files.N.file is stored, next to plain-JSON tags and inputExample", async () => {
    const variables = victim({ tags: { team: "a" }, inputExample: [[1, 2]], files: [{ path: "w.bin", file: null }] });
    const reply = await send(gw.origin, mapRequest(variables, { 0: ["variables.input.files.0.file"] }));
    expect(reply.json).toEqual({ data: { createModel: { version: 1, tags: { team: "a" }, inputExample: [[1, 2]] } } });
    const deleted = await gw.gql(`mutation { deleteModel(name: "victim", version: 1) }`);
    expect(deleted.data).toEqual({ deleteModel: true });
  });
});
