import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError } from "@homer/sdk";
import { answeringVersion, versionAnswer } from "./support/fake-registry.js";

/**
 * A server that answers the version check as a Homer gateway and then answers of another
 * shape: a proxy that sends the SDK's later requests elsewhere, or a registry that lies. The
 * SDK's one error type is RegistryError; a TypeError from deep inside it says nothing.
 */
describe("answers that are not shaped as the schema says", () => {
  let server: http.Server;
  let reply: string;
  let origin: string;

  beforeAll(async () => {
    server = http.createServer(
      answeringVersion((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" }).end(reply);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("data without the field asked for, or a version with null where lists are promised, is INTERNAL_SERVER_ERROR", async () => {
    const mr = await connection({ url: `${origin}/graphql` }).getModelRegistry();
    const version = (over: Record<string, unknown>) => versionAnswer(origin, over);
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
