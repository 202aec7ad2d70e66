import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError, type ModelRegistry } from "@homer/sdk";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const DIGEST = `sha256:${"c".repeat(64)}`;

/** The SDK's lineage: createModel/save take it, Model.lineage shows it, update replaces it, derivedModels lists children. */
describe("SDK lineage", () => {
  let gw: TestGateway;
  let mr: ModelRegistry;
  let dir: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    mr = await connection({ url: gw.url }).getModelRegistry();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "homer-sdk-lineage-"));
    await fs.writeFile(path.join(dir, "model.pkl"), "weights");
    await fs.writeFile(path.join(dir, "requirements.txt"), "scikit-learn==1.5");
  });
  afterAll(async () => {
    await gw?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  test("createModel registers lineage with parents as strings or objects; Model.lineage and derivedModels() read it", async () => {
    const base = await mr.createModel({ name: "sdk-base", modelPath: dir });
    const other = await mr.createModel({ name: "sdk-other", modelPath: dir });
    const child = await mr.createModel({
      name: "sdk-child",
      modelPath: dir,
      lineage: {
        trainingDataset: { name: "iris", version: "3", uri: "s3://data/iris.csv", digest: DIGEST },
        run: { id: "run-1", uri: "https://mlflow.example/runs/run-1" },
        program: { gitCommit: "deadbeef", entryPoint: "train.py" },
        environment: "requirements.txt",
        parents: [`sdk-base@${base.version}`, { name: "sdk-other", version: other.version }],
      },
    });
    expect(child.lineage).toEqual({
      trainingDataset: { name: "iris", version: "3", uri: "s3://data/iris.csv", digest: DIGEST },
      run: { id: "run-1", uri: "https://mlflow.example/runs/run-1" },
      program: { gitCommit: "deadbeef", entryPoint: "train.py", repository: null },
      environment: "requirements.txt",
      parents: [
        { project: "default", name: "sdk-base", version: 1 },
        { project: "default", name: "sdk-other", version: 1 },
      ],
    });
    expect(Object.isFrozen(child.lineage)).toBe(true);
    expect(base.lineage).toBeNull();
    expect((await base.derivedModels()).map((m) => `${m.name}@${m.version}`)).toEqual(["sdk-child@1"]);
    expect((await mr.getDerivedModels({ name: "sdk-other", version: 1, pageSize: 1 })).map((m) => m.name)).toEqual(["sdk-child"]);

    // A draft keeps its lineage until save; metadata() gives it back in createModel's form.
    const draft = await mr.createModel({ name: "sdk-draft", lineage: { parents: ["default/sdk-child@1"] } });
    const saved = await draft.save(dir);
    expect(saved.lineage!.parents).toEqual([{ project: "default", name: "sdk-child", version: 1 }]);
    expect(saved.metadata().lineage).toEqual({ parents: [{ project: "default", name: "sdk-child", version: 1 }] });
    const again = await saved.save(dir);
    expect(again.lineage).toEqual(saved.lineage);
  });

  test("update replaces the lineage whole and {} removes it", async () => {
    const model = await mr.createModel({ name: "sdk-upd", modelPath: dir, lineage: { run: { id: "r" } } });
    const edited = await model.update({ lineage: { environment: "requirements.txt", parents: ["sdk-base@1"] } });
    expect(edited.lineage).toMatchObject({ run: null, environment: "requirements.txt", parents: [{ name: "sdk-base", version: 1 }] });
    expect((await edited.update({ lineage: {} })).lineage).toBeNull();
  });

  test("save(dir) takes the run from MLmodel's run_id unless a run is given", async () => {
    const mlflowDir = await fs.mkdtemp(path.join(os.tmpdir(), "homer-sdk-mlmodel-"));
    try {
      await fs.writeFile(
        path.join(mlflowDir, "MLmodel"),
        "flavors:\n  sklearn:\n    pickled_model: model.pkl\nrun_id: 8f2e1d0c9b8a7f6e5d4c3b2a19081726\n",
      );
      await fs.writeFile(path.join(mlflowDir, "model.pkl"), "w");
      const read = await mr.createModel({ name: "sdk-mlflow", modelPath: mlflowDir });
      expect(read.lineage).toMatchObject({ run: { id: "8f2e1d0c9b8a7f6e5d4c3b2a19081726", uri: null }, parents: [] });
      const given = await mr.createModel({
        name: "sdk-mlflow",
        modelPath: mlflowDir,
        lineage: { run: { id: "mine" }, parents: ["sdk-base@1"] },
      });
      expect(given.lineage).toMatchObject({ run: { id: "mine" }, parents: [{ name: "sdk-base" }] });
      const merged = await mr.createModel({ name: "sdk-mlflow", modelPath: mlflowDir, lineage: { parents: ["sdk-base@1"] } });
      expect(merged.lineage).toMatchObject({ run: { id: "8f2e1d0c9b8a7f6e5d4c3b2a19081726" }, parents: [{ name: "sdk-base" }] });
    } finally {
      await fs.rm(mlflowDir, { recursive: true, force: true });
    }
  });

  test("bad parents are refused before anything is sent; server refusals keep their code", async () => {
    for (const parent of ["sdk-base", "sdk-base@", "@1", "a/b/c@1", "sdk-base@1.5", "sdk base@1", ""]) {
      const error = await mr.createModel({ name: "sdk-bad", modelPath: dir, lineage: { parents: [parent] } }).catch((e: unknown) => e);
      expect(error, parent).toBeInstanceOf(RegistryError);
      expect(error).toMatchObject({ code: "BAD_USER_INPUT", field: "lineage.parents[0]" });
    }
    const notList = await mr
      .createModel({ name: "sdk-bad", modelPath: dir, lineage: { parents: "sdk-base@1" as unknown as string[] } })
      .catch((e: unknown) => e);
    expect(notList).toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(mr.createModel({ name: "sdk-bad", modelPath: dir, lineage: { parents: ["missing@9"] } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(mr.createModel({ name: "sdk-bad", modelPath: dir, lineage: { environment: "nope.txt" } })).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
    });
    await expect(mr.getDerivedModels({ name: "sdk-never", version: 1 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await mr.getModel({ name: "sdk-bad", version: 1 })).toBeNull();
  });

  test("iterateDerivedModels fetches a page only when the loop reaches it; getDerivedModels reads them all", async () => {
    const base = await mr.createModel({ name: "sdk-wide", modelPath: dir });
    for (let i = 0; i < 7; i++) await mr.createModel({ name: "sdk-wide-kid", modelPath: dir, lineage: { parents: ["sdk-wide@1"] } });
    // A real fetch to the real gateway, counted: which DerivedModels pages were asked for.
    const pages: { first: number; after: string | null }[] = [];
    const counting: typeof fetch = async (input, init) => {
      const body =
        typeof init?.body === "string" ? (JSON.parse(init.body) as { query: string; variables: { first: number; after?: string } }) : null;
      if (body?.query.includes("query DerivedModels")) pages.push({ first: body.variables.first, after: body.variables.after ?? null });
      return fetch(input, init);
    };
    const counted = await connection({ url: gw.url, fetch: counting }).getModelRegistry();

    const iterator = counted.iterateDerivedModels({ name: "sdk-wide", version: base.version, pageSize: 2 });
    expect(pages).toHaveLength(0); // nothing is fetched before the loop asks
    const seen: number[] = [];
    for await (const kid of iterator) {
      seen.push(kid.version);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(pages).toEqual([
      { first: 2, after: null },
      { first: 2, after: expect.any(String) },
    ]);

    pages.length = 0;
    const all = await counted.getDerivedModels({ name: "sdk-wide", version: base.version, pageSize: 3 });
    expect(all.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pages).toHaveLength(3);

    await expect(counted.iterateDerivedModels({ name: "sdk-wide", version: 1, pageSize: 0 }).next()).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      field: "pageSize",
    });
    await expect(counted.iterateDerivedModels({ name: "sdk-never", version: 1 }).next()).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
