import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection } from "@homer/sdk";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { stepAtNextCall } from "./support/step-at-call.js";

const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;

/**
 * updateModel answers the version as edited, read inside the edit's transaction, large
 * columns included: a delete that commits right after the edit never turns an applied edit
 * into a CONFLICT (which the SDK documents as "someone else edited it: nothing changed").
 */
describe.each(BACKENDS)("updateModel's answer and its large columns on %s", (backend) => {
  let gw: TestGateway;
  /** Runs once the edit has committed, before the mutation answers. */
  let afterEdit: ReturnType<typeof stepAtNextCall>;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
    afterEdit = stepAtNextCall(gw.storage.metadata, "updateModel", "after");
    const created = await gw.gql(CREATE, {
      i: { project: "up", name: "m", inputExample: { x: 1 }, signature: { inputs: [{ name: "a", type: "double" }], outputs: [] } },
    });
    expect(created.errors).toBeUndefined();
  });
  afterAll(() => gw?.close());

  test("an edit applied, then the version deleted before the answer is sent: the edit's answer is whole", async () => {
    const registry = await connection({ url: gw.url }).getModelRegistry("up");
    afterEdit.next(() => gw.storage.metadata.deleteModel({ project: "up", name: "m", version: 1 }));
    const edited = await registry.updateModel({ name: "m", version: 1, description: "edited", expectedRevision: 1 });
    expect(edited.description).toBe("edited");
    expect(edited.revision).toBe(2);
    expect(edited.inputExample).toEqual({ x: 1 });
    expect(edited.signature?.inputs.map((f) => f.name)).toEqual(["a"]);
    expect(await registry.getModel({ name: "m", version: 1 })).toBeNull();
  });
});
