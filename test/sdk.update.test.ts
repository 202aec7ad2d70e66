import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError, type ModelChanges, type ModelEvent, type ModelRegistry } from "@homer/sdk";
import { generateKey } from "../gateway/src/access/api-key.js";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;

/** model.update and registry.updateModel against a real gateway, on each metadata backend. */
describe.each(BACKENDS)("SDK edits on %s", (backend) => {
  const admin = generateKey();
  let gw: TestGateway;
  let mr: ModelRegistry;
  const create = async (input: Record<string, unknown>): Promise<number> => {
    const res = await gw.gql(CREATE, { i: input }, { authorization: `Bearer ${admin.token}` });
    expect(res.errors).toBeUndefined();
    return (res.data.createModel as { version: number }).version;
  };

  beforeAll(async () => {
    gw = await startTestGateway({ backend, config: { adminKey: admin.token } });
    mr = await connection({ url: gw.url, apiKey: admin.token }).getModelRegistry("default");
  });
  afterAll(async () => {
    await gw?.close();
  });

  test("model.update edits in place and returns the edited Model; the read object is unchanged", async () => {
    const version = await create({ name: "sdk-ed", description: "old", tags: { a: 1, b: 2 }, metrics: [{ key: "acc", value: 0.5 }] });
    const model = (await mr.getModel({ name: "sdk-ed", version }))!;
    expect(model).toMatchObject({ revision: 1, updatedBy: model.createdBy });
    expect(model.updatedAt).toEqual(model.createdAt);
    const edited = await model.update({ description: "new", mergeTags: { b: null, c: "x" }, addMetrics: { acc: 0.9, f1: 0.8 } });
    expect(edited).toMatchObject({ revision: 2, description: "new", tags: { a: 1, c: "x" }, metrics: { acc: 0.9, f1: 0.8 } });
    expect(edited.files).toEqual(model.files);
    expect(model.revision).toBe(1);
    const again = await edited.update({ removeMetrics: ["f1"], tags: { only: true } });
    expect(again).toMatchObject({ revision: 3, tags: { only: true }, metrics: { acc: 0.9 } });
    expect((await mr.getModel({ name: "sdk-ed", version }))!.revision).toBe(3);
  });

  test("an update from a stale Model is CONFLICT and changes nothing; force edits anyway", async () => {
    const version = await create({ name: "sdk-stale", description: "v1" });
    const alice = (await mr.getModel({ name: "sdk-stale", version }))!;
    const bob = (await mr.getModel({ name: "sdk-stale", version }))!;
    await alice.update({ description: "alice" });
    const refused = await bob.update({ description: "bob" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegistryError);
    expect(refused).toMatchObject({ code: "CONFLICT" });
    expect((await mr.getModel({ name: "sdk-stale", version }))!.description).toBe("alice");
    expect(await bob.update({ description: "bob", force: true })).toMatchObject({ description: "bob", revision: 3 });
    // registry.updateModel: no revision check unless asked for.
    expect(await mr.updateModel({ name: "sdk-stale", version, addMetrics: { acc: 1 } })).toMatchObject({ revision: 4 });
    await expect(mr.updateModel({ name: "sdk-stale", version, description: "x", expectedRevision: 3 })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  test("two SDK editors at once: one wins, one CONFLICT", async () => {
    const version = await create({ name: "sdk-race" });
    const model = (await mr.getModel({ name: "sdk-race", version }))!;
    const results = await Promise.allSettled([model.update({ mergeTags: { by: "one" } }), model.update({ mergeTags: { by: "two" } })]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ code: "CONFLICT" });
    expect((await mr.getModel({ name: "sdk-race", version }))!.revision).toBe(2);
  });

  test("bad input is BAD_USER_INPUT: metric values before sending, the rest from the server", async () => {
    const version = await create({ name: "sdk-bad", description: "kept" });
    await expect(mr.updateModel({ name: "sdk-bad", version, addMetrics: { acc: Number.NaN } })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      field: "addMetrics.acc",
    });
    const refused: ModelChanges[] = [
      { description: "a\u0000b" },
      { mergeTags: { "k\u0007": 1 } },
      { removeMetrics: ["no spaces"] },
      { tags: { a: 1 }, mergeTags: { b: 1 } },
      {},
    ];
    for (const changes of refused) {
      await expect(mr.updateModel({ name: "sdk-bad", version, ...changes })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    }
    await expect(mr.updateModel({ name: "sdk-bad", version: 99, description: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await mr.getModel({ name: "sdk-bad", version }))!).toMatchObject({ description: "kept", revision: 1 });
  });

  test("watch sees UPDATED with the edited model", async () => {
    const version = await create({ name: "sdk-watch" });
    const seen: ModelEvent[] = [];
    const watch = mr.watch({ name: "sdk-watch" });
    const loop = (async () => {
      for await (const event of watch) {
        seen.push(event);
        if (event.type === "UPDATED" && event.model?.description === "stop") break;
      }
    })();
    // The subscription is live once an edit shows up; edit until one does.
    for (let i = 0; seen.length === 0; i++) {
      if (i > 50) throw new Error("watch never delivered an event");
      await mr.updateModel({ name: "sdk-watch", version, mergeTags: { ping: i } });
      const until = Date.now() + 300;
      while (seen.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    }
    await mr.updateModel({ name: "sdk-watch", version, description: "stop" });
    await loop;
    expect(seen.every((e) => e.type === "UPDATED" && e.version === version)).toBe(true);
    expect(seen.at(-1)!.model).toMatchObject({ description: "stop", updatedBy: expect.any(String) });
    expect(seen.at(-1)!.model!.revision).toBeGreaterThan(seen[0]!.model!.revision);
  });

  test("over GraphQL, an omitted description is kept and null clears it, also once the operation runs compiled", async () => {
    const version = await create({ name: "gql-ed", description: "kept" });
    const UPDATE = `mutation($v: Int!, $i: UpdateModelInput!) { updateModel(name: "gql-ed", version: $v, input: $i) { description revision tags } }`;
    const asAdmin = { authorization: `Bearer ${admin.token}` };
    // The JIT executor compiles a document after it ran twice: five runs cover both paths.
    for (let i = 1; i <= 5; i++) {
      const res = await gw.gql(UPDATE, { v: version, i: { mergeTags: { run: i } } }, asAdmin);
      expect(res.data.updateModel).toEqual({ description: "kept", revision: i + 1, tags: { run: i } });
    }
    const cleared = await gw.gql(UPDATE, { v: version, i: { description: null } }, asAdmin);
    expect(cleared.data.updateModel).toMatchObject({ description: null, revision: 7 });
    const inline = await gw.gql(
      `mutation { updateModel(name: "gql-ed", version: ${version}, input: { description: "inline", expectedRevision: 7 }) { description revision updatedBy } }`,
      {},
      asAdmin,
    );
    expect(inline.data.updateModel).toMatchObject({ description: "inline", revision: 8 });
  });

  test("a read key and another project's key cannot edit: FORBIDDEN", async () => {
    const version = await create({ name: "sdk-guard", description: "kept" });
    const adminApi = await connection({ url: gw.url, apiKey: admin.token }).getAdmin();
    await adminApi.createProject("elsewhere");
    const reader = await adminApi.createApiKey({ name: "reader", grants: [{ project: "default", role: "read" }] });
    const other = await adminApi.createApiKey({ name: "other", grants: [{ project: "elsewhere", role: "write" }] });
    for (const key of [reader.secret, other.secret]) {
      const as = await connection({ url: gw.url, apiKey: key }).getModelRegistry("default");
      await expect(as.updateModel({ name: "sdk-guard", version, description: "changed" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    expect((await mr.getModel({ name: "sdk-guard", version }))!).toMatchObject({ description: "kept", revision: 1 });
  });
});
