import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One copy of graphql for every importer, or type-graphql sees "another realm".
    alias: { graphql: require.resolve("graphql") },
  },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.types.test.ts", "**/node_modules/**"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    // Type tests (*.types.test.ts) run through the compiler as part of `npm test`.
    typecheck: { enabled: true, include: ["test/**/*.types.test.ts"], tsconfig: "test/tsconfig.json" },
  },
});
