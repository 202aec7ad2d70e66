import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { GraphQLError, OperationTypeNode, type ValidationContext, type ValidationRule } from "graphql";
import type { Config } from "../config.js";
import { costLimitRule } from "./cost.js";
import { unconditionalSubscriptionField } from "./subscription-field.js";

/**
 * One createModel per request: mutations run one after another, and a second
 * one's file parts may come first in the multipart body, which would stall both.
 */
export const oneRegistrationPerOperation: ValidationRule = (context) => {
  // Counted over the whole document, fragments included, so no spread order slips by.
  let count = 0;
  return {
    Field(node) {
      if (node.name.value !== "createModel" || context.getParentType()?.name !== "Mutation") return;
      if (++count === 2) {
        context.reportError(
          new GraphQLError("one createModel per request (fragments included): send each registration on its own", { nodes: [node] }),
        );
      }
    },
  };
};

/** Subscriptions are served over WebSocket only: say so at validation, not as an execution failure. */
export const noSubscriptions: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation === OperationTypeNode.SUBSCRIPTION) {
      context.reportError(
        new GraphQLError("subscriptions are served over WebSocket (graphql-ws) at ws://host:port/graphql, not over HTTP", {
          nodes: [node],
        }),
      );
    }
  },
});

/** Over WebSocket only subscriptions: queries and mutations go over HTTP, with its limits. */
export const onlySubscriptions: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== OperationTypeNode.SUBSCRIPTION) {
      context.reportError(
        new GraphQLError("send queries and mutations over HTTP POST; the WebSocket serves subscriptions", { nodes: [node] }),
      );
    }
  },
});

/**
 * Validation rules that refuse abusive operations before they run: depth,
 * aliases, directives and estimated cost (the cost model is in cost.ts). Each refusal is a
 * GRAPHQL_VALIDATION_FAILED error with HTTP 400. (Tokens are capped by the
 * parser itself: see `parseOptions` in app.ts.)
 */
export function operationLimits(
  config: Pick<Config, "maxQueryDepth" | "maxAliases" | "maxDirectives" | "maxQueryCost">,
  transport: "http" | "websocket" = "http",
): ValidationRule[] {
  // Report, don't throw: a thrown rejection reaches Apollo as an unexpected error (500).
  const report = {
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
  };
  return [
    unconditionalSubscriptionField,
    transport === "http" ? noSubscriptions : onlySubscriptions,
    oneRegistrationPerOperation,
    maxDepthRule({ n: config.maxQueryDepth, ignoreIntrospection: true, flattenFragments: true, ...report }),
    maxAliasesRule({ n: config.maxAliases, ...report }),
    maxDirectivesRule({ n: config.maxDirectives, ...report }),
    costLimitRule(config.maxQueryCost),
  ];
}
