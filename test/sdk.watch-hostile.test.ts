import http from "node:http";
import { afterEach, describe, expect, test } from "vitest";
import { WebSocketServer } from "ws";
import { connection, RegistryError } from "@homer/sdk";
import { answeringVersion, versionAnswer } from "./support/fake-registry.js";

/**
 * A graphql-ws server that is not a Homer gateway, or one that lies: it acknowledges,
 * answers the first subscribe with `event` as `modelEvents`, and counts open sockets.
 */
async function lyingEvents(event: unknown) {
  const server = http.createServer(answeringVersion((_req, res) => res.writeHead(404).end()));
  const wss = new WebSocketServer({ server, handleProtocols: (protocols) => [...protocols][0] ?? false });
  let open = 0;
  wss.on("connection", (socket) => {
    open++;
    socket.on("close", () => open--);
    socket.on("message", (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; id?: string };
      if (message.type === "connection_init") socket.send(JSON.stringify({ type: "connection_ack" }));
      if (message.type === "subscribe") {
        socket.send(JSON.stringify({ id: message.id, type: "next", payload: { data: { modelEvents: event } } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const close = () => {
    for (const socket of wss.clients) socket.terminate();
    return new Promise((resolve) => server.close(resolve));
  };
  return { origin, open: () => open, close };
}

describe("SDK watch() against a server that sends events not shaped as the schema says", () => {
  let server: Awaited<ReturnType<typeof lyingEvents>> | undefined;
  afterEach(async () => {
    await server?.close();
  });

  const event = { type: "CREATED", project: "default", name: "mnist", version: 1, at: "2026-01-01T00:00:00Z", alias: null };
  test.each([
    ["no event at all", null],
    ["an event that is not an object", "CREATED"],
    ["a time that is no time", { ...event, at: "yesterday" }],
    ["a version with null where lists are promised", { ...event, model: { ...versionAnswer("http://x"), files: null, metrics: null } }],
  ] as [string, unknown][])("%s is INTERNAL_SERVER_ERROR and closes the WebSocket", async (_, sent) => {
    server = await lyingEvents(sent);
    const mr = await connection({ url: `${server.origin}/graphql` }).getModelRegistry();
    const watch = mr.watch({ name: "mnist" });
    const error = await watch.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    // The socket is closed: a `for await` that threw calls no return(), and an open socket keeps a CLI process alive.
    await expect.poll(() => server!.open(), { timeout: 2_000 }).toBe(0);
  });
});
