import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { eventsArrive, subscribe, untilLive, type Subscriber } from "./support/subscriber.js";
import { waitFor } from "./support/wait.js";

const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;
const MODEL = `query($n: String!, $v: Int!, $p: String) { model(name: $n, version: $v, project: $p) { version metric(key: "acc") } }`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(BACKENDS)("live events on %s", (backend) => {
  let gw: TestGateway;
  const subscribers: Subscriber[] = [];
  const sub = (...args: Parameters<typeof subscribe>) => {
    const s = subscribe(...args);
    subscribers.push(s);
    return s;
  };
  const create = (input: Record<string, unknown>) => gw.gql(CREATE, { i: input });

  beforeAll(async () => {
    gw = await startTestGateway({ backend, config: { maxSubscriptionsPerKey: 5 } });
  });
  afterAll(async () => {
    for (const s of subscribers) await s.close();
    await gw?.close();
  });

  test("CREATED, OVERWRITTEN and DELETED arrive after commit: the model query in the handler already answers", async () => {
    const seen: { type: string; version: number; model: unknown }[] = [];
    const s = sub(
      gw.origin,
      { name: "after-commit" },
      {
        selection: 'type name version model { version metric(key: "acc") }',
        async onEvent(event) {
          // Asked from the handler, over another connection: the change must already be visible.
          const res = await gw.gql(MODEL, { n: event.name, v: event.version });
          seen.push({ type: event.type, version: event.version, model: res.data.model });
        },
      },
    );
    await untilLive(s, () => create({ name: "after-commit", metrics: [{ key: "acc", value: 0.5 }] }));
    seen.length = 0;
    const v = (await create({ name: "after-commit", metrics: [{ key: "acc", value: 0.7 }] })).data.createModel.version;
    await create({ name: "after-commit", version: v, overwrite: true, metrics: [{ key: "acc", value: 0.8 }] });
    // The delete waits for the overwrite's handler: sent at once, it may commit before
    // that handler's query runs, which would then rightly find nothing.
    await waitFor("the OVERWRITTEN handler", () => seen.length >= 2);
    await gw.gql(`mutation($n: String!, $v: Int!) { deleteModel(name: $n, version: $v) }`, { n: "after-commit", v });
    const events = await eventsArrive(s, 3);
    expect(events.map((e) => [e.type, e.version])).toEqual([
      ["CREATED", v],
      ["OVERWRITTEN", v],
      ["DELETED", v],
    ]);
    expect(seen).toEqual([
      { type: "CREATED", version: v, model: expect.objectContaining({ version: v }) },
      { type: "OVERWRITTEN", version: v, model: { version: v, metric: 0.8 } },
      { type: "DELETED", version: v, model: null },
    ]);
    // The event's own `model` field, read at delivery; null after the delete.
    expect(events[2].model).toBeNull();
    expect(events[0].model?.version).toBe(v);
  });

  test("updateModel emits UPDATED after commit; a refused edit (stale revision) emits nothing", async () => {
    const s = sub(gw.origin, { name: "edited" }, { selection: "type version model { revision description }" });
    await untilLive(s, () => create({ name: "edited" }));
    const before = s.events.length;
    const UPDATE = `mutation($i: UpdateModelInput!) { updateModel(name: "edited", version: 1, input: $i) { revision } }`;
    const first = await gw.gql(UPDATE, { i: { description: "one" } });
    const revision = first.data.updateModel.revision as number;
    const stale = await gw.gql(UPDATE, { i: { description: "lost", expectedRevision: revision - 1 } });
    expect(stale.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    await gw.gql(UPDATE, { i: { description: "two", expectedRevision: revision } });
    const events = (await eventsArrive(s, before + 2)).slice(before);
    expect(events.map((e) => [e.type, e.version])).toEqual([
      ["UPDATED", 1],
      ["UPDATED", 1],
    ]);
    expect(events.at(-1)!.model).toMatchObject({ revision: revision + 1, description: "two" });
  });

  test("a refused create (taken version, lost race) emits nothing; the winner emits one event", async () => {
    const s = sub(gw.origin, { name: "race" });
    await untilLive(s, () => create({ name: "race" }));
    const taken = (await create({ name: "race" })).data.createModel.version;
    const refused = await create({ name: "race", version: taken });
    expect(refused.errors?.[0]?.extensions?.code).toBe("ALREADY_EXISTS");
    const racers = await Promise.all(Array.from({ length: 5 }, () => create({ name: "race", version: 1000 })));
    expect(racers.filter((r) => !r.errors)).toHaveLength(1);
    await create({ name: "race", version: 1001 });
    const events = await eventsArrive(s, 3);
    expect(events.map((e) => [e.type, e.version])).toEqual([
      ["CREATED", taken],
      ["CREATED", 1000],
      ["CREATED", 1001],
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.events).toHaveLength(3);
  });

  test("a subscription without a name gets every model of its project, and nothing of another project", async () => {
    const all = sub(gw.origin, {});
    await untilLive(all, () => create({ name: "probe" }));
    await create({ name: "elsewhere", project: "other" });
    await create({ name: "whole-project-a" });
    await create({ name: "whole-project-b" });
    const names = (await eventsArrive(all, 2)).map((e) => e.name).filter((n) => n !== "probe");
    await new Promise((r) => setTimeout(r, 300));
    expect(names).toEqual(["whole-project-a", "whole-project-b"]);
    expect(all.events.every((e) => e.project === "default")).toBe(true);
  });

  test("bad input gets typed errors: unknown project, invalid name, wrong variable, queries over the socket, too many", async () => {
    for (const s of subscribers) await s.close();
    await expect.poll(() => gw.gateway.openSubscriptions(), { timeout: 10_000 }).toBe(0);
    const unknown = sub(gw.origin, { project: "no-such-project" });
    const invalid = sub(gw.origin, { name: "bad name!" });
    // The strings every other argument refuses: NUL, control characters, lone surrogates, far too long
    // (yet within a socket message's 64 KiB: a longer message closes its connection, subscriptions-hostile.test.ts).
    const hostile = ["a\u0000b", "a\u001b[31m", "a\u202eb", "\ud800", "x".repeat(60_000)].map((name) => sub(gw.origin, { name }));
    const hostileProject = sub(gw.origin, { project: "p\u0000" });
    await Promise.all([unknown.done, invalid.done, hostileProject.done, ...hostile.map((s) => s.done)]);
    expect(unknown.errors.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
    expect(invalid.errors.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([["BAD_USER_INPUT", "name"]]);
    for (const s of [...hostile, hostileProject]) {
      expect(s.errors.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
      expect(s.events).toEqual([]);
    }

    const wrongType = subscribe(gw.origin, {}, { selection: "type" });
    const query = wrongType.client.iterate({ query: `{ __typename }` });
    await expect(query.next()).rejects.toEqual([expect.objectContaining({ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })]);
    const variable = wrongType.client.iterate({
      query: `subscription($n: String) { modelEvents(name: $n) { type } }`,
      variables: { n: 5 },
    });
    expect((await variable.next()).value).toMatchObject({ errors: [{ extensions: { code: "BAD_USER_INPUT" } }] });
    await wrongType.close();

    // The limit per key (5 here; anonymous callers count as one key).
    const held = Array.from({ length: 5 }, () => sub(gw.origin, { name: "held" }));
    await untilLive(held[4]!, () => create({ name: "held" }));
    // All five are set up on the server (each subscribe is its own round trip) before the sixth asks.
    await expect.poll(() => gw.gateway.openSubscriptions(), { timeout: 10_000 }).toBe(5);
    const refused = sub(gw.origin, { name: "held" });
    await refused.done;
    expect(refused.errors.map((e) => e.extensions?.code)).toEqual(["TOO_MANY_REQUESTS"]);
    for (const s of held) await s.close();
    // Closing the client ends the subscriptions on the server too.
    await expect.poll(() => gw.gateway.openSubscriptions(), { timeout: 10_000 }).toBe(0);
  });

  test("a subscribe reusing an id the client completed mid-set-up closes the connection (4409) and leaves no subscription behind", async () => {
    for (const s of subscribers) await s.close();
    await expect.poll(() => gw.gateway.openSubscriptions(), { timeout: 10_000 }).toBe(0);
    const { default: WebSocket } = await import("ws");
    const subscribeA = JSON.stringify({
      id: "a",
      type: "subscribe",
      payload: { query: `subscription { modelEvents(name: "reused") { type } }` },
    });
    // More races than the per-key cap (5): each left one subscription for good before.
    for (let i = 0; i < 7; i++) {
      const ws = new WebSocket(`${gw.origin.replace("http", "ws")}/graphql`, "graphql-transport-ws");
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      ws.send(JSON.stringify({ type: "connection_init" }));
      await new Promise((resolve) => ws.once("message", resolve));
      const closed = new Promise<number>((resolve) => ws.once("close", resolve));
      // In one write: the second subscribe arrives while the first is still being set up.
      ws.send(subscribeA);
      ws.send(JSON.stringify({ id: "a", type: "complete" }));
      ws.send(subscribeA);
      expect(await closed).toBe(4409);
    }
    await expect.poll(() => gw.gateway.openSubscriptions(), { timeout: 10_000 }).toBe(0);
    const fresh = sub(gw.origin, { name: "reused" });
    await untilLive(fresh, () => create({ name: "reused" }));
    expect(fresh.errors).toEqual([]);
    await fresh.close();
  });

  test("a malformed WebSocket frame closes its connection without a word on the console", async () => {
    const { default: net } = await import("node:net");
    const printed = vi.spyOn(console, "error");
    try {
      for (const frame of [
        [0x81, 0x02, 0x7b, 0x7d] /* unmasked */,
        [0x8f, 0x80, 0, 0, 0, 0] /* unknown opcode */,
      ]) {
        const socket = net.connect(Number(new URL(gw.origin).port), "127.0.0.1");
        const key = "dGhlIHNhbXBsZSBub25jZQ==";
        socket.write(
          `GET /graphql HTTP/1.1\r\nHost: ${new URL(gw.origin).host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`,
        );
        let upgraded = false;
        socket.on("data", (data) => {
          if (upgraded) return;
          upgraded = true;
          expect(data.toString("latin1")).toMatch(/^HTTP\/1\.1 101/);
          socket.write(Buffer.from(frame));
        });
        await new Promise((resolve) => socket.once("close", resolve));
        expect(upgraded).toBe(true);
      }
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });

  test("pruning old events never lets a sequence number come back (a reader's cursor stays valid)", async () => {
    await create({ name: "pruned" });
    const before = await gw.storage.events.latestSeq();
    expect(await gw.storage.events.prune(new Date(Date.now() + 60_000))).toBeGreaterThan(0);
    expect(await gw.storage.events.readAfter(0, 10)).toEqual([]);
    await create({ name: "pruned" });
    const [after] = await gw.storage.events.readAfter(before, 10);
    expect(after).toMatchObject({ type: "CREATED", name: "pruned", project: "default", version: 2 });
    expect(after!.seq).toBeGreaterThan(before);
  });

  test("an HTTP subscription is refused with a pointer to the WebSocket", async () => {
    const res = await gw.gql(`subscription { modelEvents { type } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(res.errors?.[0]?.message).toContain("ws://host:port/graphql");
  });

  test("a browser page of a foreign origin cannot open the socket (WebSockets bypass CORS)", async () => {
    const { default: WebSocket } = await import("ws");
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${gw.origin.replace("http", "ws")}/graphql`, "graphql-transport-ws", { origin: "http://evil.example" });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
      ws.on("error", () => {});
    });
    expect(status).toBe(403);
  });
});

describe("the embedded store polls for other processes' events only while someone subscribes", () => {
  let gw: TestGateway;
  let reads = 0;
  beforeAll(async () => {
    gw = await startTestGateway({
      log: (event) => {
        if (event.level === "query" && /^select .* from "events"/i.test(event.query.sql)) reads++;
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  test("no reads of the event log with no subscriber; reads every poll with one; none again once it left", async () => {
    const quiet = async () => {
      reads = 0;
      await new Promise((r) => setTimeout(r, 500));
      return reads;
    };
    expect(await quiet()).toBe(0);
    const s = subscribe(gw.origin, {});
    await untilLive(s, () => gw.gql(CREATE, { i: { name: "polled" } }));
    expect(await quiet()).toBeGreaterThanOrEqual(2); // 500 ms at the default 200 ms
    await s.close();
    await expect.poll(() => gw.gateway.openSubscriptions()).toBe(0);
    expect(await quiet()).toBe(0);
  });
});

describe("events and API keys", () => {
  const admin = generateKey();
  let gw: TestGateway;
  const keys: Record<string, { token: string; id: string }> = {};
  const subscribers: Subscriber[] = [];
  const as = (token: string) => (query: string, variables?: Record<string, unknown>) => gw.gql(query, variables, bearer(token));

  beforeAll(async () => {
    gw = await startTestGateway({ config: { adminKey: admin.token, subscriptionRecheckMs: 200 } });
    for (const project of ["team-a", "team-b"])
      await as(admin.token)(`mutation($n: String!) { createProject(name: $n) { name } }`, { n: project });
    for (const [who, project, role] of [
      ["writerA", "team-a", "WRITE"],
      ["readerA", "team-a", "READ"],
      ["readerB", "team-b", "READ"],
    ] as const) {
      const res = await as(admin.token)(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }`, {
        i: { name: who, grants: [{ project, role }] },
      });
      keys[who] = { token: res.data.createApiKey.secret, id: res.data.createApiKey.apiKey.id };
    }
  });
  afterAll(async () => {
    for (const s of subscribers) await s.close();
    await gw?.close();
  });
  const sub = (...args: Parameters<typeof subscribe>) => {
    const s = subscribe(...args);
    subscribers.push(s);
    return s;
  };
  const createIn = (name: string) => as(keys.writerA!.token)(CREATE, { i: { name, project: "team-a" } });

  test("a key without read on the project is refused FORBIDDEN and gets no events; no key at all is UNAUTHENTICATED", async () => {
    const reader = sub(gw.origin, { project: "team-a" }, { apiKey: keys.readerA!.token });
    const forbidden = sub(gw.origin, { project: "team-a" }, { apiKey: keys.readerB!.token });
    const anonymous = sub(gw.origin, { project: "team-a" });
    const wrongKey = sub(gw.origin, { project: "team-a" }, { apiKey: generateKey().token });
    await Promise.all([forbidden.done, anonymous.done, wrongKey.done]);
    expect(forbidden.errors.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect(anonymous.errors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(wrongKey.errors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    await untilLive(reader, () => createIn("guarded"));
    await createIn("guarded");
    await eventsArrive(reader, 1);
    expect([forbidden, anonymous, wrongKey].map((s) => s.events.length)).toEqual([0, 0, 0]);
  });

  test("the key may come in the upgrade request's Authorization header", async () => {
    const s = sub(gw.origin, { project: "team-a", name: "by-header" }, { apiKey: keys.readerA!.token, headerKey: true });
    await untilLive(s, () => createIn("by-header"));
    expect(s.errors).toEqual([]);
  });

  test("revoking the key ends its subscription with UNAUTHENTICATED (within the recheck interval)", async () => {
    const { token, id } = keys.readerA!;
    const s = sub(gw.origin, { project: "team-a", name: "revoked" }, { apiKey: token });
    await untilLive(s, () => createIn("revoked"));
    const revoked = Date.now();
    await as(admin.token)(`mutation($id: String!) { revokeApiKey(id: $id) { id } }`, { id });
    await s.done;
    expect(Date.now() - revoked).toBeLessThan(5_000);
    expect(s.errors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    await createIn("revoked");
    await new Promise((r) => setTimeout(r, 300));
    expect(s.events).toEqual([]);
  });
});

describe("subscribes are charged to the HTTP routes' limits", () => {
  const admin = generateKey();
  let gw: TestGateway;
  const subscribers: Subscriber[] = [];
  beforeAll(async () => {
    gw = await startTestGateway({ config: { adminKey: admin.token, authFailureLimit: 2, rateLimit: 4 } });
  });
  afterAll(async () => {
    for (const s of subscribers) await s.close();
    await gw?.close();
  });
  const codesOf = async (s: Subscriber) => {
    await s.done;
    return s.errors.map((e) => e.extensions?.code);
  };

  test("refused keys count as failed logins of the address: past the budget they answer TOO_MANY_REQUESTS", async () => {
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const s = subscribe(gw.origin, { project: "default" }, { apiKey: generateKey().token });
      subscribers.push(s);
      codes.push(...(await codesOf(s)));
    }
    expect(codes).toEqual(["UNAUTHENTICATED", "UNAUTHENTICATED", "TOO_MANY_REQUESTS"]);
    // The address's budget is the one HTTP uses too.
    const res = await gw.gql(`{ __typename }`, undefined, bearer(generateKey().token));
    expect(res.errors?.[0]?.extensions?.code ?? res.status).toBe("TOO_MANY_REQUESTS");
  });

  test("each subscribe is a request of the key's rate limit", async () => {
    const codes: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const s = subscribe(gw.origin, { project: "default", name: "limited" }, { apiKey: admin.token });
      subscribers.push(s);
      // A subscription that is accepted stays open; one refused ends with its error.
      const ended = await Promise.race([s.done.then(() => true), new Promise((r) => setTimeout(() => r(false), 500))]);
      codes.push(ended ? s.errors[0]?.extensions?.code : "OPEN");
    }
    expect(codes.filter((c) => c === "TOO_MANY_REQUESTS").length).toBeGreaterThanOrEqual(1);
    expect(codes.slice(0, 4)).toEqual(["OPEN", "OPEN", "OPEN", "OPEN"]);
    expect(codes[4]).toBe("TOO_MANY_REQUESTS");
  });
});

describe("shutting down with a WebSocket client that never answers", () => {
  test("a socket silent after its upgrade does not hold the gateway's close past a second or so", async () => {
    const gw = await startTestGateway({ config: { shutdownGraceMs: 3000 } });
    const { default: net } = await import("node:net");
    const socket = net.connect(Number(new URL(gw.origin).port), "127.0.0.1");
    socket.on("error", () => {});
    socket.write(
      `GET /graphql HTTP/1.1\r\nHost: ${new URL(gw.origin).host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`,
    );
    await new Promise((resolve) => socket.once("data", resolve));
    // The client reads nothing more and never answers the close frame (ws would wait 30 s for it).
    socket.pause();
    const started = Date.now();
    await gw.close();
    expect(Date.now() - started).toBeLessThan(3000);
    socket.destroy();
  });
});

describe("an event's version is read once for all its subscribers", () => {
  let gw: TestGateway;
  let reads = 0;
  beforeAll(async () => {
    gw = await startTestGateway({
      log: (event) => {
        if (event.level === "query" && /^select .* from "models"/i.test(event.query.sql)) reads++;
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  test("20 subscribers asking the same parts of `model` make one read of each version, not 20, and each answer is whole", async () => {
    const selection = `type version model { version metrics { key value } inputExample }`;
    const subscribers = Array.from({ length: 20 }, () => subscribe(gw.origin, { name: "shared" }, { selection }));
    try {
      for (const s of subscribers) await untilLive(s, () => gw.gql(CREATE, { i: { name: "shared" } }));
      const latest = (await gw.gql(`{ models(name: "shared", first: 1) { nodes { version } } }`)).data.models.nodes[0].version;
      reads = 0;
      for (let i = 1; i <= 5; i++) {
        await gw.gql(CREATE, { i: { name: "shared", metrics: [{ key: "acc", value: i }], inputExample: { i } } });
      }
      for (const s of subscribers) {
        // Past the warm-up's versions (another subscriber's warm-up may still arrive).
        const ours = () => s.events.filter((e) => e.version > latest);
        await expect.poll(() => ours().length, { timeout: 15_000 }).toBe(5);
        expect(ours().map((e) => [e.version, e.model.metrics, e.model.inputExample])).toEqual(
          [1, 2, 3, 4, 5].map((i) => [latest + i, [{ key: "acc", value: i }], { i }]),
        );
      }
      // The creates' own statements, and one read per version for the 20 subscribers (each read again: 100).
      expect(reads).toBeLessThan(20);
    } finally {
      for (const s of subscribers) await s.close();
    }
  });
});
