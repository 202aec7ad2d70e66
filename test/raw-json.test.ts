import fs from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RawJson, writeRawJson } from "../gateway/src/graphql/raw-json.js";
import { BACKENDS, makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/**
 * Values whose JSON text is easy to get wrong: escapes, lone surrogates, numbers JSON writes
 * its own way, `__proto__` (NULs and lone surrogates the gateway refuses in any stored string: the unit tests add them).
 */
const TRICKY: unknown[] = [
  { text: 'quote " backslash \\ newline \n tab \t bell \u0007 and "\\u0000" spelled out' },
  { emoji: "🧪 ünïcödé ✓", rtl: "\u202e", bmp: "\uffff\u2028\u2029" },
  [1e21, 0.1, -0, 5e-324, 1.7976931348623157e308, 123456789012345680000, -1.5],
  JSON.parse('{"__proto__": {"polluted": true}, "constructor": "x"}'),
  [[[[[]]]], {}, [{}], null, true, false, ""],
  "a string alone",
  42,
  null,
];

describe("RawJson: a JSON value answered as its stored text", () => {
  test("writeRawJson writes each RawJson as its text, wherever it is, and the whole is what JSON.stringify writes of the values", () => {
    for (const value of [...TRICKY, { nul: "\u0000", key: { "\u0000": 1 }, lone: "\ud800 and \udfff" }]) {
      const text = JSON.stringify(value);
      const tree = {
        data: { a: new RawJson(text), list: [new RawJson(text), 1, new RawJson(text)], deep: { b: { c: new RawJson(text) } } },
      };
      const parsed = JSON.parse(text) as unknown;
      const expected = JSON.stringify({ data: { a: parsed, list: [parsed, 1, parsed], deep: { b: { c: parsed } } } });
      expect(writeRawJson(tree), text).toBe(expected);
    }
  });

  test("outside writeRawJson a RawJson is its value: a subscription's event or any other JSON.stringify never sees a stand-in", () => {
    const raw = new RawJson('{"x":[1,{"y":"\\u0000"}]}');
    expect(JSON.stringify({ raw })).toBe('{"raw":{"x":[1,{"y":"\\u0000"}]}}');
  });

  test("a stored string shaped like a stand-in (a NUL, an id, a colon, an index) is written as the string it is", () => {
    const forged = [`\u0000${crypto.randomUUID()}:0`, "\u0000:0", `\u0000${"0".repeat(36)}:1`, "\u0000"];
    const tree = { forged, raw: new RawJson('"the raw one"'), after: forged };
    expect(writeRawJson(tree)).toBe(JSON.stringify({ forged, raw: "the raw one", after: forged }));
  });

  test("a tree with no RawJson is written by one JSON.stringify, and a RawJson written once does not leak into the next answer", () => {
    expect(writeRawJson({ data: { n: 1, s: "x" } })).toBe('{"data":{"n":1,"s":"x"}}');
    const raw = new RawJson("[1]");
    expect(writeRawJson([raw, raw])).toBe("[[1],[1]]");
    expect(writeRawJson({ plain: "\u0000" })).toBe('{"plain":"\\u0000"}');
    expect(JSON.stringify(raw)).toBe("[1]");
  });
});

for (const backend of BACKENDS) {
  describe(`JSON fields read after their page are answered as stored (${backend})`, () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startTestGateway({ backend });
      for (const [i, example] of TRICKY.entries()) {
        const res = await gw.gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`, {
          i: {
            name: "tricky",
            description: `"\\u0000${"0".repeat(36)}:0"`,
            inputExample: example,
            flavors: { python_function: { loader_module: "mlflow.sklearn", extra: example, i } },
          },
        });
        expect(res.errors, JSON.stringify(example)).toBeUndefined();
      }
    });
    afterAll(() => gw?.close());

    test("the answer's bytes are what JSON.stringify writes of the parsed values (escapes, surrogates, numbers, __proto__ keys)", async () => {
      const query = `{ models(name: "tricky", first: 100, direction: ASC) { nodes { version description inputExample flavors } } }`;
      const res = await fetch(gw.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
      const text = await res.text();
      const expected = {
        data: {
          models: {
            nodes: TRICKY.map((example, i) => ({
              version: i + 1,
              description: `"\\u0000${"0".repeat(36)}:0"`,
              inputExample: JSON.parse(JSON.stringify(example)) as unknown,
              flavors: { python_function: { loader_module: "mlflow.sklearn", extra: JSON.parse(JSON.stringify(example)) as unknown, i } },
            })),
          },
        },
      };
      expect(text).toBe(`${JSON.stringify(expected)}\n`);
    });

    test("an edit's answer, which reads its version whole and parsed, answers the same values as the page's stored text", async () => {
      const paged = await gw.gql(`{ models(name: "tricky", first: 100) { nodes { version inputExample flavors } } }`);
      expect(paged.data.models.nodes).toHaveLength(TRICKY.length);
      for (const node of paged.data.models.nodes as { version: number }[]) {
        const edited = await gw.gql(
          `mutation($d: String) { updateModel(name: "tricky", version: ${node.version}, input: { description: $d }) { version inputExample flavors } }`,
          { d: `"\\u0000${"0".repeat(36)}:0"` },
        );
        expect(edited.errors).toBeUndefined();
        expect(edited.data.updateModel).toEqual(node);
      }
    });
  });
}

describe("a page of input examples built to expand when parsed is answered within a small heap", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await makeTempDir("homer-raw-json-");
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test("100 versions of 256 KiB of [{},{},…] (about 560 MB as objects, 25 MB as text) answer whole from a gateway with a 192 MiB heap", async () => {
    const gw = await startChildGateway({ env: { HOMER_DATA_DIR: dataDir, NODE_OPTIONS: "--max-old-space-size=192" } });
    // 256 KiB of JSON: 87,000 empty objects, each about 64 bytes once parsed.
    const example = Array.from({ length: Math.floor((256 * 1024 - 2) / 3) }, () => ({}));
    const text = JSON.stringify(example);
    expect(text.length).toBeLessThanOrEqual(256 * 1024);
    for (let v = 1; v <= 100; v++) {
      const res = await fetch(`${gw.origin}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"query":"mutation($i: CreateModelInput!) { createModel(input: $i) { version } }","variables":{"i":{"name":"wide","inputExample":${text}}}}`,
      });
      expect(res.status, await res.text()).toBe(200);
    }
    const res = await fetch(`${gw.origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ models(name: "wide", first: 100) { nodes { version inputExample } } }` }),
    });
    const body = await res.text();
    expect(res.status).toBe(200);
    // Every example, whole: its text as registered, a hundred times.
    expect(body.length).toBeGreaterThan(100 * text.length);
    expect(body.split(`"inputExample":${text}}`)).toHaveLength(101);
    expect(gw.child.exitCode).toBeNull();
    gw.kill("SIGTERM");
    await gw.exited;
  }, 120_000);

  test("pages of long descriptions and tags built to expand when parsed ([{},…]) are refused past the budget, the tags never parsed, by a gateway with a 256 MiB heap", async () => {
    const gw = await startChildGateway({ env: { HOMER_DATA_DIR: dataDir, NODE_OPTIONS: "--max-old-space-size=256" } });
    // Each version: 60,000 characters of description and 60 KB of tags ({"t":[{},{},…]}), 1.3 MB once the tags are parsed.
    const description = "d".repeat(60_000);
    const tags = `{"t":${JSON.stringify(Array.from({ length: 20_000 }, () => ({})))}}`;
    for (let v = 1; v <= 300; v++) {
      const res = await fetch(`${gw.origin}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"query":"mutation($i: CreateModelInput!) { createModel(input: $i) { version } }","variables":{"i":{"name":"long","description":"${description}","tags":${tags}}}}`,
      });
      expect(res.status, await res.text()).toBe(200);
    }
    // Two requests of four pages of 300: 288 MB of stored text, about 3 GB with the tags parsed.
    // The budget (32 MiB an answer) takes about 270 versions' worth of each.
    const page = (alias: string) => `${alias}: models(name: "long", first: 300) { nodes { version description tags } }`;
    const answers = await Promise.all(
      [1, 2].map(() =>
        fetch(`${gw.origin}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: `{ ${page("a")} ${page("b")} ${page("c")} ${page("d")} }` }),
        }).then(async (res) => ({ status: res.status, body: (await res.json()) as { errors?: { extensions?: { code?: string } }[] } })),
      ),
    );
    for (const answer of answers) {
      // 413 when the refusal empties the answer (the tags are non-null), as for any PAYLOAD_TOO_LARGE.
      expect(answer.status, gw.output().slice(-2000)).toBe(413);
      expect(answer.body.errors?.map((e) => e.extensions?.code)).toContain("PAYLOAD_TOO_LARGE");
    }
    // Still serving, and a page within the budget answers its tags as registered.
    const small = await gw.gql(`{ models(name: "long", first: 2) { nodes { version tags } } }`);
    expect(small.errors).toBeUndefined();
    expect(small.data.models.nodes.map((n: { tags: unknown }) => JSON.stringify(n.tags))).toEqual([tags, tags]);
    expect(gw.child.exitCode).toBeNull();
    gw.kill("SIGTERM");
    await gw.exited;
  }, 180_000);
});
