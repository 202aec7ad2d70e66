import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Typed documents for clients, generated from the committed schema.graphql into
 * sdk/src/generated/ (committed; `npm run check:generated` fails when stale).
 * The SDK's operation documents live in sdk/src/**\/*.graphql.
 */
const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["sdk/src/**/*.graphql"],
  ignoreNoDocuments: true,
  // `.js` on relative imports, as NodeNext ESM requires.
  emitLegacyCommonJSImports: false,
  generates: {
    "sdk/src/generated/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: "string", JSON: "unknown", JSONObject: "Record<string, unknown>", SafeInt: "number", Upload: "unknown" },
      },
    },
  },
};

export default config;
