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
});
