import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { requestLevelError, toDomainError } from "../http/error-map.js";
import { reportInfrastructureFailure } from "../http/report-failure.js";
import type { Context } from "./context.js";
import { isExpectedError } from "./format-error.js";

/**
 * Logs unexpected errors with the request's id (clients only see them masked),
 * and gives a response whose error describes the whole request (too large, a
 * dependency down, no space) that error's HTTP status and `Retry-After`.
 */
export const errorReporting: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ contextValue, errors }) {
        for (const error of errors) {
          if (contextValue) reportInfrastructureFailure(contextValue.log, toDomainError(unwrapResolverError(error)));
          if (isExpectedError(error, error.extensions?.code)) continue;
          contextValue?.log.error({ err: error.originalError ?? error, path: error.path }, "internal error");
        }
      },
      async willSendResponse({ response }) {
        if (response.body.kind !== "single") return;
        for (const error of response.body.singleResult.errors ?? []) {
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
