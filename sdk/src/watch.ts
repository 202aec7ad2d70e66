import { stringifyDocument } from "@urql/core";
import { createClient, type Client as WsClient, type FormattedExecutionResult } from "graphql-ws/client";
import type { ResolvedOptions } from "./client.js";
import { fromGraphQLErrors, RegistryError, transportError, type GraphQLErrorBody } from "./errors.js";
import { WatchModelsDocument, type ModelEventType, type WatchModelsSubscription } from "./generated/graphql.js";
import type { Model } from "./model.js";
import { notShaped } from "./operation.js";
import type { ModelData } from "./types.js";

export type { ModelEventType };

/** A committed change to a version: when it arrives, `getModel` already returns the version (null after DELETED). */
export interface ModelEvent {
  readonly type: ModelEventType;
  readonly project: string;
  readonly name: string;
  readonly version: number;
  readonly at: Date;
  /** The alias an ALIAS_SET (now pointing at `version`) or ALIAS_REMOVED (that pointed at it) is about; null otherwise. */
  readonly alias: string | null;
  /** The version as it was when the event was delivered; null after DELETED or once it is gone. */
  readonly model: Model | null;
}

export interface WatchOptions {
  /** One model's versions; omitted: every model of the project. */
  readonly name?: string;
  readonly project?: string;
  /** Aborting ends the iteration (as `close()` does). */
  readonly signal?: AbortSignal;
}

/** The WebSocket class graphql-ws should use: `ws` in Node, the browser's own in browsers. */
export type WebSocketImpl = unknown;

/** `http(s)://…/graphql` → `ws(s)://…/graphql`. */
export function webSocketUrl(url: string): string {
  return url.replace(/^http(s?):/i, "ws$1:");
}

/** Whatever graphql-ws rejects with (an errors array, a CloseEvent, an Error) as a RegistryError. */
function toRegistryError(error: unknown, doing: string): RegistryError {
  if (error instanceof RegistryError) return error;
  if (Array.isArray(error))
    return fromGraphQLErrors(error as GraphQLErrorBody[], doing) ?? transportError(doing, "the subscription failed");
  const close = error as { code?: unknown; reason?: unknown };
  if (typeof close?.code === "number") {
    const reason = typeof close.reason === "string" && close.reason ? `: ${close.reason}` : "";
    return transportError(doing, `the WebSocket closed (${close.code}${reason})`, { cause: error });
  }
  return transportError(doing, `could not reach the registry (${error instanceof Error ? error.message : String(error)})`, {
    cause: error,
  });
}

/**
 * Live events over one WebSocket (graphql-ws), as an async iterator: `for await
 * (const event of mr.watch({ name }))`. Breaking out of the loop, `close()` or
 * the `signal` closes the socket. A lost connection ends the iteration with a
 * NETWORK_ERROR; events committed while nobody listened are not replayed, so
 * read the current state (getModels) after watching again.
 */
export class ModelWatch implements AsyncIterableIterator<ModelEvent> {
  readonly #client: WsClient;
  readonly #results: AsyncIterableIterator<FormattedExecutionResult<WatchModelsSubscription, unknown>>;
  readonly #doing: string;
  #closed = false;

  /** @internal use `ModelRegistry.watch` */
  constructor(
    options: ResolvedOptions,
    variables: { readonly project: string | undefined; readonly name: string | undefined },
    private readonly wrap: (data: ModelData) => Model,
    signal?: AbortSignal,
  ) {
    this.#doing = `watch ${variables.project ?? "(default project)"}${variables.name ? `/${variables.name}` : ""}`;
    if (!options.webSocket) {
      throw new RegistryError("UNSUPPORTED", "watch needs a WebSocket: none is built in here; pass connection({ webSocket })");
    }
    this.#client = createClient({
      url: webSocketUrl(options.url),
      webSocketImpl: options.webSocket,
      connectionParams: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
      // A silent reconnect would hide the events missed meanwhile: the caller decides.
      retryAttempts: 0,
      lazy: true,
      lazyCloseTimeout: 0,
    });
    this.#results = this.#client.iterate<WatchModelsSubscription>({
      query: stringifyDocument(WatchModelsDocument),
      variables: { project: variables.project ?? null, name: variables.name ?? null },
    });
    if (signal?.aborted) void this.close();
    signal?.addEventListener("abort", () => void this.close(), { once: true });
  }

  async next(): Promise<IteratorResult<ModelEvent>> {
    if (this.#closed) return { value: undefined, done: true };
    let result: IteratorResult<FormattedExecutionResult<WatchModelsSubscription, unknown>>;
    try {
      result = await this.#results.next();
    } catch (error) {
      await this.close();
      throw toRegistryError(error, this.#doing);
    }
    if (result.done || this.#closed) {
      await this.close();
      return { value: undefined, done: true };
    }
    const { data, errors } = result.value;
    if (errors?.length || !data) {
      await this.close();
      throw toRegistryError(errors ?? [], this.#doing);
    }
    try {
      return { value: this.#read(data.modelEvents), done: false };
    } catch (error) {
      // Thrown from next(), a `for await` calls no return(): the socket would stay open, and the process alive.
      await this.close();
      throw error;
    }
  }

  /** An event as the schema says it is, or INTERNAL_SERVER_ERROR (a proxy's answer, or a registry that lies). */
  #read(event: WatchModelsSubscription["modelEvents"]): ModelEvent {
    if (typeof event !== "object" || event === null) throw notShaped(this.#doing, "an event that is no object");
    const at = new Date(event.at);
    if (Number.isNaN(at.getTime())) throw notShaped(this.#doing, `an event at ${JSON.stringify(event.at)}`);
    return {
      type: event.type,
      project: event.project,
      name: event.name,
      version: event.version,
      at,
      alias: event.alias ?? null,
      model: event.model ? this.wrap(event.model) : null,
    };
  }

  /** Stops watching and closes the WebSocket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#results.return?.();
    await this.#client.dispose();
  }

  async return(): Promise<IteratorResult<ModelEvent>> {
    await this.close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ModelEvent> {
    return this;
  }
}
