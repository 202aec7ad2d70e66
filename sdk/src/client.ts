import { Client, fetchExchange, mapExchange } from "@urql/core";
import { RegistryError, shownValue, stalled } from "./errors.js";

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
  /**
   * How long a request waits for the registry's next bytes (its answer, the next chunk of it, or
   * room to send more of an upload) before it fails with NETWORK_ERROR; default 300 seconds.
   * A request that makes progress runs as long as it needs: this only catches one that stalled.
   */
  readonly idleTimeoutSeconds?: number | undefined;
}

export interface ResolvedOptions {
  readonly url: string;
  readonly apiKey: string | undefined;
  readonly project: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: typeof fetch | undefined;
  readonly webSocket: unknown;
  /** `idleTimeoutSeconds` in milliseconds. */
  readonly idleMs: number;
}

export const DEFAULT_URL = "http://localhost:4000/graphql";

function env(name: string): string | undefined {
  // Browsers have no process; bundlers may define process.env partially.
  const value = typeof process === "undefined" ? undefined : process.env?.[name];
  return value === "" ? undefined : value;
}

export const DEFAULT_IDLE_TIMEOUT_SECONDS = 300;
/** The longest idle timeout: what a timer can wait (2 ** 31 - 1 ms, about 24.8 days). */
const MAX_IDLE_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

function idleMs(seconds: unknown): number {
  if (seconds === undefined) return DEFAULT_IDLE_TIMEOUT_SECONDS * 1000;
  if (typeof seconds !== "number" || !(seconds > 0 && seconds <= MAX_IDLE_TIMEOUT_SECONDS)) {
    throw new RegistryError(
      "BAD_USER_INPUT",
      `idleTimeoutSeconds must be a number of seconds above 0 and at most ${MAX_IDLE_TIMEOUT_SECONDS}, not ${shownValue(seconds)}`,
      { field: "idleTimeoutSeconds" },
    );
  }
  return Math.max(1, Math.round(seconds * 1000));
}

/**
 * The key as every transport sends it. Whitespace at its ends is dropped, as fetch drops it from a
 * header (a key read with `$(cat key.txt)` from a file with CRLF line ends keeps its CR, which
 * node:http's downloads and uploads refuse); a key with a character no header carries is
 * BAD_USER_INPUT, its message never repeating the key (fetch's would).
 */
function apiKeyOf(value: string | undefined): string | undefined {
  if (typeof value !== "string") return value;
  const key = value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  const bad = key.search(/[^\t\x20-\x7e\x80-\xff]/);
  if (bad >= 0) {
    throw new RegistryError(
      "BAD_USER_INPUT",
      `apiKey holds a character no HTTP header can carry (U+${key.charCodeAt(bad).toString(16).toUpperCase().padStart(4, "0")} at index ${bad}): is it the key the registry issued?`,
      { field: "apiKey" },
    );
  }
  return key;
}

/**
 * The GraphQL endpoint, refused as BAD_USER_INPUT when no request could go to it: not an http or
 * https URL (relative only in a page, against its address), or holding `user:password@`, which
 * fetch refuses to send. Sent on, such a URL failed as NETWORK_ERROR, "could not reach the
 * registry", as if it were down, and the message repeated the password twice.
 */
function urlOf(url: string, from: string): string {
  const page = (globalThis as { location?: { href?: unknown } }).location?.href;
  const base = typeof page === "string" ? page : undefined;
  let parsed: URL | undefined;
  try {
    parsed = typeof url === "string" ? new URL(url, base) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed && (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.username === "" && parsed.password === "") {
    return base === undefined ? url : parsed.href;
  }
  // Whatever precedes an `@` in the authority is hidden, so no password is shown back.
  const shown =
    typeof url === "string"
      ? JSON.stringify(url.replace(/^((?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/)?[^/?#@]*@/, "$1…@").slice(0, 200))
      : shownValue(url);
  throw new RegistryError(
    "BAD_USER_INPUT",
    `${from} must be an absolute http or https URL without user:password@ (give the key as apiKey), not ${shown}`,
    { field: "url" },
  );
}

export function resolveOptions(options: ConnectionOptions = {}, defaultWebSocket?: unknown): ResolvedOptions {
  const given = options.url ?? env("HOMER_URL");
  const url = given === undefined ? DEFAULT_URL : urlOf(given, options.url === undefined ? "HOMER_URL" : "url");
  const apiKey = apiKeyOf(options.apiKey ?? env("HOMER_API_KEY"));
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
    idleMs: idleMs(options.idleTimeoutSeconds),
  });
}

/** `headers` without the API key (`resolveOptions` puts it in `authorization`): what goes to any origin but the connection's. */
export function withoutApiKey(headers: Readonly<Record<string, string>>): Record<string, string> {
  const { authorization: _, ...rest } = headers;
  return rest;
}

/**
 * The most bytes of one GraphQL answer the SDK reads (256 MiB): an answer is parsed from one
 * string, and V8 makes none much longer (2 ** 29 - 24 characters), so no answer the SDK could
 * read is refused; a registry's answers are far smaller (32 MiB of stored text by default).
 */
export const MAX_ANSWER_BYTES = 2 ** 28;

/**
 * `inner` with each answer's body counted as urql reads it, and refused past `MAX_ANSWER_BYTES`.
 * A server that never stops sending (or a small gzip body that inflates without end) would
 * otherwise be gathered until memory runs out. A `multipart/mixed` or `text/event-stream`
 * answer is refused at once: no operation of the SDK's asks for one, and urql reads it as a
 * stream that it aborts once it has its result, whose pending read then rejects with nothing
 * to catch it (an unhandled rejection that ends the process). A request whose answer, or whose
 * next chunk, takes longer than `idleMs` is aborted: a server that took it and went silent
 * would otherwise hold the call forever.
 */
export function boundedFetch(inner: typeof fetch | undefined, idleMs: number): typeof fetch {
  return async (input, init) => {
    const watchdog = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => watchdog.abort(stalled(idleMs)), idleMs);
      // Never what keeps a process alive: the request's own socket does while it is open.
      (timer as { unref?: () => void }).unref?.();
    };
    // The caller's signal (urql's, on teardown) aborts the request as the watchdog does.
    const callers = init?.signal;
    if (callers?.aborted) watchdog.abort(callers.reason);
    else callers?.addEventListener("abort", () => watchdog.abort(callers.reason), { once: true });
    rearm();
    let response: Response;
    try {
      response = await (inner ?? fetch)(input, { ...init, signal: watchdog.signal });
    } catch (error) {
      clearTimeout(timer);
      throw watchdog.signal.aborted ? watchdog.signal.reason : error;
    }
    if (!response.body) {
      clearTimeout(timer);
      return response;
    }
    const type = response.headers.get("content-type") ?? "";
    if (/multipart\/mixed|text\/event-stream/i.test(type)) {
      clearTimeout(timer);
      await response.body.cancel().catch(() => {});
      throw new Error(`the registry answered ${JSON.stringify(type.slice(0, 100))}, an incremental answer the SDK never asks for`);
    }
    // Counted as urql reads it: past the limit the body errors (urql's network error) and the
    // pipe cancels the server's answer; nothing is gathered here but what urql itself keeps.
    rearm();
    let size = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          size += chunk.byteLength;
          rearm();
          if (size > MAX_ANSWER_BYTES) controller.error(new Error(`the registry's answer went on past ${MAX_ANSWER_BYTES} bytes`));
          else controller.enqueue(chunk);
        },
        flush: () => clearTimeout(timer),
      }),
      { signal: watchdog.signal },
    );
    return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
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
    fetch: boundedFetch(options.fetch, options.idleMs),
    fetchOptions: () => ({ headers: { ...options.headers } }),
  });
}
