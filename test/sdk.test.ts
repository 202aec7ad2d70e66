import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  connection,
  describeDirectory,
  listFiles,
  Model,
  ModelDraft,
  RegistryError,
  type ModelRegistry,
  type TransferProgress,
} from "@homer/sdk";
import { connection as browserConnection } from "@homer/sdk/browser";
import { makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway, type ChildGateway } from "./support/child-gateway.js";
import { sha256 } from "./support/files.js";

/** A model directory made in the test: weights, a config, a nested file. */
async function modelDir(root: string, name: string, weights = randomBytes(200_000)) {
  const dir = path.join(root, name);
  await fs.mkdir(path.join(dir, "assets"), { recursive: true });
  await fs.writeFile(path.join(dir, "model.pt"), weights);
  await fs.writeFile(path.join(dir, "config.json"), JSON.stringify({ layers: 3 }));
  await fs.writeFile(path.join(dir, "assets", "labels.txt"), "0\n1\n2\n");
  return dir;
}

async function expectSameTree(a: string, b: string) {
  const [left, right] = await Promise.all([listFiles(a), listFiles(b)]);
  expect(right.map((f) => f.path)).toEqual(left.map((f) => f.path));
  for (const [i, file] of left.entries()) {
    expect(sha256(await fs.readFile(right[i]!.absolutePath))).toBe(sha256(await fs.readFile(file.absolutePath)));
  }
}

describe("SDK against a real gateway process", () => {
  let gw: ChildGateway;
  let root: string;
  let url: string;
  let mr: ModelRegistry;

  beforeAll(async () => {
    root = await makeTempDir("homer-sdk-");
    gw = await startChildGateway({ env: { HOMER_DATA_DIR: path.join(root, ".homer"), HOMER_MAX_FILE_SIZE: "4MiB" } });
    url = `${gw.origin}/graphql`;
    mr = await connection({ url }).getModelRegistry();
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("the design doc's flow: create, save, list sorted both ways, get, download, delete", async () => {
    const dirs = await Promise.all([1, 2, 3].map((i) => modelDir(root, `mnist-${i}`)));
    const created: Model[] = [];
    for (const [i, accuracy] of [0.91, 0.97, 0.95].entries()) {
      created.push(
        await mr.createModel({ name: "mnist", modelPath: dirs[i]!, metrics: { accuracy, loss: 1 - accuracy }, description: `run ${i}` }),
      );
    }
    expect(created.map((m) => m.version)).toEqual([1, 2, 3]);
    expect(created[0]).toBeInstanceOf(Model);
    expect(created[0]!.metrics).toEqual({ accuracy: 0.91, loss: 1 - 0.91 });
    expect(created[0]!.createdAt).toBeInstanceOf(Date);
    expect(created[0]!.files.map((f) => f.path)).toEqual(["assets/labels.txt", "config.json", "model.pt"]);
    expect(created[0]!.framework).toBe("PYTORCH"); // from model.pt

    // The doc's alternative: create the meta object, then save(dir).
    const meta = await mr.createModel({ name: "mnist", metrics: { accuracy: 0.99 } });
    expect(meta).toBeInstanceOf(ModelDraft);
    expect(await mr.getModel({ name: "mnist", version: 4 })).toBeNull(); // nothing registered yet
    const saved = await meta.save(dirs[0]!);
    expect(saved.version).toBe(4);

    const desc = await mr.getModels({ name: "mnist", sortKey: "accuracy", direction: "desc" });
    expect(desc.map((m) => m.version)).toEqual([4, 2, 3, 1]);
    const asc = await mr.getModels({ name: "mnist", sortKey: "accuracy", direction: "asc" });
    expect(asc.map((m) => m.version)).toEqual([1, 3, 2, 4]);
    expect((await mr.getBestModel({ name: "mnist", metric: "loss", direction: "asc" }))?.version).toBe(2);

    const best = desc[0]!;
    const out = path.join(root, "downloaded");
    expect(await best.download(out)).toBe(out);
    await expectSameTree(dirs[0]!, out);

    const m = await mr.getModel({ name: "mnist", version: 1 });
    expect(m?.description).toBe("run 0");
    await m!.delete();
    expect(await mr.getModel({ name: "mnist", version: 1 })).toBeNull();
    expect((await mr.getModels({ name: "mnist" })).map((x) => x.version)).toEqual([4, 3, 2]);
  });

  test("iterateModels pages through a family; getModels fetches every page", async () => {
    for (let i = 0; i < 7; i++) await mr.createModel({ name: "paged", modelPath: await modelDir(root, `paged-${i}`), metrics: { i } });
    const seen: number[] = [];
    for await (const model of mr.iterateModels({ name: "paged", sortKey: "i", direction: "asc", pageSize: 2 })) seen.push(model.version);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await mr.getModels({ name: "paged", pageSize: 3 })).length).toBe(7);
  });

  test("getModelFamilies lists a project's models by name; iterateModelFamilies pages; search is a prefix in any case", async () => {
    const project = "sdk-families";
    const dir = await modelDir(root, "family-dir", Buffer.from("w"));
    for (const name of ["resnet", "ResNet-50", "bert", "resnet"]) await mr.createModel({ project, name, modelPath: dir });
    const families = await mr.getModelFamilies({ project });
    expect(families.map((f) => [f.name, f.versionCount, f.latestVersion])).toEqual([
      ["bert", 1, 1],
      ["resnet", 2, 2],
      ["ResNet-50", 1, 1],
    ]);
    expect(families[0]).toMatchObject({
      project,
      latestCreatedAt: expect.any(Date),
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
    });
    const resnet = families[1]!;
    expect(resnet.createdAt.getTime()).toBeLessThan(resnet.latestCreatedAt.getTime());
    expect(resnet.updatedAt).toEqual(resnet.latestCreatedAt);
    // resnet's second version is the project's latest change.
    expect((await mr.getModelFamilies({ project, orderBy: "updated" }))[0]?.name).toBe("resnet");
    expect((await mr.getModelFamilies({ project, search: "NET", match: "substring" })).map((f) => f.name)).toEqual(["resnet", "ResNet-50"]);
    const paged: string[] = [];
    for await (const family of mr.iterateModelFamilies({ project, pageSize: 1 })) paged.push(family.name);
    expect(paged).toEqual(["bert", "resnet", "ResNet-50"]);
    expect((await mr.getModelFamilies({ project, search: "RESNET-" })).map((f) => f.name)).toEqual(["ResNet-50"]);
    expect(await mr.getModelFamilies({ project, search: "res%" })).toEqual([]);
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => "resolved",
        (e) => (e instanceof RegistryError ? e.code : String(e)),
      );
    expect(await codeOf(mr.getModelFamilies({ project, pageSize: 0 }))).toBe("BAD_USER_INPUT");
    expect(await codeOf(mr.getModelFamilies({ project, search: "a\u0000" }))).toBe("BAD_USER_INPUT");
    expect(await codeOf(mr.getModelFamilies({ project: "not a project" }))).toBe("BAD_USER_INPUT");
    // Options outside their choices are refused before any request, naming the option.
    for (const options of [{ match: "contains" }, { match: "PREFIX" }, { orderBy: "created" }, { orderBy: 1 }, { orderBy: "__proto__" }]) {
      const refused = await mr.getModelFamilies({ project, ...(options as object) }).catch((e: unknown) => e);
      expect(refused, JSON.stringify(options)).toMatchObject({ code: "BAD_USER_INPUT", field: Object.keys(options)[0] });
    }
  });

  test("getModelFamilies({ best }) brings each model's best version as a Model, in the same requests", async () => {
    const project = "sdk-family-best";
    const dir = await modelDir(root, "family-best-dir", Buffer.from("b"));
    for (const [name, accuracy] of [
      ["cnn", 0.7],
      ["cnn", 0.9],
      ["cnn", 0.8],
      ["plain", null],
    ] as const) {
      await mr.createModel({ project, name, modelPath: dir, ...(accuracy === null ? {} : { metrics: { accuracy } }) });
    }
    const [cnn, plain] = await mr.getModelFamilies({ project, best: { metric: "accuracy" }, pageSize: 1 });
    expect(cnn?.best).toBeInstanceOf(Model);
    expect(cnn?.best).toMatchObject({ name: "cnn", version: 2, metrics: { accuracy: 0.9 } });
    expect(plain?.best).toBeNull();
    expect((await mr.getModelFamilies({ project, best: { metric: "accuracy", direction: "asc" } }))[0]?.best?.version).toBe(1);
    expect((await mr.getModelFamilies({ project }))[0]).not.toHaveProperty("best");
    const refused = await mr.getModelFamilies({ project, best: { metric: "accuracy", direction: "up" as "asc" } }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "BAD_USER_INPUT", field: "direction" });
    // A metric no version can have finds no best; one that cannot be stored is refused, as bestModel does.
    for (const metric of ["x".repeat(5000), "acc\u202euracy"]) {
      expect(
        (await mr.getModelFamilies({ project, best: { metric } })).map((f) => f.best),
        JSON.stringify(metric),
      ).toEqual([null, null]);
    }
    const nul = await mr.getModelFamilies({ project, best: { metric: "acc\u0000uracy" } }).catch((e: unknown) => e);
    expect(nul).toMatchObject({ code: "BAD_USER_INPUT" });
  });

  test("errors carry a code a script can branch on", async () => {
    const dir = await modelDir(root, "errs");
    await mr.createModel({ name: "errs", version: 1, modelPath: dir });
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => "resolved",
        (e) => (e instanceof RegistryError ? e.code : `not a RegistryError: ${e}`),
      );
    expect(await codeOf(mr.createModel({ name: "errs", version: 1, modelPath: dir }))).toBe("ALREADY_EXISTS");
    expect(await codeOf(mr.deleteModel({ name: "errs", version: 99 }))).toBe("NOT_FOUND");
    expect(await codeOf(mr.createModel({ name: "bad name!", modelPath: dir }))).toBe("BAD_USER_INPUT");
    expect(await codeOf(mr.createModel({ name: "errs", modelPath: path.join(root, "no-such-dir") }))).toBe("BAD_USER_INPUT");
    expect(await codeOf(mr.createModel({ name: "errs", modelPath: dir, metrics: { acc: Number.NaN } }))).toBe("BAD_USER_INPUT");
    expect(await codeOf(mr.getModels({ name: "errs", direction: "sideways" as "asc" }))).toBe("BAD_USER_INPUT");
    const big = path.join(root, "big");
    await fs.mkdir(big);
    await fs.writeFile(path.join(big, "w.bin"), Buffer.alloc(5 * 1024 * 1024, 1));
    expect(await codeOf(mr.createModel({ name: "errs", modelPath: big }))).toBe("PAYLOAD_TOO_LARGE");
    expect(await codeOf(connection({ url: "http://127.0.0.1:9/graphql" }).getModelRegistry())).toBe("NETWORK_ERROR");
    // The reason is in the message, and the server's error is kept as the cause.
    const error = await mr.createModel({ name: "errs", version: 1, modelPath: dir }).catch((e) => e);
    expect(error.message).toMatch(/already exists.*overwrite/);
    expect(await mr.getModel({ name: "errs", version: 2 })).toBeNull();
  });

  test("a GraphQL error and a transport failure stay apart, whichever way the request went", async () => {
    const dir = await modelDir(root, "sides");
    await mr.createModel({ name: "sides", version: 1, modelPath: dir });
    // The streaming upload and urql both read the server's error the same way.
    const uploaded = await mr.createModel({ name: "sides", version: 1, modelPath: dir }).catch((e) => e);
    expect(uploaded.graphQLError?.extensions?.code).toBe("ALREADY_EXISTS");
    const queried = await mr.deleteModel({ name: "sides", version: 99 }).catch((e) => e);
    expect(queried.graphQLError?.extensions?.code).toBe("NOT_FOUND");
    const unreachable = await connection({ url: "http://127.0.0.1:9/graphql" })
      .getModelRegistry()
      .catch((e) => e);
    expect(unreachable).toMatchObject({ code: "NETWORK_ERROR", graphQLError: undefined });
  });

  test("overwrite replaces a version", async () => {
    const first = await mr.createModel({ name: "ow", version: 1, modelPath: await modelDir(root, "ow-1"), metrics: { a: 1 } });
    const second = await mr.createModel({
      name: "ow",
      version: 1,
      modelPath: await modelDir(root, "ow-2"),
      metrics: { a: 2 },
      overwrite: true,
    });
    expect(second.version).toBe(1);
    expect(second.metrics).toEqual({ a: 2 });
    expect(second.files.find((f) => f.path === "model.pt")!.sha256).not.toBe(first.files.find((f) => f.path === "model.pt")!.sha256);
  });

  test("20 concurrent createModel calls without a version get 1..20", async () => {
    const dir = await modelDir(root, "conc");
    const models = await Promise.all(
      Array.from({ length: 20 }, (_, i) => mr.createModel({ name: "conc", modelPath: dir, metrics: { i } })),
    );
    expect(models.map((m) => m.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  test("progress reports bytes per file and overall, ending at the total", async () => {
    const dir = await modelDir(root, "progress", randomBytes(3 * 1024 * 1024));
    const events: TransferProgress[] = [];
    const model = await mr.createModel({ name: "progress", modelPath: dir, onProgress: (p) => events.push(p) });
    const total = model.sizeBytes;
    expect(events.at(-1)).toMatchObject({ bytes: total, total });
    expect(events.every((e, i) => i === 0 || e.bytes >= events[i - 1]!.bytes)).toBe(true);
    expect(new Set(events.map((e) => e.path))).toEqual(new Set(["assets/labels.txt", "config.json", "model.pt"]));
    const down: TransferProgress[] = [];
    await model.download(path.join(root, "progress-out"), { onProgress: (p) => down.push(p) });
    expect(down.at(-1)).toMatchObject({ bytes: total, total });
  });

  test("download resumes a partial file with Range and verifies the digest", async () => {
    const weights = randomBytes(1_000_000);
    const model = await mr.createModel({ name: "resume", modelPath: await modelDir(root, "resume", weights) });
    const out = path.join(root, "resume-out");
    await fs.mkdir(out, { recursive: true });
    const part = `model.pt.${sha256(weights).slice(0, 16)}.homer-part`;
    await fs.writeFile(path.join(out, part), weights.subarray(0, 600_000));
    const events: TransferProgress[] = [];
    await model.download(out, { onProgress: (p) => events.push(p) });
    expect(sha256(await fs.readFile(path.join(out, "model.pt")))).toBe(sha256(weights));
    // The first progress of model.pt starts past the bytes already there.
    expect(events.find((e) => e.path === "model.pt" && e.fileBytes > 0)!.fileBytes).toBeGreaterThan(600_000);
    await expect(fs.stat(path.join(out, part))).rejects.toThrow();

    // A corrupt partial file is caught by the digest, and not kept.
    const bad = path.join(root, "resume-bad");
    await fs.mkdir(bad, { recursive: true });
    await fs.writeFile(path.join(bad, part), Buffer.alloc(600_000, 0));
    // A part of some other bytes (an older version) is never resumed.
    await fs.writeFile(path.join(bad, "config.json.0123456789abcdef.homer-part"), "stale");
    const error = await model.download(bad).catch((e) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.code).toBe("INTEGRITY_ERROR");
    await expect(fs.stat(path.join(bad, part))).rejects.toThrow();
    await expect(fs.stat(path.join(bad, "model.pt"))).rejects.toThrow();
    // Files already complete are skipped, not fetched again.
    await model.download(bad);
    expect(sha256(await fs.readFile(path.join(bad, "model.pt")))).toBe(sha256(weights));
  });

  test("download of a deleted version is NOT_FOUND", async () => {
    const model = await mr.createModel({ name: "gone", modelPath: await modelDir(root, "gone") });
    await model.delete();
    const error = await model.download(path.join(root, "gone-out")).catch((e) => e);
    expect(error.code).toBe("NOT_FOUND");
  });

  test("metadata comes from an MLmodel file unless the caller gives it", async () => {
    const dir = await modelDir(root, "mlflow");
    await fs.writeFile(
      path.join(dir, "MLmodel"),
      [
        "artifact_path: model",
        "flavors:",
        "  python_function:",
        "    loader_module: mlflow.sklearn",
        "  sklearn:",
        "    pickled_model: model.pkl",
        "    sklearn_version: 1.3.0",
        "signature:",
        `  inputs: '[{"name": "sepal length", "type": "double"}, {"name": "sepal width", "type": "double"}]'`,
        `  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'`,
        "saved_input_example_info:",
        "  artifact_path: input_example.json",
        "  type: dataframe",
        "  pandas_orient: split",
      ].join("\n"),
    );
    await fs.writeFile(
      path.join(dir, "input_example.json"),
      JSON.stringify({ columns: ["sepal length", "sepal width"], data: [[5.1, 3.5]] }),
    );
    const model = await mr.createModel({ name: "iris", modelPath: dir });
    expect(model.framework).toBe("SKLEARN");
    expect(model.signature).toEqual({
      inputs: [
        { name: "sepal length", type: "double", shape: null },
        { name: "sepal width", type: "double", shape: null },
      ],
      outputs: [{ name: null, type: "int64", shape: [-1] }],
    });
    expect(model.inputExample).toEqual({ columns: ["sepal length", "sepal width"], data: [[5.1, 3.5]] });
    const explicit = await mr.createModel({ name: "iris", modelPath: dir, framework: "OTHER", inputExample: [1] });
    expect(explicit.framework).toBe("OTHER");
    expect(explicit.inputExample).toEqual([1]);
    expect(explicit.signature?.inputs).toHaveLength(2);
  });

  test("a directory with a symlink loop uploads each file once", async () => {
    const dir = await modelDir(root, "looped");
    await fs.symlink(".", path.join(dir, "loop"));
    await fs.symlink("..", path.join(dir, "assets", "up"));
    const model = await mr.createModel({ name: "looped", modelPath: dir });
    expect(model.files.map((f) => f.path)).toEqual(["assets/labels.txt", "config.json", "model.pt"]);
  });

  test("a file that can no longer be read while the directory uploads is BAD_USER_INPUT naming it, and nothing is registered", async () => {
    const dir = await modelDir(root, "vanishing");
    // Removed at the first file's progress, before model.pt (the last in order) is opened.
    const error = await mr
      .createModel({ name: "vanishing", modelPath: dir, onProgress: () => rmSync(path.join(dir, "model.pt"), { force: true }) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("BAD_USER_INPUT");
    expect((error as RegistryError).message).toMatch(/^model\.pt could not be read: ENOENT/);
    expect(await mr.getModel({ name: "vanishing", version: 1 })).toBeNull();
  });

  test("awaitRegistration that is no number of seconds, 0 or more, is BAD_USER_INPUT before any byte; nothing is registered", async () => {
    const dir = await modelDir(root, "await-bad");
    let progressed = false;
    for (const awaitRegistration of [Number.NaN, -1, "10", null] as unknown[]) {
      const options = { name: "await-bad", awaitRegistration: awaitRegistration as number, onProgress: () => (progressed = true) };
      for (const attempt of [
        () => mr.createModel({ ...options, modelPath: dir }),
        async () => (await mr.createModel({ name: "await-bad" })).save(dir, options),
        () => mr.createModel(options),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error, String(awaitRegistration)).toBeInstanceOf(RegistryError);
        expect(error, String(awaitRegistration)).toMatchObject({ code: "BAD_USER_INPUT", field: "awaitRegistration" });
      }
    }
    expect(progressed).toBe(false);
    expect(await mr.getModel({ name: "await-bad", version: 1 })).toBeNull();
    expect((await mr.createModel({ name: "await-bad", modelPath: dir, awaitRegistration: 0 })).version).toBe(1);
  });

  test("a directory with a second name (a symlink beside it) uploads under both names", async () => {
    for (const [real, link] of [
      ["checkpoint", "latest"],
      ["latest", "checkpoint"],
    ] as const) {
      const dir = await modelDir(root, `aliased-${real}`);
      await fs.mkdir(path.join(dir, real));
      await fs.writeFile(path.join(dir, real, "step.bin"), "weights");
      await fs.symlink(real, path.join(dir, link));
      const model = await mr.createModel({ name: `aliased-${real}`, modelPath: dir });
      expect(model.files.map((f) => f.path)).toEqual([
        "assets/labels.txt",
        "checkpoint/step.bin",
        "config.json",
        "latest/step.bin",
        "model.pt",
      ]);
    }
  });

  test("a tree whose every level links twice to the next is refused, not walked 2^depth times", async () => {
    const dir = await modelDir(root, "doubling");
    // Level i holds `a` and `b`, both links to level i + 1: the last is reached by 2^12 names.
    for (let level = 12; level >= 1; level--) {
      const here = path.join(dir, `level${level}`);
      await fs.mkdir(here);
      await fs.writeFile(path.join(here, "w.bin"), `level ${level}`);
      if (level < 12) for (const name of ["a", "b"]) await fs.symlink(`../level${level + 1}`, path.join(here, name));
    }
    const error = await mr.createModel({ name: "doubling", modelPath: path.join(dir, "level1") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("BAD_USER_INPUT");
    expect((error as RegistryError).message).toMatch(/by more than 64 names through symbolic links/);
    expect(await mr.getModel({ name: "doubling", version: 1 })).toBeNull();
  });

  test("metrics have no prototype to stumble on", async () => {
    const model = await mr.createModel({ name: "protos", modelPath: await modelDir(root, "protos"), metrics: { valueOf: 1 } });
    expect(model.metrics).toHaveProperty("valueOf", 1);
    expect("toString" in model.metrics).toBe(false);
  });

  test("a malformed MLmodel is BAD_USER_INPUT naming the file", async () => {
    const dir = await modelDir(root, "bad-mlmodel");
    await fs.writeFile(path.join(dir, "MLmodel"), "flavors: [unclosed");
    const error = await mr.createModel({ name: "bad-mlmodel", modelPath: dir }).catch((e) => e);
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.message).toMatch(/MLmodel could not be read/);
  });

  test("the API key is sent only to the connection's own origin", async () => {
    const model = await mr.createModel({ name: "origin", modelPath: await modelDir(root, "origin") });
    const seen: (string | undefined)[] = [];
    const other = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401).end();
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const port = (other.address() as { port: number }).port;
    const keyed = await connection({ url, apiKey: "hmr_AAAAAAAAAAAAAAAA_" + "x".repeat(43) })
      .getModelRegistry()
      .catch((e) => e);
    // No keys exist on this gateway, so the registry refuses the unknown key; build the download by hand instead.
    expect(keyed.code).toBe("UNAUTHENTICATED");
    const { downloadModel } = await import("../sdk/dist/node/download.js");
    const foreign = {
      files: model.files.map((f) => ({ ...f, downloadUrl: f.downloadUrl.replace(/^http:\/\/[^/]+/, `http://127.0.0.1:${port}`) })),
    };
    const error = await downloadModel(foreign as any, path.join(root, "origin-out"), {
      headers: { authorization: "Bearer secret" },
      origin: new URL(url).origin,
    }).catch((e: unknown) => e);
    other.close();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((h) => h === undefined)).toBe(true);
    expect((error as { message: string }).message).toMatch(/HOMER_PUBLIC_URL/);
  });

  test("the browser entry queries but refuses local files (its types already do)", async () => {
    const browserMr = await browserConnection({ url }).getModelRegistry();
    const listed = await browserMr.getModels({ name: "mnist", sortKey: "accuracy" });
    expect(listed[0]?.version).toBe(4);
    // @ts-expect-error the browser entry's createModel takes files, not modelPath
    const error = await browserMr.createModel({ name: "x", modelPath: root }).catch((e) => e);
    expect(error.code).toBe("UNSUPPORTED");
    // @ts-expect-error the browser entry's Model has no download(dir)
    const downloadError = await listed[0]!.download(path.join(root, "never")).catch((e: unknown) => e);
    expect(downloadError.code).toBe("UNSUPPORTED");
  });
});

describe("framework from file types", () => {
  test.each([
    ["saved_model.pb", "TENSORFLOW"],
    ["model.onnx", "ONNX"],
    ["weights.pth", "PYTORCH"],
    ["model.keras", "KERAS"],
    ["model.h5", "KERAS"],
    ["model.ubj", "XGBOOST"],
    ["model.cbm", "CATBOOST"],
    ["model.lgb", "LIGHTGBM"],
  ])("%s → %s", async (file, framework) => {
    const dir = await makeTempDir("homer-detect-");
    await fs.mkdir(path.join(dir, "variables"));
    await fs.writeFile(path.join(dir, file), "x");
    expect(await describeDirectory(dir, await listFiles(dir))).toEqual({ framework });
    await fs.rm(dir, { recursive: true });
  });

  test("a pickle alone says nothing; with an MLmodel it is scikit-learn", async () => {
    const dir = await makeTempDir("homer-detect-");
    await fs.writeFile(path.join(dir, "model.pkl"), "x");
    expect(await describeDirectory(dir, await listFiles(dir))).toEqual({});
    await fs.writeFile(path.join(dir, "MLmodel"), "flavors:\n  custom_flavor: {}\n");
    expect(await describeDirectory(dir, await listFiles(dir))).toEqual({ framework: "SKLEARN", flavors: { custom_flavor: {} } });
    await fs.rm(dir, { recursive: true });
  });
});
