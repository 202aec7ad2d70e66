import { describe, expectTypeOf, test } from "vitest";
import type {
  BrowserCreateModelOptions,
  Model,
  ModelDraft,
  ModelEvent,
  ModelRegistry,
  RegistryErrorCode,
  TransferProgress,
} from "@homer/sdk/browser";
import type { Model as NodeModel } from "@homer/sdk";

/**
 * Type tests of the browser entry (checked by the compiler, never executed):
 * uploads take files, downloads go to memory or a stream, and what needs Node
 * (`modelPath`, `save(dir)`, `download(dir)`) does not compile.
 */
declare const mr: ModelRegistry;
declare const model: Model;
declare const draft: ModelDraft;
declare const input: HTMLInputElement;
declare const file: File;

describe("browser entry types", () => {
  test("uploads take a FileList, Files or named Blobs; a draft saves files", () => {
    expectTypeOf(mr.createModel({ name: "mnist", files: input.files! })).resolves.toEqualTypeOf<Model>();
    expectTypeOf(mr.createModel({ name: "mnist", files: [file] })).resolves.toEqualTypeOf<Model>();
    expectTypeOf(mr.createModel({ name: "mnist", files: { "w.bin": new Blob([]) } })).resolves.toEqualTypeOf<Model>();
    expectTypeOf(mr.createModel({ name: "mnist", metrics: { accuracy: 0.9 } })).resolves.toEqualTypeOf<ModelDraft>();
    expectTypeOf(draft.save(file, { signal: AbortSignal.timeout(1000) })).resolves.toEqualTypeOf<Model>();
    expectTypeOf(model.save([file])).resolves.toEqualTypeOf<Model>();
    expectTypeOf<NonNullable<BrowserCreateModelOptions["onProgress"]>>().parameter(0).toEqualTypeOf<TransferProgress>();
  });

  test("downloads return a Blob or streams; queries return the browser's Model", () => {
    expectTypeOf(model.downloadFile("w.bin")).resolves.toEqualTypeOf<Blob>();
    expectTypeOf(model.streamFile("w.bin", { onProgress: () => {} })).resolves.toEqualTypeOf<ReadableStream<Uint8Array>>();
    expectTypeOf(model.streamArchive()).resolves.toEqualTypeOf<ReadableStream<Uint8Array>>();
    expectTypeOf(mr.getModel({ name: "mnist", version: 1 })).resolves.toEqualTypeOf<Model | null>();
    expectTypeOf(mr.getModels({ name: "mnist" })).resolves.toEqualTypeOf<Model[]>();
    expectTypeOf(mr.getBestModel({ name: "mnist", metric: "accuracy" })).resolves.toEqualTypeOf<Model | null>();
    expectTypeOf<ModelEvent["model"]>().toEqualTypeOf<Model | null>();
    expectTypeOf<"ABORTED">().toExtend<RegistryErrorCode>();
  });

  test("what needs Node does not compile", () => {
    const mistakes = () => {
      // @ts-expect-error modelPath is the Node entry's (a directory on disk)
      void mr.createModel({ name: "mnist", modelPath: "./dir" });
      // @ts-expect-error a directory path is not a file source
      void mr.createModel({ name: "mnist", files: "./dir" });
      // @ts-expect-error save takes files in a browser
      void draft.save("./dir");
      // @ts-expect-error save takes files in a browser
      void model.save("./dir");
      // @ts-expect-error download(dir) writes a directory: Node only
      void model.download("./out");
      // @ts-expect-error download() too
      void model.download();
      // @ts-expect-error a bare Blob has no name: pass { path: blob }
      void mr.createModel({ name: "mnist", files: [new Blob([])] });
      // @ts-expect-error the Node entry's Model is not the browser's (it has download(dir))
      const node: NodeModel = model;
      void node;
    };
    expectTypeOf(mistakes).toBeFunction();
  });
});
