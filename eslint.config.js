// @ts-check
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import { fileURLToPath } from "node:url";
import tseslint from "typescript-eslint";

/**
 * Type-aware linting for the gateway, SDK, CLI, tests and bench (`npm run lint`).
 * Each file is typed by its nearest tsconfig.json (the root one covers root configs
 * and the bench scripts). Rules turned off here say why in one line.
 */
export default defineConfig(
  globalIgnores([
    "**/dist/",
    "sdk/src/generated/",
    "web/src/generated/",
    "coverage/",
    "bench/.data/",
    "test/.artifacts/",
    "test/.readme-sdk.*",
    ".homer/",
  ]),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: fileURLToPath(new URL(".", import.meta.url)) },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // As tsc's noUnusedParameters: a leading `_` marks a parameter kept for its position.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
      // `async` implements Promise-returning interfaces (Apollo hooks, Kysely providers); no-floating-promises guards the hazard.
      "@typescript-eslint/require-await": "off",
      // Matching control characters is the point where the code does it (stored-text rules, ANSI in terminal tests).
      "no-control-regex": "off",
    },
  },
  {
    files: ["gateway/src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          // V8 allocates a literal's accessor pair in the old generation: made per call, the
          // dead pair keeps its closure's scope (a request's records) alive through every
          // young collection until the next full one. Put the getter on a class instead.
          selector: ":function ObjectExpression > Property[kind=/^(get|set)$/]",
          message: "no get/set in an object literal made per call: use a class with the accessor on its prototype",
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // Tests read untyped JSON responses and reach into internals on purpose; `expect` is their type check.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: globals.node },
    rules: {
      // Plain JavaScript has no annotations: these would flag every untyped parameter.
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  {
    // The SDK's CommonJS stub (require() on old Nodes): no tsconfig types it.
    files: ["**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node, sourceType: "commonjs" },
  },
);
