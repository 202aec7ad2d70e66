import type http from "node:http";

/** What a fake registry answers the SDK's `GatewayVersion` check with: a 1.x gateway. */
const VERSION_ANSWER = '{"data":{"version":{"gateway":"0.2.0","schema":"1.0"}}}';

/**
 * A raw request handler for a fake registry: each POST is read whole, the SDK's version check
 * is answered as a 1.x gateway's, and every other POST goes to `rest` with its body (as latin1,
 * so a multipart upload's bytes arrive unchanged). Returns false, touching nothing, for the rest.
 */
export function answeringVersion(
  rest: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void,
): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== "POST") return false;
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("latin1")));
    req.on("end", () => {
      if (/query GatewayVersion/.test(body)) res.writeHead(200, { "content-type": "application/json" }).end(VERSION_ANSWER);
      else rest(req, res, body);
    });
    return true;
  };
}

/** A version named `mnist@1` as a `GetModel` answer carries it, served from `origin`, with `over` changed. */
export const versionAnswer = (origin: string, over: Record<string, unknown> = {}) => ({
  __typename: "Model",
  id: "1",
  project: "default",
  name: "mnist",
  version: 1,
  description: null,
  framework: null,
  metrics: [],
  signature: null,
  inputExample: null,
  tags: {},
  flavors: null,
  tfMetaGraphTags: null,
  files: [],
  archiveUrl: `${origin}/archives/default/mnist/1`,
  sizeBytes: 0,
  status: "READY",
  createdAt: "2026-01-01T00:00:00Z",
  createdBy: null,
  revision: 1,
  updatedAt: "2026-01-01T00:00:00Z",
  updatedBy: null,
  lineage: null,
  aliases: [],
  ...over,
});
