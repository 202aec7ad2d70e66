import net from "node:net";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MAX_DRAIN_BYTES } from "../gateway/src/http/unread-body.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { multipartCreate, oneConnection, send } from "./support/keep-alive.js";

const MAX_FILE = 2 ** 20;

/**
 * Every way a request is refused before its body was read to the end. Whatever the
 * refusal, the next request on the same keep-alive connection must be answered (the
 * rest of a small body is drained), or the refusal must close the connection itself.
 */
describe("a request refused mid-body", () => {
  let gw: TestGateway;
  const multipart = (input: Record<string, unknown>, bytes: Buffer, headers: Record<string, string> = {}) => {
    const { body, contentType } = multipartCreate(input, { [(input.path as string | undefined) ?? "weights.bin"]: bytes });
    return { body, headers: { "content-type": contentType, "apollo-require-preflight": "true", ...headers } };
  };
  const json = (size: number) => ({
    body: JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(size) } }),
    headers: { "content-type": "application/json" },
  });
  const REFUSALS: [string, () => { body: Buffer | string; headers: Record<string, string> }, number, string][] = [
    ["a file path that is refused", () => multipart({ name: "m", path: "../escape" }, randomBytes(3 * MAX_FILE)), 400, "BAD_USER_INPUT"],
    ["a file over the size limit", () => multipart({ name: "m" }, randomBytes(3 * MAX_FILE)), 413, "PAYLOAD_TOO_LARGE"],
    ["a version that already exists", () => multipart({ name: "taken", version: 1 }, randomBytes(3 * MAX_FILE)), 200, "ALREADY_EXISTS"],
    ["a JSON body over the size limit", () => json(3 * MAX_FILE), 413, "PAYLOAD_TOO_LARGE"],
    [
      "an unknown key",
      () => ({ ...json(MAX_FILE), headers: { ...json(0).headers, authorization: `Bearer hmr_${"A".repeat(16)}_${"b".repeat(43)}` } }),
      401,
      "UNAUTHENTICATED",
    ],
  ];

  beforeAll(async () => {
    gw = await startTestGateway({ config: { maxFileSize: MAX_FILE, maxBodyBytes: MAX_FILE } });
    expect((await gw.upload({ name: "taken", version: 1 }, { "a.bin": "a" })).errors).toBeUndefined();
  });
  afterAll(() => gw?.close());

  test.each(REFUSALS)("after %s the same connection answers the next request", async (_, request, status, code) => {
    const agent = oneConnection();
    try {
      const refused = await send(agent, gw.url, request());
      expect(refused.status).toBe(status);
      expect(JSON.parse(refused.body).errors[0].extensions.code).toBe(code);
      expect(refused.headers.connection).not.toBe("close");
      const next = await send(agent, `${gw.origin}/healthz`);
      expect(next).toMatchObject({ status: 200, connection: refused.connection });
    } finally {
      agent.destroy();
    }
  });

  test("an accepted upload larger than the drain limit keeps its connection", async () => {
    const agent = oneConnection();
    try {
      const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`part-${i}.bin`, randomBytes(MAX_FILE - 1)]));
      const { body, contentType } = multipartCreate({ name: "large" }, files);
      expect(body.length).toBeGreaterThan(MAX_DRAIN_BYTES);
      const created = await send(agent, gw.url, { body, headers: { "content-type": contentType, "apollo-require-preflight": "true" } });
      expect(JSON.parse(created.body)).toEqual({ data: { createModel: { version: 1 } } });
      expect(created.headers.connection).not.toBe("close");
      expect(await send(agent, `${gw.origin}/healthz`)).toMatchObject({ status: 200, connection: created.connection });
    } finally {
      agent.destroy();
    }
  });

  test("a refused body too large to drain closes its connection instead of reading it", async () => {
    const agent = oneConnection();
    try {
      const refused = await send(agent, gw.url, multipart({ name: "m", path: "../escape" }, Buffer.alloc(8 * MAX_DRAIN_BYTES)));
      expect(JSON.parse(refused.body).errors[0].extensions.code).toBe("BAD_USER_INPUT");
      expect(refused.headers.connection).toBe("close");
      const next = await send(agent, `${gw.origin}/healthz`);
      expect(next.status).toBe(200);
      expect(next.connection).not.toBe(refused.connection);
    } finally {
      agent.destroy();
    }
  });

  test("a JSON body declared larger than the limit is refused before it is read, and its connection closed", async () => {
    const { hostname, port } = new URL(gw.origin);
    const socket = net.connect(Number(port), hostname);
    socket.on("error", () => {});
    const answer = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
      socket.on("close", () => resolve(text));
    });
    // 10 GB announced, a few bytes sent: the answer must not wait for the rest.
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${10 * 2 ** 30}\r\n\r\n{"query":`,
    );
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(text).toContain("PAYLOAD_TOO_LARGE");
  });
});
