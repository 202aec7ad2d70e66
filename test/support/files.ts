import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { IncomingFile } from "../../gateway/src/registry/incoming-file.js";

export const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** An in-test file for the service API; `opened` tells whether it was read. */
export function file(path: string, content: string | Buffer): IncomingFile & { opened: boolean; skipped: boolean } {
  return {
    path,
    opened: false,
    skipped: false,
    async open() {
      this.opened = true;
      return Readable.from([Buffer.from(content)]);
    },
    skip() {
      this.skipped = true;
    },
  };
}

/** Every byte of a stream, in one buffer. */
export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
