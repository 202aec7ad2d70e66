import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import { withoutApiKey } from "../client.js";
import { cutWhenIdle } from "./idle.js";

/** Redirects followed before the GET fails, as fetch does. */
export const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface GetOptions {
  /** Sent on every hop, except `authorization`, which goes only to `origin`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The connection's origin. Once a redirect has left it, the API key stays behind for every later hop too, as fetch does. */
  readonly origin: string;
  readonly signal?: AbortSignal;
  /** A hop whose answer, or whose next bytes, take longer than this is cut: `no bytes for N s`. */
  readonly idleMs: number;
}

export interface GetAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body, to be read or destroyed by the caller. */
  readonly body: IncomingMessage;
}

/** Why a GET failed before an answer came: the network, a redirect loop, or a URL no HTTP client can follow. */
export class GetError extends Error {}

/**
 * A GET over node:http(s), following redirects. `fetch` reads a body through web
 * streams, which cost a 1 GiB download 0.15–0.25 s more CPU than node:http's
 * chunks (BENCHMARKS.md §5), and has no inactivity limit of its own that the SDK sets.
 */
export async function httpGet(url: string, options: GetOptions): Promise<GetAnswer> {
  let at = new URL(url);
  let keyed = true;
  for (let hops = 0; ; hops++) {
    if (at.protocol !== "http:" && at.protocol !== "https:") throw new GetError(`cannot follow ${at.protocol.slice(0, 40)} URLs`);
    keyed &&= at.origin === options.origin;
    const answer = await getOnce(at, keyed ? options.headers : withoutApiKey(options.headers), options);
    const location = answer.headers.location;
    if (!REDIRECT_STATUSES.has(answer.status) || location === undefined) return answer;
    answer.body.destroy();
    if (hops >= MAX_REDIRECTS) throw new GetError(`more than ${MAX_REDIRECTS} redirects`);
    try {
      at = new URL(location, at);
    } catch {
      throw new GetError(`redirected to an invalid URL: ${JSON.stringify(location.slice(0, 200))}`);
    }
  }
}

function getOnce(url: URL, headers: Readonly<Record<string, string>>, options: GetOptions): Promise<GetAnswer> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === "https:" ? https : http;
    const req = transport.get(url, { headers, ...(options.signal ? { signal: options.signal } : {}) }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    cutWhenIdle(req, options.idleMs);
    req.once("error", reject);
  });
}
