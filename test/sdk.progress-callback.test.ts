import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, type ModelRegistry } from "@homer/sdk";
import { downloadModel } from "../sdk/dist/node/download.js";
import { makeTempDir } from "./support/backends.js";
import { sha256 } from "./support/files.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/** What a caller's onProgress throws: a bug of its own, which must come back as it was thrown. */
class CallersBug extends Error {}

describe("SDK: an onProgress that throws", () => {
  let gw: TestGateway;
  let root: string;
  let mr: ModelRegistry;
  let server: http.Server;
  let origin: string;
  const content = randomBytes(3 * 2 ** 20);
  beforeAll(async () => {
    gw = await startTestGateway();
    root = await makeTempDir("homer-sdk-progress-");
    mr = await connection({ url: gw.url }).getModelRegistry();
    server = http.createServer((_req, res) => {
      res.writeHead(200, { "content-length": content.length });
      res.end(content);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await gw.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("stops a download, which rejects with what it threw, not NETWORK_ERROR; nothing unverified is put in place", async () => {
    const bug = new CallersBug("the caller's progress bar broke");
    const out = path.join(root, "download");
    const files = ["a.bin", "b.bin"].map((name) => ({
      path: name,
      sizeBytes: content.length,
      sha256: sha256(content),
      downloadUrl: `${origin}/${name}`,
    }));
    let calls = 0;
    const error = await downloadModel({ files }, out, {
      headers: {},
      origin,
      onProgress: () => {
        calls++;
        throw bug;
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(bug);
    // Told once: the download stopped at the first throw.
    expect(calls).toBe(1);
    expect((await fs.readdir(out)).filter((name) => !name.endsWith(".homer-part"))).toEqual([]);
  });

  test("stops an upload, which rejects with what it threw, not NETWORK_ERROR; nothing is registered", async () => {
    const dir = path.join(root, "upload");
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, "w.bin"), content);
    const bug = new CallersBug("the caller's progress bar broke");
    const error = await mr
      .createModel({
        name: "progress",
        modelPath: dir,
        onProgress: () => {
          throw bug;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBe(bug);
    expect(await mr.getModels({ name: "progress" })).toEqual([]);
  });
});
