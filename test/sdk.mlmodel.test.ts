import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, describeDirectory, listFiles, type ModelRegistry } from "@homer/sdk";
import { makeTempDir } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/**
 * MLmodel files as MLflow writes them (yaml.safe_dump, keys sorted): 1.x and 2.x,
 * pyfunc-only, scikit-learn with a signature, TensorFlow SavedModels with
 * meta_graph_tags and signature_def_key, Keras, Spark MLlib and an R crate.
 */
const MLMODELS = {
  "pyfunc-only (MLflow 1.30)": `artifact_path: model
flavors:
  python_function:
    cloudpickle_version: 2.2.0
    code: null
    env: conda.yaml
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
    python_version: 3.8.10
mlflow_version: 1.30.0
model_uuid: 4b1c8d3a2f7e4d0c9a6b5e4f3d2c1b0a
run_id: 8f2e1d0c9b8a7f6e5d4c3b2a19081726
utc_time_created: '2022-11-02 10:15:42.123456'
`,
  "sklearn with a signature (MLflow 2.9)": `artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.10.12
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.3.2
mlflow_version: 2.9.2
model_uuid: 0f5e9a7c1d3b4e8f9a2b6c4d8e0f1a3b
run_id: 5d6c7b8a9f0e1d2c3b4a59687766554f
signature:
  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type": "double", "name": "sepal width (cm)", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
utc_time_created: '2023-12-19 08:01:13.482215'
`,
  "TensorFlow SavedModel (MLflow 1.14)": `artifact_path: model
flavors:
  python_function:
    env: conda.yaml
    loader_module: mlflow.tensorflow
    python_version: 3.7.6
  tensorflow:
    meta_graph_tags:
    - serve
    - gpu
    saved_model_dir: tfmodel
    signature_def_key: serving_default
run_id: 2b3c4d5e6f708192a3b4c5d6e7f80912
utc_time_created: '2021-03-04 16:20:05.000001'
`,
  "TensorFlow 2 module (MLflow 2.3)": `artifact_path: model
flavors:
  python_function:
    data: tf2model
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.tensorflow
    python_version: 3.9.16
  tensorflow:
    code: null
    meta_graph_tags: null
    saved_model_dir: tf2model
    signature_def_key: serving_default
mlflow_version: 2.3.1
model_uuid: a1b2c3d4e5f60718293a4b5c6d7e8f90
utc_time_created: '2023-05-02 12:00:00.000000'
`,
  "Keras (MLflow 2.9)": `artifact_path: model
flavors:
  keras:
    code: null
    data: data
    keras_module: tensorflow.keras
    keras_version: 2.15.0
    save_format: tf
  python_function:
    data: data
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.tensorflow
    python_version: 3.11.5
mlflow_version: 2.9.2
`,
  "Spark MLlib (MLflow 2.9)": `artifact_path: model
flavors:
  python_function:
    data: sparkml
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.spark
    python_version: 3.10.12
  spark:
    code: null
    model_class: pyspark.ml.pipeline.PipelineModel
    model_data: sparkml
    pyspark_version: 3.5.0
mlflow_version: 2.9.2
`,
  "R crate (MLflow 1.30)": `artifact_path: model
flavors:
  crate:
    version: 0.1.0
    model: crate.bin
utc_time_created: '2022-11-02 10:15:42.123456'
`,
};

async function withMlmodel(text: string): Promise<string> {
  const dir = await makeTempDir("homer-mlmodel-");
  await fs.writeFile(path.join(dir, "MLmodel"), text);
  return dir;
}

async function describeMlmodel(text: string) {
  const dir = await withMlmodel(text);
  try {
    return await describeDirectory(dir, await listFiles(dir));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe("the SDK reads each flavor's details from MLmodel files", () => {
  test("pyfunc only (MLflow 1.x): the python_function details, no tags", async () => {
    const found = await describeMlmodel(MLMODELS["pyfunc-only (MLflow 1.30)"]);
    expect(found.framework).toBe("PYTHON_FUNCTION");
    expect(found.flavors).toEqual({
      python_function: {
        cloudpickle_version: "2.2.0",
        code: null,
        env: "conda.yaml",
        loader_module: "mlflow.pyfunc.model",
        python_model: "python_model.pkl",
        python_version: "3.8.10",
      },
    });
    expect(found.tfMetaGraphTags).toBeUndefined();
  });

  test("sklearn with a signature (MLflow 2.x): versions stay strings, the signature is read as before", async () => {
    const found = await describeMlmodel(MLMODELS["sklearn with a signature (MLflow 2.9)"]);
    expect(found.framework).toBe("SKLEARN");
    expect(found.flavors?.sklearn).toEqual({
      code: null,
      pickled_model: "model.pkl",
      serialization_format: "cloudpickle",
      sklearn_version: "1.3.2",
    });
    expect(found.flavors?.python_function).toMatchObject({
      env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
      loader_module: "mlflow.sklearn",
      python_version: "3.10.12",
    });
    expect(found.signature?.inputs).toEqual([
      { name: "sepal length (cm)", type: "double", shape: null },
      { name: "sepal width (cm)", type: "double", shape: null },
    ]);
  });

  test("TensorFlow SavedModel (MLflow 1.x): meta_graph_tags become tfMetaGraphTags, signature_def_key stays in flavors", async () => {
    const found = await describeMlmodel(MLMODELS["TensorFlow SavedModel (MLflow 1.14)"]);
    expect(found.framework).toBe("TENSORFLOW");
    expect(found.tfMetaGraphTags).toEqual(["serve", "gpu"]);
    expect(found.flavors?.tensorflow).toEqual({
      meta_graph_tags: ["serve", "gpu"],
      saved_model_dir: "tfmodel",
      signature_def_key: "serving_default",
    });
  });

  test("a MetaGraph tag the MLmodel repeats is sent once (TensorFlow reads the tags as a set)", async () => {
    const repeated = MLMODELS["TensorFlow SavedModel (MLflow 1.14)"].replace("    - gpu\n", "    - gpu\n    - serve\n");
    expect(repeated).toMatch(/- serve\n {4}- gpu\n {4}- serve/);
    expect((await describeMlmodel(repeated)).tfMetaGraphTags).toEqual(["serve", "gpu"]);
  });

  test("TensorFlow 2 (MLflow 2.x) writes meta_graph_tags: null — no tags", async () => {
    const found = await describeMlmodel(MLMODELS["TensorFlow 2 module (MLflow 2.3)"]);
    expect(found.framework).toBe("TENSORFLOW");
    expect(found.tfMetaGraphTags).toBeUndefined();
    expect(found.flavors?.tensorflow).toMatchObject({ meta_graph_tags: null, signature_def_key: "serving_default" });
  });

  test.each([
    ["Keras (MLflow 2.9)", "KERAS", "keras", { keras_module: "tensorflow.keras", keras_version: "2.15.0", save_format: "tf" }],
    ["Spark MLlib (MLflow 2.9)", "SPARK", "spark", { pyspark_version: "3.5.0", model_class: "pyspark.ml.pipeline.PipelineModel" }],
    ["R crate (MLflow 1.30)", "CRATE", "crate", { version: "0.1.0", model: "crate.bin" }],
  ] as const)("%s → %s with its details", async (fixture, framework, flavor, details) => {
    const found = await describeMlmodel(MLMODELS[fixture]);
    expect(found.framework).toBe(framework);
    expect(found.flavors?.[flavor]).toMatchObject(details);
    expect(found.tfMetaGraphTags).toBeUndefined();
  });

  test("odd shapes: a lone tag string is one tag; a flavor that is not a mapping is left out; flavors over 64 KiB are left out; no flavors, nothing", async () => {
    const lone = await describeMlmodel("flavors:\n  tensorflow:\n    meta_graph_tags: serve\n    saved_model_dir: tfmodel\n");
    expect(lone.tfMetaGraphTags).toEqual(["serve"]);
    const mixed = await describeMlmodel("flavors:\n  tensorflow:\n    meta_graph_tags: [serve, 3]\n  odd: just a string\n");
    expect(mixed.tfMetaGraphTags).toBeUndefined();
    expect(Object.keys(mixed.flavors ?? {})).toEqual(["tensorflow"]);
    const huge = await describeMlmodel(`flavors:\n  tensorflow:\n    meta_graph_tags: [serve]\n    blob: ${"x".repeat(64 * 1024)}\n`);
    expect(huge).toEqual({ framework: "TENSORFLOW" });
    const none = await describeMlmodel("artifact_path: model\n");
    expect(none).toEqual({});
    const timestamp = await describeMlmodel("flavors:\n  custom:\n    built: 2023-05-02T12:00:00Z\n");
    // YAML 1.2 (the SDK's parser) has no timestamp type: the text stays as written.
    expect(timestamp.flavors).toEqual({ custom: { built: "2023-05-02T12:00:00Z" } });
  });
});

describe("flavors, MetaGraph tags and the card through a real gateway", () => {
  let gw: TestGateway;
  let mr: ModelRegistry;
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir("homer-sdk-flavors-");
    gw = await startTestGateway();
    mr = await connection({ url: gw.url }).getModelRegistry();
  });
  afterAll(async () => {
    await gw?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function tfModelDir(name: string, readme?: string): Promise<string> {
    const dir = path.join(root, name);
    await fs.mkdir(path.join(dir, "tfmodel", "variables"), { recursive: true });
    await fs.writeFile(path.join(dir, "MLmodel"), MLMODELS["TensorFlow SavedModel (MLflow 1.14)"]);
    await fs.writeFile(path.join(dir, "tfmodel", "saved_model.pb"), "pb");
    if (readme !== undefined) await fs.writeFile(path.join(dir, "README.md"), readme);
    return dir;
  }

  test("createModel({ modelPath }) registers what the MLmodel says; the card is fetched on demand", async () => {
    const readme = "# MNIST\n\nA SavedModel. <img src=x onerror=alert(1)>\n";
    const model = await mr.createModel({ name: "tf", modelPath: await tfModelDir("tf", readme) });
    expect(model.framework).toBe("TENSORFLOW");
    expect(model.tfMetaGraphTags).toEqual(["serve", "gpu"]);
    expect(model.flavors?.tensorflow).toEqual({
      meta_graph_tags: ["serve", "gpu"],
      saved_model_dir: "tfmodel",
      signature_def_key: "serving_default",
    });
    expect(model.flavors?.python_function).toMatchObject({ loader_module: "mlflow.tensorflow" });
    expect(Object.keys(model)).not.toContain("card");
    expect(await model.getCard()).toBe(readme);
    expect(await mr.getModelCard({ name: "tf", version: model.version })).toBe(readme);
    const [listed] = await mr.getModels({ name: "tf" });
    expect(listed).toMatchObject({ tfMetaGraphTags: ["serve", "gpu"], flavors: model.flavors });
  });

  test("what the caller passes wins over the MLmodel, whole; save(dir) keeps a model's flavors and tags", async () => {
    const dir = await tfModelDir("tf-explicit");
    const flavors = { python_function: { loader_module: "my.loader" } };
    const explicit = await mr.createModel({ name: "tf-explicit", modelPath: dir, flavors, tfMetaGraphTags: ["serve"] });
    expect(explicit.flavors).toEqual(flavors);
    expect(explicit.tfMetaGraphTags).toEqual(["serve"]);
    expect(await explicit.getCard()).toBeNull();
    const plain = path.join(root, "plain");
    await fs.mkdir(plain, { recursive: true });
    await fs.writeFile(path.join(plain, "weights.bin"), "w");
    const copy = await explicit.save(plain);
    expect(copy.version).toBe(2);
    expect(copy).toMatchObject({ flavors, tfMetaGraphTags: ["serve"] });
  });

  test("hostile flavors and tags from the caller are BAD_USER_INPUT, and nothing is registered", async () => {
    const dir = await tfModelDir("tf-bad");
    const nul = await mr.createModel({ name: "tf-bad", modelPath: dir, tfMetaGraphTags: ["ser\u0000ve"] }).catch((e) => e);
    expect(nul).toMatchObject({ code: "BAD_USER_INPUT" });
    const bidi = await mr.createModel({ name: "tf-bad", modelPath: dir, flavors: { "sk\u202Elearn": {} } }).catch((e) => e);
    expect(bidi).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(await mr.getModel({ name: "tf-bad", version: 1 })).toBeNull();
  });

  test("a version's card is null when absent; a page of 500 selecting card is refused, 50 pass", async () => {
    for (let i = 0; i < 3; i++) await mr.createModel({ name: "carded", modelPath: await tfModelDir(`carded-${i}`, `# card ${i}`) });
    // Three times: from the third, the operation runs compiled by graphql-jit, with the same answer.
    for (let i = 0; i < 3; i++) {
      const small = await gw.gql(`{ models(name: "carded", first: 50) { nodes { version card flavors tfMetaGraphTags } } }`);
      expect(small.errors).toBeUndefined();
      expect(small.data.models.nodes.map((n: { version: number; card: string }) => [n.version, n.card])).toEqual([
        [3, "# card 2"],
        [2, "# card 1"],
        [1, "# card 0"],
      ]);
      expect(small.data.models.nodes[0].tfMetaGraphTags).toEqual(["serve", "gpu"]);
    }
    const big = await gw.gql(`{ models(name: "carded", first: 500) { nodes { version card } } }`);
    expect(big.status).toBe(400);
    expect(big.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(await mr.getModelCard({ name: "carded", version: 99 })).toBeNull();
  });
});
