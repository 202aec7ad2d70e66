import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError, type ModelRegistry } from "@homer/sdk";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

describe("SDK calls given no object of options", () => {
  let gw: TestGateway;
  let mr: ModelRegistry;
  beforeAll(async () => {
    gw = await startTestGateway();
    mr = await connection({ url: gw.url }).getModelRegistry();
  });
  afterAll(async () => {
    await gw.close();
  });

  test("null, a name alone or a list is BAD_USER_INPUT on options naming the call, not a bare TypeError", async () => {
    const calls: Record<string, (given: never) => Promise<unknown>> = {
      createModel: (o) => mr.createModel(o),
      getModels: (o) => mr.getModels(o),
      iterateModels: async (o) => {
        for await (const _ of mr.iterateModels(o)) break;
      },
      getBestModel: (o) => mr.getBestModel(o),
      deleteModel: (o) => mr.deleteModel(o),
      updateModel: (o) => mr.updateModel(o),
      getModelCard: (o) => mr.getModelCard(o),
      getDerivedModels: (o) => mr.getDerivedModels(o),
      iterateDerivedModels: async (o) => {
        for await (const _ of mr.iterateDerivedModels(o)) break;
      },
      getModelFamilies: (o) => mr.getModelFamilies(o),
      getAliases: (o) => mr.getAliases(o),
      setAlias: (o) => mr.setAlias(o),
      removeAlias: (o) => mr.removeAlias(o),
      protectAlias: (o) => mr.protectAlias(o),
    };
    for (const [name, call] of Object.entries(calls)) {
      for (const given of [null, "mnist", ["mnist"]]) {
        const error = await call(given as never).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error, `${name}(${JSON.stringify(given)})`).toBeInstanceOf(RegistryError);
        const { code, field, message } = error as RegistryError;
        expect([code, field], `${name}(${JSON.stringify(given)})`).toEqual(["BAD_USER_INPUT", "options"]);
        expect(message).toMatch(/takes an object of options/);
      }
    }
  });

  test("a version that is no whole number from 1 to 2^31 - 1 is BAD_USER_INPUT on version in every call that takes one, before any request", async () => {
    const calls: Record<string, (version: number) => Promise<unknown>> = {
      getModel: (version) => mr.getModel({ name: "mnist", version }),
      deleteModel: (version) => mr.deleteModel({ name: "mnist", version }),
      updateModel: (version) => mr.updateModel({ name: "mnist", version, description: "d" }),
      getModelCard: (version) => mr.getModelCard({ name: "mnist", version }),
      getDerivedModels: (version) => mr.getDerivedModels({ name: "mnist", version }),
      iterateDerivedModels: (version) => mr.iterateDerivedModels({ name: "mnist", version }).next(),
      setAlias: (version) => mr.setAlias({ name: "mnist", alias: "champion", version }),
    };
    for (const [name, call] of Object.entries(calls)) {
      for (const version of [NaN, Infinity, 1.5, 0, -1, 2 ** 31, "7", null] as unknown as number[]) {
        const error = await call(version).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error, `${name}(${String(version)})`).toBeInstanceOf(RegistryError);
        const { code, field, message } = error as RegistryError;
        expect([code, field], `${name}(${String(version)})`).toEqual(["BAD_USER_INPUT", "version"]);
        expect(message).toMatch(/^version must be a whole number from 1 to 2147483647/);
      }
    }
  });
});
