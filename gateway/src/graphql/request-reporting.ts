import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { requestLevelError, toDomainError } from "../http/error-map.js";
import { reportInfrastructureFailure } from "../http/report-failure.js";
import type { Metrics } from "../metrics/index.js";
import type { Context } from "./context.js";
import { isExpectedError } from "./format-error.js";

/**
 * Logs unexpected errors with the request's id (clients only see them masked),
 * gives a response whose error describes the whole request (too large, a
 * dependency down, no space) that error's HTTP status and `Retry-After`, and,
 * given `metrics`, counts and times every operation by bounded operation name,
 * type and outcome. One plugin, so that Apollo awaits one listener per hook of
 * every request.
 */
export function requestReporting(metrics?: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = metrics ? process.hrtime.bigint() : 0n;
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            if (contextValue) reportInfrastructureFailure(contextValue.log, toDomainError(unwrapResolverError(error)));
            if (isExpectedError(error, error.extensions?.code)) continue;
            contextValue?.log.error({ err: error.originalError ?? error, path: error.path }, "internal error");
          }
        },
        async willSendResponse({ operation, response }) {
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          metrics?.graphqlOperation(operation, errors, Number(process.hrtime.bigint() - started) / 1e9);
          for (const error of errors ?? []) {
            const status = requestLevelError(error.extensions?.code, error.extensions);
            if (!status) continue;
            response.http.status = status.httpStatus;
            if (status.retryAfterSeconds !== undefined) response.http.headers.set("Retry-After", String(status.retryAfterSeconds));
            return;
          }
        },
      };
    },
  };
}
