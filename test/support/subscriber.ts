/**
 * A real graphql-ws client over a real WebSocket, collecting what one
 * subscription delivers: results, the error it ended with, or its completion.
 */
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface Subscriber {
  readonly client: Client;
  /** Every `next` payload's data.modelEvents, in order. */
  readonly events: any[];
  /** The errors it ended with (from `next` or `error`), if any. */
  readonly errors: { message: string; extensions?: Record<string, unknown> }[];
  readonly done: Promise<void>;
  isDone(): boolean;
  close(): Promise<void>;
}

export const EVENT_FIELDS = `type project name version at`;

/** Subscribes to `modelEvents` at `origin` (http://…) with `selection`; `onEvent` runs for each before it is recorded. */
export function subscribe(
  origin: string,
  args: { project?: string; name?: string },
  options: { apiKey?: string; selection?: string; onEvent?: (event: any) => Promise<unknown> | void; headerKey?: boolean } = {},
): Subscriber {
  const client = createClient({
    url: `${origin.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: options.headerKey
      ? class extends WebSocket {
          constructor(url: string, protocols: string[]) {
            super(url, protocols, { headers: { authorization: `Bearer ${options.apiKey}` } });
          }
        }
      : WebSocket,
    connectionParams: options.apiKey && !options.headerKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    retryAttempts: 0,
    lazy: true,
    lazyCloseTimeout: 0,
  });
  const events: any[] = [];
  const errors: Subscriber["errors"] = [];
  let finished = false;
  let chain = Promise.resolve();
  const done = new Promise<void>((resolve) => {
    client.subscribe(
      {
        query: `subscription($p: String, $n: String) { modelEvents(project: $p, name: $n) { ${options.selection ?? EVENT_FIELDS} } }`,
        variables: { p: args.project ?? null, n: args.name ?? null },
      },
      {
        next(result) {
          if (result.errors) errors.push(...(result.errors as Subscriber["errors"]));
          const event = (result.data as any)?.modelEvents;
          if (!event) return;
          // In order, each handler finished before the next event is recorded.
          chain = chain.then(async () => {
            await options.onEvent?.(event);
            events.push(event);
          });
        },
        error(error) {
          if (Array.isArray(error)) errors.push(...error);
          else errors.push({ message: String((error as { reason?: string }).reason ?? error), extensions: { code: "CLOSED" } });
          finished = true;
          void chain.then(resolve);
        },
        complete() {
          finished = true;
          void chain.then(resolve);
        },
      },
    );
  });
  return {
    client,
    events,
    errors,
    done,
    isDone: () => finished,
    async close() {
      await client.dispose();
    },
  };
}

/**
 * The server answers no acknowledgement for a subscribe: make changes with
 * `poke` until the subscriber has seen one, so later changes surely reach it.
 * Clears what it saw.
 */
export async function untilLive(subscriber: Subscriber, poke: () => Promise<unknown>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (subscriber.events.length === 0) {
    if (subscriber.isDone()) throw new Error(`the subscription ended: ${JSON.stringify(subscriber.errors)}`);
    if (Date.now() > deadline) throw new Error("the subscription never delivered an event");
    await poke();
    const waitUntil = Date.now() + 300;
    while (subscriber.events.length === 0 && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 10));
  }
  subscriber.events.length = 0;
}

/** Resolves once `count` events arrived (or rejects after `timeoutMs`). */
export async function eventsArrive(subscriber: Subscriber, count: number, timeoutMs = 10_000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  while (subscriber.events.length < count) {
    if (Date.now() > deadline)
      throw new Error(`${subscriber.events.length} of ${count} events arrived: ${JSON.stringify(subscriber.events)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return subscriber.events.slice(0, count);
}
