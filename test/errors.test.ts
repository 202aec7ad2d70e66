import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

describe("unexpected failures are masked for clients and logged with the request id", () => {
  let gw: TestGateway;
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });

  beforeAll(async () => {
    gw = await startTestGateway({ logger: pino({ level: "info" }, sink) });
    await gw.upload({ name: "m" }, { "w.bin": "x" });
    // Pull the database out from under the gateway.
    await gw.storage.metadata.close();
  });
  afterAll(() => gw?.close());

  test("GraphQL: INTERNAL_SERVER_ERROR with a generic message, no stack", async () => {
    const res = await gw.gql(`{ model(name: "m", version: 1) { version } }`, undefined, { "x-request-id": "req-internal-1" });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(JSON.stringify(res)).not.toMatch(/stack|at .*\.ts|destroyed|driver/i);
    const logged = lines.find((l) => l.msg === "internal error" && l.reqId === "req-internal-1");
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toMatch(/stack/);
  });

  test("plain HTTP routes: 500 with the same JSON shape", async () => {
    const res = await fetch(`${gw.origin}/files/default/m/1/w.bin`, { headers: { "x-request-id": "req-internal-2" } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
    expect(lines.some((l) => l.msg === "internal error" && l.reqId === "req-internal-2")).toBe(true);
  });

  test("readiness reports the database as unavailable while liveness stays up", async () => {
    expect((await fetch(`${gw.origin}/readyz`)).status).toBe(503);
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
  });
});
