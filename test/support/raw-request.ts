/**
 * One HTTP request written exactly as a test means it: the target is sent
 * verbatim (no URL normalisation, `..` and `%2e` are not resolved) and the body
 * as given, through `node:http`. Also the builders of such requests: JSON,
 * GraphQL, and multipart bodies that may be malformed on purpose.
 */
import http from "node:http";
import { CREATE_MODEL, createModelParts, multipartBody, type Part } from "./multipart.mjs";

export type { Part };

export interface RawRequest {
  readonly method?: string;
  /** Sent verbatim as the request target: `..` and `%2e` are not resolved. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  readonly body?: string | Buffer;
}

export interface Reply {
  /** -1 when no response arrived (reset, refused, timed out). */
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** The parsed body when it is JSON. */
  readonly json?: any;
  readonly error?: string;
  readonly ms: number;
}

/** One request on its own connection; never throws. */
export function send(origin: string, request: RawRequest, timeoutMs = 15_000): Promise<Reply> {
  const { hostname, port } = new URL(origin);
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (reply: Omit<Reply, "ms">) => {
      if (settled) return;
      settled = true;
      resolve({ ...reply, ms: Date.now() - started });
    };
    const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body);
    const headers: Record<string, string | string[] | number> = { ...request.headers };
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length"))
      headers["content-length"] = body.length;
    const req = http.request({ host: hostname, port, method: request.method ?? "GET", path: request.path, headers, agent: false });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms (hang)`)));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (e) => finish({ status: -1, headers: res.headers, body: Buffer.concat(chunks), text: "", error: String(e) }));
      res.on("end", () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString("utf8");
        let json: unknown;
        if (/json/.test(String(res.headers["content-type"]))) {
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
        }
        finish({ status: res.statusCode!, headers: res.headers, body: buf, text, json });
      });
    });
    // The server may answer (413, 400) before reading the whole body; the answer wins.
    req.on("error", (e) => setTimeout(() => finish({ status: -1, headers: {}, body: Buffer.alloc(0), text: "", error: String(e) }), 200));
    req.end(body);
  });
}

export const JSON_HEADERS = { "content-type": "application/json" } as const;

export function bearer(token: string | null | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A POST /graphql with a JSON body built from `body` (an object) or sent verbatim (a string). */
export function postJson(body: unknown, token: string | null, extraHeaders: Record<string, string> = {}): RawRequest {
  return {
    method: "POST",
    path: "/graphql",
    headers: { ...JSON_HEADERS, ...bearer(token), ...extraHeaders },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

export function gqlRequest(query: string, variables: Record<string, unknown> | undefined, token: string | null): RawRequest {
  return postJson(variables === undefined ? { query } : { query, variables }, token);
}

export function multipartRequest(
  parts: readonly Part[],
  token: string | null,
  options: {
    boundary?: string;
    headerBoundary?: string;
    close?: boolean;
    preflight?: boolean;
    contentType?: string;
    mutate?: (body: Buffer) => Buffer;
  } = {},
): RawRequest {
  const boundary = options.boundary ?? "----homer-hostile-7d1f";
  let body = multipartBody(parts, boundary, { close: options.close });
  if (options.mutate) body = options.mutate(body);
  return {
    method: "POST",
    path: "/graphql",
    headers: {
      "content-type": options.contentType ?? `multipart/form-data; boundary=${options.headerBoundary ?? boundary}`,
      ...(options.preflight === false ? {} : { "apollo-require-preflight": "true" }),
      ...bearer(token),
    },
    body,
  };
}

export const CREATE = CREATE_MODEL;

/** A createModel upload: `files` are [path, content]; the map names each file in order. */
export function uploadRequest(
  input: Record<string, unknown>,
  files: readonly (readonly [string, string | Buffer])[],
  token: string | null,
): RawRequest {
  return multipartRequest(createModelParts(CREATE, input, files), token);
}
