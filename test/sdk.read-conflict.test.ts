import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection } from "@homer/sdk";
import { BACKENDS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { stepAtNextCall } from "./support/step-at-call.js";

const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;

/**
 * A read that meets a version deleted or replaced between its page and the page's large
 * columns answers CONFLICT ("ask again"): the SDK asks again, and reads the versions as they are now.
 */
describe.each(BACKENDS)("the SDK's reads across a version deleted mid-answer on %s", (backend) => {
  let gw: TestGateway;
  /** Runs once a page (or a version) has been read, before its large columns are. */
  let afterPage: ReturnType<typeof stepAtNextCall>;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
    afterPage = stepAtNextCall(gw.storage.metadata, "readLarge", "before");
    for (let v = 1; v <= 3; v++) {
      expect(
        (
          await gw.gql(CREATE, {
            i: { project: "rc", name: "m", inputExample: { v }, signature: { inputs: [{ name: `x${v}`, type: "double" }], outputs: [] } },
          })
        ).errors,
      ).toBeUndefined();
    }
  });
  afterAll(() => gw?.close());

  test("getModels, getModel and iterateModels answer the versions as they are now, not CONFLICT", async () => {
    const registry = await connection({ url: gw.url }).getModelRegistry("rc");
    afterPage.next(() => gw.storage.metadata.deleteModel({ project: "rc", name: "m", version: 2 }));
    const models = await registry.getModels({ name: "m" });
    expect(models.map((m) => [m.version, m.inputExample])).toEqual([
      [3, { v: 3 }],
      [1, { v: 1 }],
    ]);
    // One version, deleted between its statement and its large columns: asked again, it is gone.
    afterPage.next(() => gw.storage.metadata.deleteModel({ project: "rc", name: "m", version: 3 }));
    expect(await registry.getModel({ name: "m", version: 3 })).toBeNull();
    afterPage.next(() => gw.storage.metadata.deleteModel({ project: "rc", name: "m", version: 1 }));
    const seen = [];
    for await (const m of registry.iterateModels({ name: "m" })) seen.push(m.version);
    expect(seen).toEqual([]);
  });
});
