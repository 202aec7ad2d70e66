import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError, type ModelEvent, type ModelRegistry } from "@homer/sdk";
import { generateKey } from "../gateway/src/access/api-key.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/** Creates versions of `name` until `seen` holds one (the server acknowledges no subscribe). */
async function untilLive(gw: TestGateway, token: string, name: string, seen: readonly ModelEvent[]): Promise<void> {
  for (let i = 0; seen.length === 0; i++) {
    if (i > 50) throw new Error("watch never delivered an event");
    await gw.gql(
      `mutation($n: String!) { createModel(input: { name: $n }) { version } }`,
      { n: name },
      { authorization: `Bearer ${token}` },
    );
    const until = Date.now() + 300;
    while (seen.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  }
}

describe("SDK watch() over a real WebSocket", () => {
  const admin = generateKey();
  let gw: TestGateway;
  let mr: ModelRegistry;

  beforeAll(async () => {
    gw = await startTestGateway({ config: { adminKey: admin.token } });
    mr = await connection({ url: gw.url, apiKey: admin.token }).getModelRegistry();
  });
  afterAll(async () => {
    await gw?.close();
  });

  test("for await delivers typed events with the model; break closes the subscription on the server", async () => {
    const seen: ModelEvent[] = [];
    const loop = (async () => {
      for await (const event of mr.watch({ name: "watched" })) {
        seen.push(event);
        if (event.type === "DELETED") break;
      }
    })();
    await untilLive(gw, admin.token, "watched", seen);
    seen.length = 0;
    const res = await gw.gql(
      `mutation { createModel(input: { name: "watched", metrics: [{ key: "accuracy", value: 0.9 }] }) { version } }`,
      {},
      { authorization: `Bearer ${admin.token}` },
    );
    const created = res.data.createModel as { version: number };
    await mr.deleteModel({ name: "watched", version: created.version });
    await loop;
    expect(seen.map((e) => [e.type, e.version])).toEqual([
      ["CREATED", created.version],
      ["DELETED", created.version],
    ]);
    expect(seen[0]!.model?.metrics).toEqual({ accuracy: 0.9 });
    expect(seen[0]!.at).toBeInstanceOf(Date);
    expect(seen[1]!.model).toBeNull();
    await expect.poll(() => gw.gateway.openSubscriptions()).toBe(0);
  });

  test("close() and an aborted signal end a pending next() at once", async () => {
    const watch = mr.watch({ name: "idle" });
    const pending = watch.next();
    await expect.poll(() => gw.gateway.openSubscriptions()).toBe(1);
    await watch.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    await expect.poll(() => gw.gateway.openSubscriptions()).toBe(0);

    const abort = new AbortController();
    const aborted = mr.watch({ name: "idle", signal: abort.signal });
    const next = aborted.next();
    await expect.poll(() => gw.gateway.openSubscriptions()).toBe(1);
    abort.abort();
    expect(await next).toEqual({ value: undefined, done: true });
    await expect.poll(() => gw.gateway.openSubscriptions()).toBe(0);
  });

  test("refusals are RegistryErrors with the server's code", async () => {
    await expect(mr.watch({ project: "nowhere" }).next()).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(mr.watch({ name: "not a name" }).next()).rejects.toMatchObject({ code: "BAD_USER_INPUT", field: "name" });
    const asAdmin = { authorization: `Bearer ${admin.token}` };
    await gw.gql(`mutation { createProject(name: "team") { name } }`, {}, asAdmin);
    const key = await gw.gql(
      `mutation { createApiKey(input: { name: "team reader", grants: [{ project: "team", role: READ }] }) { secret } }`,
      {},
      asAdmin,
    );
    const reader = await connection({ url: gw.url, apiKey: key.data.createApiKey.secret }).getModelRegistry();
    expect(reader.project).toBeUndefined(); // the key's own project (team) is the default
    await expect(reader.watch({ project: "default" }).next()).rejects.toMatchObject({ code: "FORBIDDEN" });
    const refused = await reader
      .watch({ project: "default" })
      .next()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegistryError);
  });

  test("awaitModel: a version that exists at once, the next one when another process registers it, TIMEOUT otherwise", async () => {
    const create = (name: string, version?: number) =>
      gw.gql(
        `mutation($n: String!, $v: Int) { createModel(input: { name: $n, version: $v }) { version } }`,
        { n: name, v: version },
        {
          authorization: `Bearer ${admin.token}`,
        },
      );
    await create("awaited", 1);
    expect((await mr.awaitModel({ name: "awaited", version: 1 })).version).toBe(1);

    const next = mr.awaitModel({ name: "awaited", timeoutSeconds: 30 });
    const exact = mr.awaitModel({ name: "awaited", version: 5, timeoutSeconds: 30 });
    await new Promise((r) => setTimeout(r, 300));
    await create("awaited", 5);
    expect((await next).version).toBe(5);
    expect((await exact).version).toBe(5);

    await expect(mr.awaitModel({ name: "awaited", version: 99, timeoutSeconds: 1 })).rejects.toMatchObject({ code: "TIMEOUT" });
    await expect.poll(() => gw.gateway.openSubscriptions()).toBe(0);
  });

  test("awaitModel refuses a timeout that is no number of seconds above 0, at once, and takes Infinity", async () => {
    // NaN once waited for ever, querying back to back.
    for (const timeoutSeconds of [Number.NaN, 0, -1, "30", null] as unknown[]) {
      const refused = await mr.awaitModel({ name: "never", version: 1, timeoutSeconds: timeoutSeconds as number }).catch((e: unknown) => e);
      expect(refused, String(timeoutSeconds)).toBeInstanceOf(RegistryError);
      expect(refused, String(timeoutSeconds)).toMatchObject({ code: "BAD_USER_INPUT", field: "timeoutSeconds" });
    }
    await gw.gql(
      `mutation { createModel(input: { name: "forever", version: 1 }) { version } }`,
      {},
      { authorization: `Bearer ${admin.token}` },
    );
    expect((await mr.awaitModel({ name: "forever", version: 1, timeoutSeconds: Number.POSITIVE_INFINITY })).version).toBe(1);
  }, 20_000);

  test("a gateway that went away: NETWORK_ERROR", async () => {
    const other = await startTestGateway();
    const registry = await connection({ url: other.url }).getModelRegistry();
    await other.close();
    await expect(registry.watch({}).next()).rejects.toMatchObject({ code: "NETWORK_ERROR" });
  });
});
