import http from "node:http";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { STORAGE_COMBOS } from "./support/backends.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { startS3Server, type S3Server } from "./support/s3-server.js";
import { sha256 } from "./support/files.js";
import { sleep, waitFor } from "./support/wait.js";

let s3: S3Server | undefined;
afterAll(() => s3?.stop());

/**
 * An archive opens each file's bytes before it adds the file's entry. A client that leaves
 * while a file is being opened leaves nothing open behind it: the bytes opened then are let go
 * (a file descriptor, or a socket of the S3 client's bounded pool).
 */
describe.each(STORAGE_COMBOS)("an archive left while it opens a file on $name", (combo) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend: combo, s3: combo.blobs === "s3" ? (s3 ??= await startS3Server()) : undefined });
  });
  afterAll(() => gw?.close());

  test("the file opened after the client left is closed", async () => {
    expect((await gw.upload({ name: "left" }, { "a.bin": "first file", "b.bin": "second file" })).errors).toBeUndefined();
    let left!: () => void;
    const clientLeft = new Promise<void>((resolve) => (left = resolve));
    let asked!: () => void;
    const secondAsked = new Promise<void>((resolve) => (asked = resolve));
    const opened: Readable[] = [];
    const blobs = gw.storage.blobs;
    const read = blobs.read.bind(blobs);
    blobs.read = async (digest, range) => {
      if (digest === sha256("second file")) {
        asked();
        await clientLeft;
        await sleep(200); // the gateway sees the connection close
      }
      const source = (await read(digest, range)) as Readable;
      opened.push(source);
      return source;
    };
    try {
      await new Promise<void>((resolve) => {
        const req = http.get(`${gw.origin}/archives/default/left/1`, { agent: false }, (res) => {
          res.resume();
          // The gateway is opening b.bin: the client leaves.
          void secondAsked.then(() => {
            req.destroy();
            left();
            resolve();
          });
        });
        req.on("error", () => {});
        req.on("close", () => resolve());
      });
      await waitFor("b.bin to be opened", () => opened.length === 2);
      await waitFor("every opened file to be let go", () => opened.every((s) => s.destroyed), 3000);
    } finally {
      blobs.read = read;
    }
  });
});
