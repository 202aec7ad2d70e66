import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError, type ModelRegistry } from "@homer/sdk";
import { makeTempDir } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/** The error `promise` rejects with, which must be a RegistryError. */
async function refusal(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

describe("SDK createModel: arguments the registry cannot take", () => {
  let gw: TestGateway;
  let root: string;
  let dir: string;
  let mr: ModelRegistry;
  beforeAll(async () => {
    gw = await startTestGateway();
    root = await makeTempDir("homer-sdk-create-args-");
    dir = path.join(root, "model");
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, "w.bin"), "weights");
    mr = await connection({ url: gw.url }).getModelRegistry();
  });
  afterAll(async () => {
    await gw.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("a version that is no whole number from 1 to 2^31 - 1 is BAD_USER_INPUT on version, with modelPath or for a draft; none is taken for the next free version", async () => {
    for (const version of [NaN, Infinity, -Infinity, 1.5, 0, -1, 2 ** 31, "7"] as unknown as number[]) {
      const shown = String(version);
      const uploaded = await refusal(mr.createModel({ name: "mnist", version, modelPath: dir }));
      expect([uploaded.code, uploaded.field], shown).toEqual(["BAD_USER_INPUT", "version"]);
      const drafted = await refusal(mr.createModel({ name: "mnist", version }));
      expect([drafted.code, drafted.field], shown).toEqual(["BAD_USER_INPUT", "version"]);
    }
    expect(await mr.getModels({ name: "mnist" })).toEqual([]);
    // The rule's ends are taken.
    expect((await mr.createModel({ name: "mnist", version: 2 ** 31 - 1, modelPath: dir })).version).toBe(2 ** 31 - 1);
    expect((await (await mr.createModel({ name: "mnist", version: 1 })).save(dir)).version).toBe(1);
  });
});
