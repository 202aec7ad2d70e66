import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, type ModelEvent } from "@homer/sdk";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { stepAtNextCall } from "./support/step-at-call.js";
import type { ModelParts } from "../gateway/src/domain/records.js";

const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;

/**
 * An event's version is read as of one moment, large columns included: a version deleted
 * right after its event was read still arrives whole (or, read after the delete, as null),
 * never as a CONFLICT that ends the SDK's watch.
 */
describe.each(BACKENDS)("an event's version and its large columns on %s", (backend) => {
  let gw: TestGateway;
  /** Runs once a version has been read with its examples (or their sizes), before the read answers. */
  let afterRead: ReturnType<typeof stepAtNextCall>;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
    afterRead = stepAtNextCall(gw.storage.metadata, "getModel", "after", (_ref, parts: ModelParts | undefined) => !!parts?.examples);
  });
  afterAll(() => gw?.close());

  test("a version deleted while its CREATED event is read: the event carries it whole and the watch goes on", async () => {
    // The project exists before the watch asks for it.
    expect((await gw.gql(CREATE, { i: { project: "ev", name: "seed" } })).errors).toBeUndefined();
    const registry = await connection({ url: gw.url }).getModelRegistry("ev");
    const watch = registry.watch({ name: "racy" });
    const seen: ModelEvent[] = [];
    let failure: unknown;
    const loop = (async () => {
      try {
        for await (const event of watch) seen.push(event);
      } catch (error) {
        failure = error;
      }
    })();
    const version = (input: Record<string, unknown>) => ({ project: "ev", name: "racy", inputExample: input, tfMetaGraphTags: ["serve"] });
    // Versions until the watch is live (the server acknowledges no subscribe).
    let made = 0;
    for (let i = 0; seen.length === 0; i++) {
      if (i > 50) throw new Error(`watch never delivered an event: ${String(failure)}`);
      expect((await gw.gql(CREATE, { i: version({ warm: i }) })).errors).toBeUndefined();
      made++;
      const until = Date.now() + 300;
      while (seen.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    }
    while (seen.at(-1)!.version < made) await new Promise((r) => setTimeout(r, 10));
    const already = seen.length;
    const before = made;
    // The next version is deleted (through the store) as soon as its event has read it.
    afterRead.next(() => gw.storage.metadata.deleteModel({ project: "ev", name: "racy", version: before + 1 }));
    const created = await gw.gql(CREATE, { i: version({ racy: true }) });
    expect(created.errors).toBeUndefined();
    expect(created.data.createModel.version).toBe(before + 1);
    const until = Date.now() + 5000;
    while (seen.length < already + 2 && failure === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await watch.close();
    await loop;
    expect(failure).toBeUndefined();
    const [createdEvent, deletedEvent] = seen.slice(seen.length - 2);
    expect(createdEvent).toMatchObject({ type: "CREATED", version: before + 1 });
    expect(createdEvent!.model === null || createdEvent!.model.inputExample).toBeTruthy();
    if (createdEvent!.model) {
      expect(createdEvent!.model.inputExample).toEqual({ racy: true });
      expect(createdEvent!.model.tfMetaGraphTags).toEqual(["serve"]);
    }
    expect(deletedEvent).toMatchObject({ type: "DELETED", version: before + 1, model: null });
  });
});
