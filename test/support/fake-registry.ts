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
