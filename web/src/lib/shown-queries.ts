import { makeOperation, mapExchange, type Client, type Exchange, type Operation } from "urql";

/** The queries the views on screen hold, and how to ask them all of the server again. */
export interface ShownQueries {
  /** Keeps the list: place it first, where every view's query and teardown pass. */
  readonly exchange: Exchange;
  /** Asks every shown query of the server (the answers replace what the cache holds). */
  refetch(client: Client): void;
}

/**
 * The queries on screen now, by operation key. Live events keep them fresh while
 * the events' connection stands; after it was lost and came back (a gateway
 * restarted, a network change), the events sent meanwhile reached no one, so
 * what is shown is asked again rather than trusted.
 */
export function shownQueries(): ShownQueries {
  const shown = new Map<number, Operation>();
  return {
    exchange: mapExchange({
      onOperation(operation) {
        if (operation.kind === "query") shown.set(operation.key, operation);
        else if (operation.kind === "teardown") shown.delete(operation.key);
      },
    }),
    refetch(client) {
      for (const operation of [...shown.values()]) {
        client.reexecuteOperation(makeOperation("query", operation, { ...operation.context, requestPolicy: "network-only" }));
      }
    },
  };
}
