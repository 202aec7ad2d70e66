import http from "node:http";
import { CREATE_MODEL, createModelParts, multipartBody, multipartType, randomBoundary } from "./multipart.mjs";

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The client's port: two requests with the same one went over the same connection. */
  readonly connection: number;
}

/** A createModel request in the GraphQL multipart format, as one buffer. */
export function multipartCreate(input: Record<string, unknown>, files: Record<string, Buffer>): { body: Buffer; contentType: string } {
  const boundary = randomBoundary();
  const body = multipartBody(createModelParts(CREATE_MODEL, input, Object.entries(files)), boundary);
  return { body, contentType: multipartType(boundary) };
}

/** One request through `agent` (keep-alive, one socket), its body sent whole. */
export function send(
  agent: http.Agent,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const req = http.request(url, {
      agent,
      method: options.method ?? (body ? "POST" : "GET"),
      headers: { ...(body ? { "content-length": String(body.length) } : {}), ...options.headers },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          connection: req.socket!.localPort!,
        }),
      );
    });
    // A server that answers early may stop reading: the write error is not the result.
    req.on("socket", (socket) => socket.on("error", () => {}));
    req.end(body);
  });
}

/** A keep-alive agent with a single connection, so consecutive requests share it. */
export function oneConnection(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}
