import type { CodegenConfig } from "@graphql-codegen/cli";

/**
 * Typed documents for clients, generated from the committed schema.graphql into
 * sdk/src/generated/ and web/src/generated/ (committed; `npm run check:generated`
 * fails when stale). The SDK's operation documents live in sdk/src/**\/*.graphql,
 * the web app's in web/src/graphql/.
 */
const generatedConfig = {
  enumsAsTypes: true,
  useTypeImports: true,
  scalars: { DateTime: "string", JSON: "unknown", JSONObject: "Record<string, unknown>", SafeInt: "number", Upload: "unknown" },
};

const config: CodegenConfig = {
  schema: "schema.graphql",
  ignoreNoDocuments: true,
  // `.js` on relative imports, as NodeNext ESM requires.
  emitLegacyCommonJSImports: false,
  generates: {
    "sdk/src/generated/": {
      documents: ["sdk/src/**/*.graphql"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: generatedConfig,
    },
    "web/src/generated/": {
      documents: ["web/src/graphql/*.graphql"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: generatedConfig,
    },
  },
};

export default config;
