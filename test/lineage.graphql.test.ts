import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const HEX64 = "0123456789abcdef".repeat(4);

/** Lineage over GraphQL: the round trip, both directions, hostile input, and the cost model. */
describe("lineage over GraphQL", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
    expect((await gw.upload({ name: "base", version: 1, description: "the base" }, { "w.bin": "base" })).errors).toBeUndefined();
  });
  afterAll(() => gw?.close());

  const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

  test("createModel stores lineage; Model.lineage and derivedModels read it both ways", async () => {
    const lineage = {
      trainingDataset: { name: "squad", version: "v2", uri: "hf://datasets/squad", digest: `sha256:${HEX64}` },
      run: { id: "a1b2c3", uri: "runs:/a1b2c3/model" },
      program: { gitCommit: "0123abc", entryPoint: "train.py", repository: "https://github.com/org/repo" },
      environment: "requirements.txt",
      parents: [{ name: "base", version: 1 }],
    };
    const created = await gw.upload(
      { name: "child", lineage },
      { "w.bin": "child", "requirements.txt": "torch" },
      "version lineage { environment }",
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createModel).toEqual({ version: 1, lineage: { environment: "requirements.txt" } });

    const res = await gw.gql(`{
      model(name: "child", version: 1) {
        lineage {
          trainingDataset { name version uri digest }
          run { id uri }
          program { gitCommit entryPoint repository }
          environment
          parents { project name version model { version description } }
        }
      }
      base: model(name: "base", version: 1) {
        lineage { environment }
        derivedModels(first: 10) { nodes { name version lineage { parents { name } } } pageInfo { hasNextPage endCursor } }
      }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.model.lineage).toEqual({
      ...lineage,
      parents: [{ project: "default", name: "base", version: 1, model: { version: 1, description: "the base" } }],
    });
    expect(res.data.base.lineage).toBeNull();
    expect(res.data.base.derivedModels.nodes).toEqual([{ name: "child", version: 1, lineage: { parents: [{ name: "base" }] } }]);
    expect(res.data.base.derivedModels.pageInfo.hasNextPage).toBe(false);

    // updateModel replaces it whole; a deleted parent keeps its reference with model null.
    await gw.upload({ name: "base2", version: 1 }, { "w.bin": "b2" });
    const edited = await gw.gql(
      `mutation { updateModel(name: "child", version: 1, input: { lineage: { parents: [{ name: "base2", version: 1 }] } }) {
        revision lineage { run { id } environment parents { name model { version } } } } }`,
    );
    expect(edited.errors).toBeUndefined();
    expect(edited.data.updateModel).toEqual({
      revision: 2,
      lineage: { run: null, environment: null, parents: [{ name: "base2", model: { version: 1 } }] },
    });
    expect((await gw.gql(`mutation { deleteModel(name: "base2", version: 1) }`)).errors).toBeUndefined();
    const after = await gw.gql(`{ model(name: "child", version: 1) { lineage { parents { name version model { version } } } } }`);
    expect(after.data.model.lineage.parents).toEqual([{ name: "base2", version: 1, model: null }]);
  });

  test("a missing parent is NOT_FOUND over GraphQL, and nothing is stored", async () => {
    const res = await gw.upload({ name: "victim", lineage: { parents: [{ name: "nobody", version: 3 }] } }, { "w.bin": "x" });
    expect(codeOf(res)).toBe("NOT_FOUND");
    expect(res.errors![0]!.message).toBe("parent model version default/nobody@3 not found");
  });

  describe("hostile lineage is BAD_USER_INPUT and stores nothing", () => {
    afterEach(async () => {
      const res = await gw.gql(`{ models(name: "victim") { totalCount } }`);
      expect(res.data).toEqual({ models: { totalCount: 0 } });
    });

    const parents = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `p${i}`, version: 1 }));
    const cases: [string, Record<string, unknown>][] = [
      ["empty data set name", { trainingDataset: { name: "" } }],
      ["blank data set name", { trainingDataset: { name: "   " } }],
      ["data set name with NUL", { trainingDataset: { name: "a\u0000b" } }],
      ["data set name with an escape sequence", { trainingDataset: { name: "\u001b[31mred" } }],
      ["data set name with a bidi override", { trainingDataset: { name: "abc\u202edef" } }],
      ["data set name with a lone surrogate", { trainingDataset: { name: "a\ud800" } }],
      ["257-character data set name", { trainingDataset: { name: "d".repeat(257) } }],
      ["data set version with a newline", { trainingDataset: { name: "d", version: "1\n2" } }],
      ["javascript: URI", { trainingDataset: { name: "d", uri: "javascript:alert(1)" } }],
      ["data: URI", { trainingDataset: { name: "d", uri: "data:text/html,<script>" } }],
      ["URI without a scheme", { trainingDataset: { name: "d", uri: "bucket/data" } }],
      ["URI with a space", { trainingDataset: { name: "d", uri: "s3://bucket/my data" } }],
      ["URI with a NUL", { trainingDataset: { name: "d", uri: "s3://bucket/\u0000" } }],
      ["2049-character URI", { trainingDataset: { name: "d", uri: `s3://b/${"x".repeat(2042)}` } }],
      ["malformed https URL", { trainingDataset: { name: "d", uri: "https://[::1" } }],
      ["digest too short", { trainingDataset: { name: "d", digest: "sha256:abc" } }],
      ["digest of the wrong length for its algorithm", { trainingDataset: { name: "d", digest: `md5:${HEX64}` } }],
      ["digest not hex", { trainingDataset: { name: "d", digest: `sha256:${"g".repeat(64)}` } }],
      ["digest without algorithm", { trainingDataset: { name: "d", digest: HEX64 } }],
      ["digest of an unknown algorithm", { trainingDataset: { name: "d", digest: `crc32:${HEX64}` } }],
      ["digest with a second colon", { trainingDataset: { name: "d", digest: `sha256:${HEX64}:x` } }],
      ["empty run id", { run: { id: "" } }],
      ["run id with a tab", { run: { id: "a\tb" } }],
      ["257-character run id", { run: { id: "r".repeat(257) } }],
      ["run URI javascript:", { run: { id: "r", uri: "JavaScript:alert(1)" } }],
      ["6-digit git commit", { program: { gitCommit: "abc123" } }],
      ["65-digit git commit", { program: { gitCommit: "a".repeat(65) } }],
      ["git commit that is a ref", { program: { gitCommit: "HEAD" } }],
      ["git commit not hex", { program: { gitCommit: "z".repeat(40) } }],
      ["1025-character entry point", { program: { entryPoint: "e".repeat(1025) } }],
      ["entry point with a carriage return", { program: { entryPoint: "train.py\rrm -rf" } }],
      ["repository with a bad scheme", { program: { repository: "vbscript:x" } }],
      ["scp-like repository with a space", { program: { repository: "git@host:org/my repo" } }],
      ["environment that escapes", { environment: "../requirements.txt" }],
      ["absolute environment", { environment: "/etc/passwd" }],
      ["empty environment", { environment: "" }],
      ["environment with NUL", { environment: "req\u0000.txt" }],
      ["environment that is not a file of the version", { environment: "conda.yaml" }],
      ["17 parents", { parents: parents(17) }],
      [
        "a parent twice",
        {
          parents: [
            { name: "base", version: 1 },
            { name: "base", version: 1, project: "default" },
          ],
        },
      ],
      ["itself as parent", { parents: [{ name: "victim", version: 1 }] }],
      ["parent name with a slash", { parents: [{ name: "a/b", version: 1 }] }],
      ["parent name in full-width letters", { parents: [{ name: "ｂａｓｅ", version: 1 }] }],
      ["parent version 0", { parents: [{ name: "base", version: 0 }] }],
      ["parent project that escapes", { parents: [{ name: "base", version: 1, project: "../x" }] }],
      ["parent project with NUL", { parents: [{ name: "base", version: 1, project: "a\u0000" }] }],
    ];

    test.each(cases)("%s", async (_, lineage) => {
      const res = await gw.upload({ name: "victim", version: 1, lineage }, { "w.bin": "victim", "requirements.txt": "x" });
      expect(codeOf(res)).toBe("BAD_USER_INPUT");
      expect(res.errors![0]!.message).not.toMatch(/Internal|undefined|\u0000/);
      expect(String(res.errors![0]!.extensions!.field)).toMatch(/^input\.lineage/);
    });

    test.each([
      ["lineage as an array", [1]],
      ["lineage as a string", "base@1"],
      ["parents as a string", { parents: "base@1" }],
      ["parent version as a string", { parents: [{ name: "base", version: "1" }] }],
      ["parent version 2^31", { parents: [{ name: "base", version: 2 ** 31 }] }],
      ["run without id", { run: { uri: "https://x" } }],
      ["data set without name", { trainingDataset: { version: "1" } }],
      ["environment as a number", { environment: 7 }],
      ["an unknown field", { mood: "happy" }],
    ])("%s → BAD_USER_INPUT from variable coercion", async (_, lineage) => {
      const res = await gw.gql(`mutation($input: CreateModelInput!) { createModel(input: $input) { version } }`, {
        input: { name: "victim", lineage },
      });
      expect(res.status).toBe(400);
      expect(codeOf(res)).toBe("BAD_USER_INPUT");
    });

    test("an edit with hostile lineage changes nothing", async () => {
      const before = await gw.gql(`{ model(name: "base", version: 1) { revision lineage { environment } } }`);
      for (const lineage of [{ environment: "../x" }, { parents: [{ name: "base", version: 1 }] }, { program: { gitCommit: "xyz" } }]) {
        const res = await gw.gql(
          `mutation($l: LineageInput!) { updateModel(name: "base", version: 1, input: { lineage: $l }) { revision } }`,
          {
            l: lineage,
          },
        );
        expect(codeOf(res)).toBe("BAD_USER_INPUT");
      }
      expect(await gw.gql(`{ model(name: "base", version: 1) { revision lineage { environment } } }`)).toEqual(before);
    });
  });

  test("derivedModels' arguments: hostile first and after are BAD_USER_INPUT", async () => {
    const listing = await gw.gql(`{ models(name: "base", first: 1) { pageInfo { endCursor } } }`);
    const foreign = listing.data.models.pageInfo.endCursor as string;
    const bad: [string, Record<string, unknown>][] = [
      ["first -1", { first: -1 }],
      ["first 501", { first: 501 }],
      ["after garbage", { after: "not a cursor!" }],
      ["after with NUL", { after: "abc\u0000" }],
      ["after huge", { after: "A".repeat(100_000) }],
      ["after of a models listing", { after: foreign }],
      ["after of another parent", { after: Buffer.from(JSON.stringify({ r: "default/other@1", i: 1 })).toString("base64url") }],
      ["after with a negative id", { after: Buffer.from(JSON.stringify({ r: "default/base@1", i: -5 })).toString("base64url") }],
    ];
    for (const [what, variables] of bad) {
      const res = await gw.gql(
        `query($first: Int, $after: String) { model(name: "base", version: 1) { derivedModels(first: $first, after: $after) { nodes { version } } } }`,
        variables,
      );
      expect(codeOf(res), what).toBe("BAD_USER_INPUT");
    }
    const wrongType = await gw.gql(`{ model(name: "base", version: 1) { derivedModels(first: "ten") { nodes { version } } } }`);
    expect(codeOf(wrongType)).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  test("Query.derivedModels lists a version's children by reference, paged, after the version was deleted too", async () => {
    await gw.upload({ name: "gone", version: 1 }, { "w.bin": "gone" });
    for (let i = 1; i <= 3; i++) {
      const created = await gw.upload({ name: `kid-${i}`, lineage: { parents: [{ name: "gone", version: 1 }] } }, { "w.bin": `kid ${i}` });
      expect(created.errors).toBeUndefined();
    }
    const PAGE = `query($after: String) {
      derivedModels(name: "gone", version: 1, first: 2, after: $after) { nodes { name version } pageInfo { hasNextPage endCursor } }
    }`;
    const read = async () => {
      const first = await gw.gql(PAGE);
      expect(first.errors).toBeUndefined();
      const second = await gw.gql(PAGE, { after: first.data.derivedModels.pageInfo.endCursor });
      expect(second.errors).toBeUndefined();
      expect(first.data.derivedModels.pageInfo.hasNextPage).toBe(true);
      expect(second.data.derivedModels.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
      return [...first.data.derivedModels.nodes, ...second.data.derivedModels.nodes].map((n: { name: string }) => n.name);
    };
    expect(await read()).toEqual(["kid-1", "kid-2", "kid-3"]);
    // The same page as Model.derivedModels, whose cursor it takes.
    const viaModel = await gw.gql(`{ model(name: "gone", version: 1) { derivedModels(first: 2) { pageInfo { endCursor } } } }`);
    const onward = await gw.gql(PAGE, { after: viaModel.data.model.derivedModels.pageInfo.endCursor });
    expect(onward.data.derivedModels.nodes).toEqual([{ name: "kid-3", version: 1 }]);

    expect((await gw.gql(`mutation { deleteModel(name: "gone", version: 1) }`)).errors).toBeUndefined();
    expect(await read()).toEqual(["kid-1", "kid-2", "kid-3"]);
    // A version nobody names (never registered, say) has no children: an empty page, not an error.
    const none = await gw.gql(`{ derivedModels(name: "never", version: 7) { nodes { name } pageInfo { hasNextPage endCursor } } }`);
    expect(none.data.derivedModels).toEqual({ nodes: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  test("Query.derivedModels' hostile arguments are typed refusals", async () => {
    const cursor = Buffer.from(JSON.stringify({ r: "default/other@1", i: 1 })).toString("base64url");
    const bad: [string, Record<string, unknown>, string][] = [
      ["version 0", { version: 0 }, "BAD_USER_INPUT"],
      ["version -1", { version: -1 }, "BAD_USER_INPUT"],
      ["version 2^31", { version: 2 ** 31 }, "BAD_USER_INPUT"],
      ["version as text", { version: "1" }, "BAD_USER_INPUT"],
      ["name with NUL", { name: "base\u0000" }, "BAD_USER_INPUT"],
      ["name of 10,000", { name: "n".repeat(10_000) }, "BAD_USER_INPUT"],
      ["name with a slash", { name: "../base" }, "BAD_USER_INPUT"],
      ["project with NUL", { project: "default\u0000" }, "BAD_USER_INPUT"],
      ["first -1", { first: -1 }, "BAD_USER_INPUT"],
      ["first 501", { first: 501 }, "BAD_USER_INPUT"],
      ["after garbage", { after: "not a cursor!" }, "BAD_USER_INPUT"],
      ["after huge", { after: "A".repeat(100_000) }, "BAD_USER_INPUT"],
      ["after of another parent", { after: cursor }, "BAD_USER_INPUT"],
    ];
    for (const [what, variables, code] of bad) {
      const res = await gw.gql(
        `query($project: String, $name: String!, $version: Int!, $first: Int, $after: String) {
          derivedModels(project: $project, name: $name, version: $version, first: $first, after: $after) { nodes { version } }
        }`,
        { name: "base", version: 1, ...variables },
      );
      expect(codeOf(res), what).toBe(code);
      expect(res.data ?? null, what).toBeNull();
    }
  });

  test("the cost model charges derivedModels as a page and ModelParent.model as a statement per parent", async () => {
    const nested = await gw.gql(`{ models(name: "base", first: 500) { nodes { derivedModels(first: 500) { nodes { version } } } } }`);
    expect(nested.errors?.[0]?.message).toMatch(/Query Cost limit/);
    const parents = await gw.gql(
      `{ models(name: "child", first: 500) { nodes { lineage { parents { model { lineage { parents { model { version } } } } } } } } }`,
    );
    expect(parents.errors?.[0]?.message).toMatch(/Query Cost limit/);
    const small = await gw.gql(`{ models(name: "base", first: 20) { nodes { derivedModels(first: 10) { nodes { version } } } } }`);
    expect(small.errors).toBeUndefined();
  });
});
