import { Client, fetchExchange, mapExchange } from "@urql/core";

/** Each option may be given as `undefined` (e.g. `process.env.X`): then its default applies. */
export interface ConnectionOptions {
  /** GraphQL endpoint; default `HOMER_URL`, else http://localhost:4000/graphql. */
  readonly url?: string | undefined;
  /** Sent as `Authorization: Bearer …`; default `HOMER_API_KEY`. */
  readonly apiKey?: string | undefined;
  /** Project used when a call names none; default `HOMER_PROJECT`, else the key's own. */
  readonly project?: string | undefined;
  /** A fetch to use instead of the global one. */
  readonly fetch?: typeof fetch | undefined;
  /** The WebSocket class for `watch` (default: `ws` in Node, the browser's own in browsers). */
  readonly webSocket?: unknown;
}

export interface ResolvedOptions {
  readonly url: string;
  readonly apiKey: string | undefined;
  readonly project: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: typeof fetch | undefined;
  readonly webSocket: unknown;
}

export const DEFAULT_URL = "http://localhost:4000/graphql";

function env(name: string): string | undefined {
  // Browsers have no process; bundlers may define process.env partially.
  const value = typeof process === "undefined" ? undefined : process.env?.[name];
  return value === "" ? undefined : value;
}

export function resolveOptions(options: ConnectionOptions = {}, defaultWebSocket?: unknown): ResolvedOptions {
  const url = options.url ?? env("HOMER_URL") ?? DEFAULT_URL;
  const apiKey = options.apiKey ?? env("HOMER_API_KEY");
  // Apollo's CSRF prevention wants this on multipart and GET requests; it is harmless elsewhere.
  const headers: Record<string, string> = { "apollo-require-preflight": "true" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return Object.freeze({
    url,
    apiKey,
    project: options.project ?? env("HOMER_PROJECT"),
    headers,
    fetch: options.fetch,
    webSocket: options.webSocket ?? defaultWebSocket,
  });
}

/** `headers` without the API key (`resolveOptions` puts it in `authorization`): what goes to any origin but the connection's. */
export function withoutApiKey(headers: Readonly<Record<string, string>>): Record<string, string> {
  const { authorization: _, ...rest } = headers;
  return rest;
}

/** An urql client that always asks the network and POSTs (CSRF prevention stays on server-side). */
export function createClient(options: ResolvedOptions): Client {
  return new Client({
    url: options.url,
    // No document of the SDK's defers or streams, so an answer is final whatever it says: one
    // claiming `hasNext` (a misconfigured proxy, a server that is not Homer) would otherwise be
    // held back by `toPromise()` for a next part that never comes, and the call would never settle.
    exchanges: [mapExchange({ onResult: (result) => (result.hasNext ? { ...result, hasNext: false } : result) }), fetchExchange],
    preferGetMethod: false,
    requestPolicy: "network-only",
    fetch: options.fetch,
    fetchOptions: () => ({ headers: { ...options.headers } }),
  });
}
