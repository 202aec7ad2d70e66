import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError } from "@homer/sdk";
import { answeringVersion } from "./support/fake-registry.js";

/** A version as a `GetModel` answer carries it, with `over` changed. */
const version = (over: Record<string, unknown>) => ({
  __typename: "Model",
  id: "1",
  project: "default",
  name: "mnist",
  version: 1,
  description: null,
  framework: null,
  metrics: [],
  signature: null,
  inputExample: null,
  tags: {},
  flavors: null,
  tfMetaGraphTags: null,
  files: [],
  archiveUrl: "http://127.0.0.1:5744/archives/default/mnist/1",
  sizeBytes: 0,
  status: "READY",
  createdAt: "2026-01-01T00:00:00Z",
  createdBy: null,
  revision: 1,
  updatedAt: "2026-01-01T00:00:00Z",
  updatedBy: null,
  lineage: null,
  aliases: [],
  ...over,
});

/**
 * A server that answers the version check as a Homer gateway and then answers of another
 * shape: a proxy that sends the SDK's later requests elsewhere, or a registry that lies. The
 * SDK's one error type is RegistryError; a TypeError from deep inside it says nothing.
 */
describe("answers that are not shaped as the schema says", () => {
  let server: http.Server;
  let reply: string;
  const url = "http://127.0.0.1:5744/graphql";

  beforeAll(async () => {
    server = http.createServer(
      answeringVersion((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" }).end(reply);
      }),
    );
    await new Promise<void>((resolve) => server.listen(5744, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("data without the field asked for, or a version with null where lists are promised, is INTERNAL_SERVER_ERROR", async () => {
    const mr = await connection({ url }).getModelRegistry();
    const calls: [string, () => Promise<unknown>][] = [
      ['{"data":{}}', () => mr.getModelFamilies()],
      ['{"data":{}}', () => mr.getModels({ name: "mnist" })],
      [JSON.stringify({ data: { model: version({ metrics: null }) } }), () => mr.getModel({ name: "mnist", version: 1 })],
      [JSON.stringify({ data: { model: version({ files: null }) } }), () => mr.getModel({ name: "mnist", version: 1 })],
      [JSON.stringify({ data: { model: version({ aliases: 7 }) } }), () => mr.getModel("mnist@1")],
    ];
    for (const [answer, call] of calls) {
      reply = answer;
      const error = await call().catch((e: unknown) => e);
      expect(error, answer).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code).toBe("INTERNAL_SERVER_ERROR");
      expect((error as Error).message).toMatch(/not shaped as the schema says/);
    }
  });
});
