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

  test("a long description or tags edited between the page and their read answer CONFLICT, never the other text under the size charged; the SDK asks again and gets the edit", async () => {
    const edit = (version: number, input: Record<string, unknown>) => () =>
      gw.gql(`mutation($i: UpdateModelInput!) { updateModel(project: "rc", name: "e", version: ${version}, input: $i) { revision } }`, {
        i: input,
      });
    // Past INLINE_TEXT_BYTES (2 KiB), so read after the page: shorter ones come with it, as of its moment.
    const long = (text: string) => `${text} ${"·".repeat(1500)}`;
    for (let v = 1; v <= 2; v++) {
      const created = await gw.gql(CREATE, {
        i: { project: "rc", name: "e", description: long(`first ${v}`), tags: { v, pad: long("") } },
      });
      expect(created.errors).toBeUndefined();
    }
    afterPage.next(edit(2, { description: long("a description edited while the page was read") }));
    const raw = await gw.gql(`{ models(project: "rc", name: "e") { nodes { version description } } }`);
    expect(raw.errors?.map((e) => e.extensions?.code)).toEqual(["CONFLICT"]);
    expect(raw.errors![0]!.message).toMatch(/rc\/e@2.* was edited, deleted or replaced while this answer was being read: ask again/);
    expect(raw.data.models.nodes).toEqual([
      { version: 2, description: null },
      { version: 1, description: long("first 1") },
    ]);
    const registry = await connection({ url: gw.url }).getModelRegistry("rc");
    afterPage.next(edit(1, { mergeTags: { edited: [true] } }));
    const models = await registry.getModels({ name: "e" });
    expect(models.map((m) => [m.version, m.description, m.tags])).toEqual([
      [2, long("a description edited while the page was read"), { v: 2, pad: long("") }],
      [1, long("first 1"), { v: 1, pad: long(""), edited: [true] }],
    ]);
    // An edit that touches neither (metrics) still moves the revision: the read is asked again, and answers the same text.
    afterPage.next(edit(1, { addMetrics: [{ key: "acc", value: 0.5 }] }));
    const one = await registry.getModel({ name: "e", version: 1 });
    expect([one?.description, one?.tags, one?.metrics]).toEqual([long("first 1"), { v: 1, pad: long(""), edited: [true] }, { acc: 0.5 }]);
  });
});
