/**
 * Reads HTTP/1.1 responses out of the bytes one raw connection received, for the
 * tests that write raw bytes (pipelining, half-sent requests) where no HTTP
 * client can be used. Everywhere else, use `fetch` or `node:http`.
 */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Parses HTTP/1.1 responses (Content-Length or chunked) from one connection's bytes. */
export function parseResponses(data: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const headEnd = data.indexOf("\r\n\r\n", at);
    if (headEnd < 0) break;
    const [statusLine, ...lines] = data.subarray(at, headEnd).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let pos = headEnd + 4;
    let body: Buffer;
    if (headers["transfer-encoding"]?.includes("chunked")) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = data.indexOf("\r\n", pos);
        const size = parseInt(data.subarray(pos, lineEnd).toString("latin1"), 16);
        pos = lineEnd + 2;
        if (!size) {
          pos += 2;
          break;
        }
        parts.push(data.subarray(pos, pos + size));
        pos += size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers["content-length"] ?? data.length - pos);
      body = data.subarray(pos, pos + length);
      pos += length;
    }
    responses.push({ status, headers, body: body.toString("utf8") });
    at = pos;
  }
  return responses;
}
