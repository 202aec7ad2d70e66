import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { listBlobFiles } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { CREATE_MODEL, streamedCreateModel } from "./support/multipart.mjs";

const MAX_FILE = 64 * 1024;

describe("bad input gets a typed error and loses nothing", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { maxFileSize: MAX_FILE, maxFiles: 5, maxInputExampleBytes: 1024 } });
    // A model that must survive every bad request below.
    expect((await gw.upload({ name: "keep", version: 1 }, { "w.bin": "keep-me" })).errors).toBeUndefined();
  });
  afterAll(() => gw?.close());

  /** Nothing new became visible, nothing is left in staging, only keep's blob exists. */
  afterEach(async () => {
    const res = await gw.gql(`{ models(name: "victim") { totalCount } keep: model(name: "keep", version: 1) { version } }`);
    expect(res.data).toEqual({ models: { totalCount: 0 }, keep: { version: 1 } });
    expect(await fs.readdir(path.join(gw.storage.blobDir, ".staging"))).toEqual([]);
    expect(await listBlobFiles(gw.storage.blobDir)).toHaveLength(1);
  });

  const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

  const badInputs: [string, Record<string, unknown>][] = [
    ["empty name", { name: "" }],
    ["name starting with a dash", { name: "-victim" }],
    ["name with a slash", { name: "victim/x" }],
    ["name with a space", { name: "vic tim" }],
    ["129-character name", { name: "v".repeat(129) }],
    ["full-width lookalike name", { name: "ｖｉｃｔｉｍ" }],
    ["name with a NUL", { name: "victim\u0000" }],
    ["bad project", { name: "victim", project: "../other" }],
    ["version 0", { name: "victim", version: 0 }],
    ["negative version", { name: "victim", version: -3 }],
    ["bad metric key", { name: "victim", metrics: [{ key: "acc uracy", value: 1 }] }],
    [
      "duplicate metric key",
      {
        name: "victim",
        metrics: [
          { key: "acc", value: 1 },
          { key: "acc", value: 2 },
        ],
      },
    ],
    ["description too long", { name: "victim", description: "x".repeat(65_537) }],
    ["inputExample too large", { name: "victim", inputExample: { data: "x".repeat(2000) } }],
    ["tags too large", { name: "victim", tags: { blob: "x".repeat(70_000) } }],
    ["signature type not a type", { name: "victim", signature: { inputs: [{ type: "" }], outputs: [] } }],
    ["signature shape below -1", { name: "victim", signature: { inputs: [{ type: "float", shape: [-2] }], outputs: [] } }],
  ];

  test.each(badInputs)("%s → BAD_USER_INPUT (JSON request)", async (_, input) => {
    const res = await gw.gql(`mutation($input: CreateModelInput!) { createModel(input: $input) { version } }`, { input });
    expect(codeOf(res)).toBe("BAD_USER_INPUT");
    expect(res.errors![0]!.message).not.toMatch(/Internal/);
  });

  test.each([
    ["version 2^31", { name: "victim", version: 2 ** 31 }],
    ["metric 1e400 (Infinity)", { name: "victim", metrics: [{ key: "acc", value: "__INF__" }] }],
    ["metric as a string", { name: "victim", metrics: [{ key: "acc", value: "0.9" }] }],
    ["unknown framework", { name: "victim", framework: "JAX" }],
    ["tags that are an array", { name: "victim", tags: [1, 2] }],
  ])("%s → BAD_USER_INPUT from variable coercion, status 400", async (_, input) => {
    // 1e400 is valid JSON that parses to Infinity; it cannot be written with JSON.stringify.
    const body = JSON.stringify({
      query: `mutation($input: CreateModelInput!) { createModel(input: $input) { version } }`,
      variables: { input },
    }).replace('"__INF__"', "1e400");
    const res = await fetch(gw.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(400);
    expect(codeOf(await res.json())).toBe("BAD_USER_INPUT");
  });

  const badPaths = [
    "../escape",
    "a/../../b",
    "/etc/passwd",
    "C:/windows",
    "c:evil",
    "a\\b",
    "..\\..\\x",
    "a//b",
    "a/./b",
    ".",
    "..",
    "dir/",
    "",
    "a\u0000b",
    "line\nbreak",
    "tab\there",
    "del\u007f",
    `${"s".repeat(256)}`,
    "x/".repeat(600) + "y",
  ];
  test.each(badPaths)("file path %j is refused before any byte is stored", async (badPath) => {
    const res = await gw.upload({ name: "victim" }, { "good.bin": "fine", [badPath]: "x".repeat(1000) });
    expect(res.status).toBe(200);
    expect(codeOf(res)).toBe("BAD_USER_INPUT");
    expect(res.errors![0]!.extensions).toHaveProperty("field");
  });

  test("a refused path is answered before the file's bytes are sent", async () => {
    // The body is left open after the first 64 KiB of the file: if the gateway staged
    // (read) the file before validating, no answer could come.
    const { contentType, head } = streamedCreateModel(CREATE_MODEL, { name: "victim" }, "../escape", {
      boundary: "----homer-early",
      filename: "x",
    });
    const req = http.request(gw.url, {
      method: "POST",
      headers: { "content-type": contentType, "apollo-require-preflight": "true" },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
    });
    req.write(head);
    req.write(Buffer.alloc(64 * 1024, 1));
    const response = await answer;
    req.destroy();
    expect(JSON.parse(response.body).errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  test("duplicate paths in one upload, also after Unicode normalisation", async () => {
    const form = new FormData();
    const input = {
      name: "victim",
      files: [
        { path: "w.bin", file: null },
        { path: "w.bin", file: null },
      ],
    };
    form.set(
      "operations",
      JSON.stringify({ query: "mutation($input: CreateModelInput!) { createModel(input: $input) { version } }", variables: { input } }),
    );
    form.set("map", JSON.stringify({ 0: ["variables.input.files.0.file"], 1: ["variables.input.files.1.file"] }));
    form.set("0", new Blob(["a"]), "w.bin");
    form.set("1", new Blob(["b"]), "w.bin");
    const res = await fetch(gw.url, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form });
    expect(codeOf(await res.json())).toBe("BAD_USER_INPUT");
    const nfc = await gw.upload({ name: "victim" }, { "caf\u00e9.txt": "composed", "cafe\u0301.txt": "decomposed" });
    expect(codeOf(nfc)).toBe("BAD_USER_INPUT");
    expect(nfc.errors![0]!.message).toMatch(/twice/);
  });

  test("a path that is also another file's folder is refused before any byte is stored", async () => {
    const cases: Record<string, string>[] = [
      { a: "x", "a/b": "y" },
      { "a/b/c.bin": "y", "a/b": "x" },
      { "m/a": "x", "m/a/b/c": "y" },
    ];
    for (const files of cases) {
      const res = await gw.upload({ name: "victim" }, files);
      expect(codeOf(res)).toBe("BAD_USER_INPUT");
      expect(res.errors![0]!.message).toMatch(/^input\.files names "[^"]+" as a file and as the folder of "[^"]+"$/);
    }
  });

  test("two createModel fields in one operation are refused before any upload is read", async () => {
    const form = new FormData();
    const query =
      "mutation($a: CreateModelInput!, $b: CreateModelInput!) { a: createModel(input: $a) { version } " +
      "b: createModel(input: $b) { version } }";
    const variables = {
      a: { name: "victim", files: [{ path: "a", file: null }] },
      b: { name: "victim", files: [{ path: "b", file: null }] },
    };
    form.set("operations", JSON.stringify({ query, variables }));
    form.set("map", JSON.stringify({ 0: ["variables.b.files.0.file"], 1: ["variables.a.files.0.file"] }));
    form.set("0", new Blob([Buffer.alloc(40_000, 1)]), "b");
    form.set("1", new Blob(["a"]), "a");
    const res = await fetch(gw.url, {
      method: "POST",
      headers: { "apollo-require-preflight": "true" },
      body: form,
      signal: AbortSignal.timeout(5000),
    });
    expect(res.status).toBe(400);
    expect(codeOf(await res.json())).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  test("one upload named by two file entries is BAD_USER_INPUT", async () => {
    const form = new FormData();
    const input = {
      name: "victim",
      files: [
        { path: "a", file: null },
        { path: "b", file: null },
      ],
    };
    form.set(
      "operations",
      JSON.stringify({ query: "mutation($input: CreateModelInput!) { createModel(input: $input) { version } }", variables: { input } }),
    );
    form.set("map", JSON.stringify({ 0: ["variables.input.files.0.file", "variables.input.files.1.file"] }));
    form.set("0", new Blob(["shared"]), "x");
    const res = await fetch(gw.url, {
      method: "POST",
      headers: { "apollo-require-preflight": "true" },
      body: form,
      signal: AbortSignal.timeout(5000),
    });
    expect(codeOf(await res.json())).toBe("BAD_USER_INPUT");
  });

  test("more files than maxFiles", async () => {
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}`, "x"]));
    const res = await gw.upload({ name: "victim" }, files);
    expect(codeOf(res)).toBe("PAYLOAD_TOO_LARGE");
  });

  test("a file over maxFileSize answers PAYLOAD_TOO_LARGE with 413, quickly", async () => {
    const started = Date.now();
    const res = await gw.upload({ name: "victim" }, { "small.bin": "ok", "big.bin": Buffer.alloc(MAX_FILE + 1, 7) });
    expect(res.status).toBe(413);
    expect(codeOf(res)).toBe("PAYLOAD_TOO_LARGE");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("a file one byte over maxFileSize is refused whole, never stored cut to the limit", async () => {
    const before = await listBlobFiles(gw.storage.blobDir);
    for (const size of [MAX_FILE + 1, MAX_FILE + 100]) {
      const res = await gw.upload({ name: "cut" }, { "big.bin": Buffer.alloc(size, 3) });
      expect(res.status).toBe(413);
      expect(codeOf(res)).toBe("PAYLOAD_TOO_LARGE");
    }
    expect(await listBlobFiles(gw.storage.blobDir)).toEqual(before);
    expect((await gw.gql(`{ model(name: "cut", version: 1) { version } }`)).data).toEqual({ model: null });
  });

  test("a much larger file streamed slowly is cut off without waiting for the rest", async () => {
    // 8 MiB against a 64 KiB limit: the answer must come as soon as the limit is crossed.
    const { contentType, head, tail } = streamedCreateModel(CREATE_MODEL, { name: "victim" }, "huge.bin", { boundary: "----homer-test" });
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(gw.url, {
        method: "POST",
        headers: { "content-type": contentType, "apollo-require-preflight": "true" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      req.write(head);
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        if (sent >= 8 * 1024 * 1024 || req.destroyed) return req.end(tail);
        sent += chunk.length;
        if (req.write(chunk)) setTimeout(pump, 5);
        else req.once("drain", pump);
      };
      pump();
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
  });

  const multipart = async (parts: [string, string, string?][]) => {
    const form = new FormData();
    for (const [name, value, filename] of parts) {
      if (filename) form.append(name, new Blob([value]), filename);
      else form.append(name, value);
    }
    const res = await fetch(gw.url, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form });
    return { status: res.status, body: await res.json() };
  };
  const ops = JSON.stringify({
    query: "mutation($input: CreateModelInput!) { createModel(input: $input) { version } }",
    variables: { input: { name: "victim", files: [{ path: "w", file: null }] } },
  });

  test.each([
    [
      "operations that are not JSON",
      [
        ["operations", "{nope"],
        ["map", "{}"],
      ],
    ],
    [
      "map that is not JSON",
      [
        ["operations", ops],
        ["map", "[[["],
      ],
    ],
    [
      "map before operations",
      [
        ["map", "{}"],
        ["operations", ops],
      ],
    ],
    ["no map", [["operations", ops]]],
    [
      "map naming a file part that never comes",
      [
        ["operations", ops],
        ["map", '{"0":["variables.input.files.0.file"]}'],
      ],
    ],
    [
      "map pointing at a path that does not exist",
      [
        ["operations", ops],
        ["map", '{"0":["variables.nothing.here"]}'],
        ["0", "x", "w"],
      ],
    ],
    [
      "a file part with no map entry",
      [
        ["operations", ops],
        ["map", "{}"],
        ["0", "x", "w"],
      ],
    ],
  ] as [string, [string, string, string?][]][])("malformed multipart: %s", async (_, parts) => {
    const res = await multipart(parts);
    expect([200, 400]).toContain(res.status);
    expect(res.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  test("a part with no name (a file or a field) is BAD_USER_INPUT on the lane and through express, and the gateway lives on", async () => {
    // FormData always names its parts; a hand-written body need not (busboy hands such a part on with no name).
    const raw = (parts: { name?: string; filename?: string; value: string }[]) =>
      parts
        .map((p) => {
          const disposition = [
            "form-data",
            ...(p.name === undefined ? [] : [`name="${p.name}"`]),
            ...(p.filename ? [`filename="${p.filename}"`] : []),
          ];
          return `--X\r\nContent-Disposition: ${disposition.join("; ")}\r\n\r\n${p.value}\r\n`;
        })
        .join("") + "--X--\r\n";
    const map = JSON.stringify({ 0: ["variables.input.files.0.file"] });
    const bodies = {
      "a file with no name": raw([
        { name: "operations", value: ops },
        { name: "map", value: map },
        { filename: "w", value: "x" },
      ]),
      "a file with no name before the map": raw([
        { name: "operations", value: ops },
        { filename: "w", value: "x" },
      ]),
      "a field with no name": raw([{ value: "{}" }, { name: "operations", value: ops }]),
    };
    // The lane takes `multipart/form-data; boundary=`; other spellings take express.
    for (const type of ["multipart/form-data; boundary=X", "multipart/form-data; charset=utf-8; boundary=X"]) {
      for (const [label, body] of Object.entries(bodies)) {
        const res = await fetch(gw.url, { method: "POST", headers: { "content-type": type, "apollo-require-preflight": "true" }, body });
        const answer = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
        // 400 before the operation runs; 200 with the error once it runs (the map had come: the file fails the resolver).
        expect([200, 400]).toContain(res.status);
        expect({ label, type, code: answer.errors[0]!.extensions.code }).toEqual({ label, type, code: "BAD_USER_INPUT" });
        expect(answer.errors[0]!.message).toMatch(/^a multipart (file|field) part has no name/);
      }
    }
    expect((await gw.gql(`{ __typename }`)).data).toEqual({ __typename: "Query" });
  });

  test("malformed JSON body and batched arrays are 400 with a code", async () => {
    const res = await fetch(gw.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].extensions.code).toBe("BAD_USER_INPUT");
    const batch = await fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ query: "{ __typename }" }, { query: "{ __typename }" }]),
    });
    expect(batch.status).toBe(400);
  });

  test("listing arguments: unknown sortKey orders by version, bad cursor and first are typed errors", async () => {
    await gw.upload({ name: "listing", metrics: [{ key: "acc", value: 1 }] }, {});
    await gw.upload({ name: "listing" }, {});
    const unknown = await gw.gql(`{ models(name: "listing", sortKey: "nonexistent", direction: ASC) { nodes { version } } }`);
    expect(unknown.data.models.nodes).toEqual([{ version: 2 }, { version: 1 }]);
    const cursor = await gw.gql(`{ models(name: "listing", after: "not-a-cursor") { totalCount } }`);
    expect(codeOf(cursor)).toBe("BAD_USER_INPUT");
    const first = await gw.gql(`{ models(name: "listing", first: 501) { totalCount } }`);
    expect(codeOf(first)).toBe("BAD_USER_INPUT");
    const badName = await gw.gql(`{ models(name: "../etc") { totalCount } }`);
    expect(codeOf(badName)).toBe("BAD_USER_INPUT");
    for (const v of [1, 2]) await gw.gql(`mutation { deleteModel(name: "listing", version: ${v}) }`);
  });

  test("deleting an absent version is NOT_FOUND; unknown fields fail validation", async () => {
    expect(codeOf(await gw.gql(`mutation { deleteModel(name: "victim", version: 1) }`))).toBe("NOT_FOUND");
    expect(codeOf(await gw.gql(`{ models(name: "victim") { nodes { nope } } }`))).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(codeOf(await gw.gql(`{ models(name: `))).toBe("GRAPHQL_PARSE_FAILED");
  });
});

describe("size limits take a file or field of exactly the limit", () => {
  const FILE = 4096;
  const BODY = 300_000;
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { maxFileSize: FILE, maxBodyBytes: BODY, maxInputExampleBytes: 1024, maxFlavorsBytes: 1024 } });
  });
  afterAll(() => gw?.close());

  test("a file of exactly maxFileSize is registered whole; one byte more is PAYLOAD_TOO_LARGE naming the limit", async () => {
    const exact = await gw.upload({ name: "exact" }, { "w.bin": Buffer.alloc(FILE, 5) }, "version files { path sizeBytes }");
    expect(exact.errors).toBeUndefined();
    expect(exact.data.createModel).toEqual({ version: 1, files: [{ path: "w.bin", sizeBytes: FILE }] });
    const over = await gw.upload({ name: "exact" }, { "w.bin": Buffer.alloc(FILE + 1, 5) });
    expect(over.status).toBe(413);
    expect(over.errors![0]!.message).toContain(`${FILE}-byte limit`);
  });

  test("files beside a folder of a like name are taken (only a path that is another's folder is refused)", async () => {
    const res = await gw.upload({ name: "folders" }, { a: "1", "ab/c": "2", "a.d/e": "3", "b/a": "4" }, "files { path }");
    expect(res.errors).toBeUndefined();
    expect(res.data.createModel.files.map((f: { path: string }) => f.path).sort()).toEqual(["a", "a.d/e", "ab/c", "b/a"]);
  });

  test("a multipart 'operations' field of exactly the body limit is read; one byte more is PAYLOAD_TOO_LARGE", async () => {
    const operations = (bytes: number) => {
      const base = JSON.stringify({ query: "{ __typename }" });
      return `${base.slice(0, -1)}${" ".repeat(bytes - base.length)}}`;
    };
    const send = async (field: string) => {
      const form = new FormData();
      form.append("operations", field);
      form.append("map", "{}");
      const res = await fetch(gw.url, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form });
      return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] } };
    };
    expect(Buffer.byteLength(operations(BODY))).toBe(BODY);
    expect(await send(operations(BODY))).toEqual({ status: 200, body: { data: { __typename: "Query" } } });
    const over = await send(operations(BODY + 1));
    expect([over.status, over.body.errors?.[0]?.extensions.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
  });
});
