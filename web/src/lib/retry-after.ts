import { makeOperation, type CombinedError, type Exchange, type Operation } from "urql";
import { filter, makeSubject, merge, pipe, tap, type Subject } from "wonka";
import type { Throttle } from "./throttle";

/** Codes whose answer says "not now" rather than "no": the same query may be answered later. */
const TRY_LATER: ReadonlySet<unknown> = new Set(["TOO_MANY_REQUESTS", "UNAVAILABLE"]);

/** Whether an error is the registry's rate limit or unavailability. */
const triesLater = (error: CombinedError | undefined) => !!error && error.graphQLErrors.some((e) => TRY_LATER.has(e.extensions?.code));

/**
 * Queries the registry refused with a `Retry-After` (its rate limit, 429; unavailable,
 * 503) are asked again once the wait it named is over (`throttledFetch` starts it),
 * instead of showing the refusal: the view goes on loading, and the app says why it waits.
 * At most `attempts` times in a row, then the refusal is shown. A query no view holds
 * any more is not asked again. Mutations are never repeated by themselves.
 */
export function retryAfterExchange(throttle: Throttle, attempts = 5): Exchange {
  return ({ forward }) =>
    (operations$) => {
      // Sent on from here, not through the client: the client holds a query it saw no answer to
      // as in flight, and would not send it again.
      const again: Subject<Operation> = makeSubject();
      const shown = new Set<number>();
      /** Each query's retries since its last answer that was not a wait. */
      const retries = new Map<number, number>();
      const watched = pipe(
        operations$,
        tap((operation) => {
          if (operation.kind === "query") shown.add(operation.key);
          else if (operation.kind === "teardown") {
            shown.delete(operation.key);
            retries.delete(operation.key);
          }
        }),
      );
      return pipe(
        forward(merge([watched, again.source])),
        filter((result) => {
          const { operation } = result;
          if (operation.kind !== "query") return true;
          const retried = retries.get(operation.key) ?? 0;
          if (retried >= attempts || !triesLater(result.error) || !throttle.current()) {
            retries.delete(operation.key);
            return true;
          }
          retries.set(operation.key, retried + 1);
          void throttle.wait().then(() => {
            if (shown.has(operation.key))
              again.next(makeOperation("query", operation, { ...operation.context, requestPolicy: "network-only" }));
          });
          return false;
        }),
      );
    };
}
