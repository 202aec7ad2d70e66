import { describe, expectTypeOf, test } from "vitest";
import type {
  Framework,
  Model,
  ModelAlias,
  ModelDraft,
  ModelRegistry,
  ModelSelector,
  RegistryError,
  RegistryErrorCode,
  TransferProgress,
} from "@homer/sdk";
import { parseModelRef } from "@homer/sdk";
import type { connection as browserConnection, ModelRegistry as BrowserModelRegistry } from "@homer/sdk/browser";

/**
 * Type tests: checked by the compiler (vitest typecheck mode and `npm run typecheck`),
 * never executed. Each @ts-expect-error line must stay an error.
 */
declare const mr: ModelRegistry;

describe("SDK types", () => {
  test("createModel returns a Model with modelPath, a draft without", () => {
    expectTypeOf(mr.createModel({ name: "mnist", modelPath: "./dir" })).resolves.toEqualTypeOf<Model>();
    expectTypeOf(mr.createModel({ name: "mnist", metrics: { accuracy: 0.9 } })).resolves.toEqualTypeOf<ModelDraft>();
    expectTypeOf<ModelDraft["save"]>().returns.resolves.toEqualTypeOf<Model>();
  });

  test("results are precisely typed", () => {
    expectTypeOf(mr.getModel({ name: "mnist", version: 1 })).resolves.toEqualTypeOf<Model | null>();
    expectTypeOf(mr.getModels({ name: "mnist", sortKey: "accuracy" })).resolves.toEqualTypeOf<Model[]>();
    expectTypeOf(mr.getBestModel({ name: "mnist", metric: "accuracy" })).resolves.toEqualTypeOf<Model | null>();
    expectTypeOf<Model["metrics"]>().toEqualTypeOf<Readonly<Record<string, number>>>();
    expectTypeOf<Model["createdAt"]>().toEqualTypeOf<Date>();
    expectTypeOf<Model["version"]>().toEqualTypeOf<number>();
    expectTypeOf<Model["framework"]>().toEqualTypeOf<Framework | null>();
    expectTypeOf<Model["files"][number]["sha256"]>().toEqualTypeOf<string>();
    expectTypeOf<Model["delete"]>().returns.resolves.toEqualTypeOf<void>();
    expectTypeOf<Model["download"]>().returns.resolves.toEqualTypeOf<string>();
    expectTypeOf<RegistryError["code"]>().toEqualTypeOf<RegistryErrorCode>();
    expectTypeOf<TransferProgress["bytes"]>().toEqualTypeOf<number>();
    expectTypeOf(mr.getModel("mnist@champion")).resolves.toEqualTypeOf<Model | null>();
    expectTypeOf(mr.getModel({ name: "mnist", alias: "champion" })).resolves.toEqualTypeOf<Model | null>();
    expectTypeOf(mr.setAlias({ name: "mnist", alias: "champion", version: 3 })).resolves.toEqualTypeOf<ModelAlias>();
    expectTypeOf(mr.getAliases({ name: "mnist" })).resolves.toEqualTypeOf<ModelAlias[]>();
    expectTypeOf<Model["aliases"]>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<ReturnType<typeof parseModelRef>["selector"]>().toEqualTypeOf<ModelSelector>();
    expectTypeOf<ReturnType<typeof browserConnection>["getModelRegistry"]>().returns.resolves.toEqualTypeOf<BrowserModelRegistry>();
  });

  test("mistakes do not compile", () => {
    const mistakes = () => {
      // @ts-expect-error a metric value must be a number
      void mr.createModel({ name: "mnist", metrics: { accuracy: "0.9" } });
      // @ts-expect-error misspelled option
      void mr.createModel({ name: "mnist", metircs: { accuracy: 0.9 } });
      // @ts-expect-error name is required
      void mr.createModel({ modelPath: "./dir" });
      // @ts-expect-error not a framework
      void mr.createModel({ name: "mnist", framework: "JAX" });
      // @ts-expect-error version is a number
      void mr.getModel({ name: "mnist", version: "1" });
      // @ts-expect-error a version or an alias, not both
      void mr.getModel({ name: "mnist", version: 1, alias: "champion" });
      // @ts-expect-error an alias names a version: it is required
      void mr.setAlias({ name: "mnist", alias: "champion" });
      // @ts-expect-error direction is "asc" or "desc"
      void mr.getModels({ name: "mnist", direction: "down" });
      // @ts-expect-error misspelled field of a result
      void (null as unknown as Model).metric;
      // @ts-expect-error results are read-only
      (null as unknown as Model).version = 2;
    };
    expectTypeOf(mistakes).toBeFunction();
  });
});
