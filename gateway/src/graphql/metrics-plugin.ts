import type { ApolloServerPlugin } from "@apollo/server";
import type { Metrics } from "../metrics/index.js";
import type { Context } from "./context.js";

/** Counts and times every GraphQL operation Apollo answers, by bounded operation name, type and outcome. */
export function operationMetrics(metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, response }) {
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          metrics.graphqlOperation(operation, errors, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}
