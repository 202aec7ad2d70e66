import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import type { ValidationRule } from "graphql";
import type { Config } from "../config.js";

/**
 * Validation rules that refuse abusive operations before they run: depth,
 * aliases, directives and estimated cost. Each refusal is a
 * GRAPHQL_VALIDATION_FAILED error with HTTP 400. (Tokens are capped by the
 * parser itself: see `parseOptions` in app.ts.)
 */
export function operationLimits(config: Pick<Config, "maxQueryDepth" | "maxAliases" | "maxDirectives" | "maxQueryCost">): ValidationRule[] {
  return [
    maxDepthRule({ n: config.maxQueryDepth, ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesRule({ n: config.maxAliases }),
    maxDirectivesRule({ n: config.maxDirectives }),
    costLimitRule({ maxCost: config.maxQueryCost, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: true }),
  ] as unknown as ValidationRule[];
}
