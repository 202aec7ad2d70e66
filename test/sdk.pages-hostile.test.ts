import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError, type ModelRegistry } from "@homer/sdk";
import { answeringVersion, versionAnswer } from "./support/fake-registry.js";

/** Past this many requests the server answers an error of its own: the code before the fix asked on for ever. */
const GIVE_UP_AFTER = 50;

describe("a registry whose pages never end", () => {
  let server: http.Server;
  let origin: string;
  let mr: ModelRegistry;
  let asked = 0;
  /** The cursors the server names as the next page, in turn. */
  let cursors: string[] = [];

  beforeAll(async () => {
    server = http.createServer(
      answeringVersion((_req, res, body) => {
        asked++;
        const json = (data: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(data));
        if (asked > GIVE_UP_AFTER) return json({ errors: [{ message: "asked too often", extensions: { code: "TOO_MANY_REQUESTS" } }] });
        const pageInfo = { __typename: "PageInfo", hasNextPage: true, endCursor: cursors[(asked - 1) % cursors.length] };
        const version = versionAnswer(origin);
        if (/query ListModelFamilies/.test(body)) {
          const family = {
            __typename: "ModelFamily",
            project: "default",
            name: "mnist",
            versionCount: 1,
            latestVersion: 1,
            latestCreatedAt: "2026-01-01T00:00:00Z",
            createdAt: "2026-01-01T00:00:00Z",
            updatedAt: "2026-01-01T00:00:00Z",
          };
          return json({ data: { modelFamilies: { __typename: "ModelFamilyConnection", nodes: [family], pageInfo } } });
        }
        if (/query DerivedModels/.test(body)) {
          return json({
            data: { model: { __typename: "Model", derivedModels: { __typename: "ModelConnection", nodes: [version], pageInfo } } },
          });
        }
        return json({ data: { models: { __typename: "ModelConnection", nodes: [version], pageInfo, totalCount: 1 } } });
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    mr = await connection({ url: `${origin}/graphql` }).getModelRegistry();
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("a next page's cursor it has already sent (the same one again, or a round of two) is INTERNAL_SERVER_ERROR once it comes back, not pages fetched for ever", async () => {
    const calls: [string, () => Promise<unknown>][] = [
      ["getModels", () => mr.getModels({ name: "mnist" })],
      ["getModelFamilies", () => mr.getModelFamilies()],
      ["getDerivedModels", () => mr.getDerivedModels({ name: "mnist", version: 1 })],
    ];
    for (const [name, call] of calls) {
      for (const round of [["same"], ["a", "b"]]) {
        asked = 0;
        cursors = round;
        const error = await call().catch((e: unknown) => e);
        expect(error, `${name} ${round.join(",")}`).toBeInstanceOf(RegistryError);
        expect((error as RegistryError).code).toBe("INTERNAL_SERVER_ERROR");
        expect((error as Error).message).toMatch(/named a page it had already sent as the next one/);
        // The first page, each cursor once, then the one that came back.
        expect(asked).toBe(round.length + 1);
      }
    }
  });
});
