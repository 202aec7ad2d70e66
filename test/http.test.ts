import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { GATEWAY_VERSION, SCHEMA_VERSION } from "../gateway/src/domain/version.js";
import tar from "tar-stream";
import { Readable } from "node:stream";
import { BlobFile } from "../gateway/src/storage/fs/blob-file.js";
import type { FsBlobStore } from "../gateway/src/storage/fs/fs-blob-store.js";
import { sha256 } from "./support/files.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { rawConnection } from "./support/raw-socket.js";

const FILES = `files { path sizeBytes sha256 downloadUrl }`;

describe("HTTP gateway", () => {
  let gw: TestGateway;
  const weights = randomBytes(300_000);
  const config = Buffer.from(JSON.stringify({ layers: 3 }));
  let created: any;

  beforeAll(async () => {
    gw = await startTestGateway();
    const res = await gw.upload(
      { name: "mnist", metrics: [{ key: "accuracy", value: 0.98 }], description: "CNN", framework: "KERAS", tags: { owner: "ml" } },
      { "model/weights.bin": weights, "model/config.json": config, "README with spaces %.md": "# hi" },
      `id name version sizeBytes status archiveUrl metrics { key value } ${FILES}`,
    );
    expect(res.errors).toBeUndefined();
    created = res.data.createModel;
  });
  afterAll(() => gw?.close());

  const fileOf = (path: string) => created.files.find((f: any) => f.path === path);

  test("multipart createModel registers every file with its digest and size", () => {
    expect(created).toMatchObject({ name: "mnist", version: 1, status: "READY", sizeBytes: weights.length + config.length + 4 });
    expect(fileOf("model/weights.bin")).toMatchObject({ sizeBytes: weights.length, sha256: sha256(weights) });
    expect(fileOf("model/config.json").sha256).toBe(sha256(config));
    expect(created.files.map((f: any) => f.path)).toEqual(["README with spaces %.md", "model/config.json", "model/weights.bin"]);
  });

  test("downloads are byte-identical, with Content-Length and the sha256 as ETag", async () => {
    for (const [path, bytes] of [
      ["model/weights.bin", weights],
      ["model/config.json", config],
      ["README with spaces %.md", Buffer.from("# hi")],
    ] as const) {
      const res = await fetch(fileOf(path).downloadUrl);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBe(String(bytes.length));
      expect(res.headers.get("etag")).toBe(`"${sha256(bytes)}"`);
      expect(res.headers.get("accept-ranges")).toBe("bytes");
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  test("Range requests answer 206 with exactly the requested bytes", async () => {
    const url = fileOf("model/weights.bin").downloadUrl;
    const cases: [string, number, number][] = [
      ["bytes=0-99", 0, 99],
      ["bytes=1000-", 1000, weights.length - 1],
      ["bytes=-500", weights.length - 500, weights.length - 1],
      ["bytes=299990-999999", 299990, weights.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await fetch(url, { headers: { range } });
      expect(res.status).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/${weights.length}`);
      expect(res.headers.get("content-length")).toBe(String(end - start + 1));
      expect(Buffer.from(await res.arrayBuffer()).equals(weights.subarray(start, end + 1))).toBe(true);
    }
  });

  test("an unsatisfiable range is 416; a stale If-Range gets the whole file", async () => {
    const url = fileOf("model/weights.bin").downloadUrl;
    const res = await fetch(url, { headers: { range: `bytes=${weights.length}-` } });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe(`bytes */${weights.length}`);
    const stale = await fetch(url, { headers: { range: "bytes=0-9", "if-range": '"0000"' } });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(weights.length);
    const fresh = await fetch(url, { headers: { range: "bytes=0-9", "if-range": `"${sha256(weights)}"` } });
    expect(fresh.status).toBe(206);
    await fresh.arrayBuffer();
  });

  test("If-None-Match with the ETag answers 304 without a body", async () => {
    const res = await fetch(fileOf("model/config.json").downloadUrl, { headers: { "if-none-match": `"${sha256(config)}"` } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe("");
  });

  test("If-None-Match answers 304 whatever the request's Cache-Control; a HEAD with it too", async () => {
    const url = fileOf("model/config.json").downloadUrl;
    const etag = `"${sha256(config)}"`;
    expect((await fetch(url, { headers: { "if-none-match": etag, "cache-control": "no-cache" } })).status).toBe(304);
    expect((await fetch(url, { method: "HEAD", headers: { "if-none-match": `W/${etag}` } })).status).toBe(304);
    const head = await fetch(url, { method: "HEAD", headers: { range: "bytes=-3" } });
    expect([head.status, head.headers.get("content-range"), head.headers.get("content-length")]).toEqual([
      206,
      `bytes ${config.length - 3}-${config.length - 1}/${config.length}`,
      "3",
    ]);
  });

  test("If-None-Match: * and weak tags also answer 304; a backwards range is ignored", async () => {
    const url = fileOf("model/config.json").downloadUrl;
    expect((await fetch(url, { headers: { "if-none-match": "*" } })).status).toBe(304);
    expect((await fetch(url, { headers: { "if-none-match": `"other", W/"${sha256(config)}"` } })).status).toBe(304);
    const backwards = await fetch(url, { headers: { range: "bytes=5-2" } });
    expect(backwards.status).toBe(200);
    expect(Buffer.from(await backwards.arrayBuffer()).equals(config)).toBe(true);
  });

  test("client aborts in the middle of archives never take the server down", async () => {
    const big = randomBytes(3 * 1024 * 1024);
    const up = await gw.upload(
      { name: "abortable" },
      Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`part${i}.bin`, big])),
      "archiveUrl",
    );
    for (let i = 0; i < 20; i++) {
      const controller = new AbortController();
      const res = await fetch(up.data.createModel.archiveUrl, { signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.read().catch(() => {});
    }
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
    const whole = await fetch(up.data.createModel.archiveUrl);
    expect((await whole.arrayBuffer()).byteLength).toBeGreaterThan(6 * big.length);
  });

  test("a file download is written out by the blob store through its reused buffers; an archive reads the blob as a stream", async () => {
    const writeTo = vi.spyOn(BlobFile.prototype, "writeTo");
    try {
      const url = fileOf("model/weights.bin").downloadUrl;
      const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
      expect(whole.equals(weights)).toBe(true);
      const part = Buffer.from(await (await fetch(url, { headers: { range: "bytes=-1" } })).arrayBuffer());
      expect(part.equals(weights.subarray(-1))).toBe(true);
      expect(writeTo).toHaveBeenCalledTimes(2);
      await (await fetch(created.archiveUrl)).arrayBuffer();
      expect(writeTo).toHaveBeenCalledTimes(2);
    } finally {
      writeTo.mockRestore();
    }
  });

  test("client aborts in the middle of file downloads never take the server down nor leave the file open", async () => {
    const big = randomBytes(6 * 1024 * 1024);
    const up = await gw.upload({ name: "abortable-file" }, { "big.bin": big }, FILES);
    const { downloadUrl } = up.data.createModel.files[0];
    // The gateway runs in this process: its descriptors are ours.
    const openBlobs = async () =>
      (await Promise.all((await fs.readdir("/proc/self/fd")).map((fd) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => "")))).filter(
        (target) => target.startsWith(gw.storage.dataDir) && !target.endsWith(".sqlite") && !/sqlite-(wal|shm)$/.test(target),
      );
    for (let i = 0; i < 20; i++) {
      const controller = new AbortController();
      const res = await fetch(downloadUrl, {
        signal: controller.signal,
        headers: i % 2 ? { range: "bytes=1000-" } : {},
      });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.read().catch(() => {});
    }
    await vi.waitFor(async () => expect(await openBlobs()).toEqual([]));
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
    const whole = Buffer.from(await (await fetch(downloadUrl)).arrayBuffer());
    expect(sha256(whole)).toBe(sha256(big));
  });

  test("a file whose bytes vanished while its version still names them answers 500 (lost, not deleted), with no download headers", async () => {
    const up = await gw.upload({ name: "vanishing" }, { "w.bin": "soon gone" }, FILES);
    const { downloadUrl, sha256: digest } = up.data.createModel.files[0];
    await gw.storage.blobs.delete(digest);
    const res = await fetch(downloadUrl);
    expect(res.status).toBe(500);
    expect(res.headers.get("content-disposition")).toBeNull();
    expect((await res.json()).errors[0].extensions.code).toBe("INTERNAL_SERVER_ERROR");
  });

  test("a file whose bytes changed size on disk answers 500 before any byte, not a wrong file of the right length nor a hang", async () => {
    const up = await gw.upload({ name: "tampered" }, { "w.bin": "0123456789" }, FILES);
    const { downloadUrl, sha256: digest } = up.data.createModel.files[0];
    const onDisk = path.join((gw.storage.blobs as FsBlobStore).root, digest.slice(0, 2), digest);
    for (const bytes of [Buffer.alloc(3000, 1), Buffer.alloc(3, 1)]) {
      await fs.writeFile(onDisk, bytes);
      const res = await fetch(downloadUrl, { signal: AbortSignal.timeout(5_000) });
      expect(res.status, `a file of ${bytes.length} bytes`).toBe(500);
      expect((await res.json()).errors[0].extensions.code).toBe("INTERNAL_SERVER_ERROR");
    }
  });

  test("HEAD gives the headers only", async () => {
    const res = await fetch(fileOf("model/weights.bin").downloadUrl, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(weights.length));
  });

  test("the archive streams every file of the version as a tar", async () => {
    const res = await fetch(created.archiveUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-tar");
    // Streamed with no validator, and an overwrite changes it: never kept by a cache.
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const extract = tar.extract();
    const entries: Record<string, Buffer> = {};
    const done = new Promise<void>((resolve, reject) => {
      extract.on("entry", (header, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c) => chunks.push(c as Buffer));
        stream.on("end", () => {
          entries[header.name] = Buffer.concat(chunks);
          next();
        });
      });
      extract.on("finish", resolve);
      extract.on("error", reject);
    });
    Readable.fromWeb(res.body as any).pipe(extract);
    await done;
    expect(Object.keys(entries).sort()).toEqual(["README with spaces %.md", "model/config.json", "model/weights.bin"]);
    expect(entries["model/weights.bin"]!.equals(weights)).toBe(true);
  });

  test("unknown files, versions and bad references answer typed JSON errors", async () => {
    const base = created.archiveUrl.replace(/\/archives\/.*/, "");
    const notFound = await fetch(`${base}/files/default/mnist/1/nope.bin`);
    expect(notFound.status).toBe(404);
    expect((await notFound.json()).errors[0].extensions.code).toBe("NOT_FOUND");
    expect((await fetch(`${base}/files/default/mnist/7/model/config.json`)).status).toBe(404);
    expect((await fetch(`${base}/archives/default/mnist/7`)).status).toBe(404);
    const bad = await fetch(`${base}/files/default/mnist/0/model/config.json`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect((await fetch(`${base}/files/..%2F..%2Fetc/mnist/1/passwd`)).status).toBe(400);
    expect((await fetch(`${base}/no/such/route`)).status).toBe(404);
  });

  test("Content-Disposition saves a download under its own name, every byte outside RFC 8187's attr-char encoded", async () => {
    const res = await gw.upload({ name: "quotes" }, { "dir/it's (v2)*.bin": "q" });
    expect(res.errors).toBeUndefined();
    const file = await fetch(`${gw.origin}/files/default/quotes/1/dir/${encodeURIComponent("it's (v2)*.bin")}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''it%27s%20%28v2%29%2A.bin");
  });

  test("a file's name finds it in either Unicode spelling: an upload of either stored the composed one (NFC)", async () => {
    const res = await gw.upload({ name: "accents" }, { "models/cafe\u0301.bin": "decomposed on the way in" });
    expect(res.errors).toBeUndefined();
    for (const spelling of ["models/caf\u00e9.bin", "models/cafe\u0301.bin"]) {
      const url = `${gw.origin}/files/default/accents/1/${spelling.split("/").map(encodeURIComponent).join("/")}`;
      const file = await fetch(url);
      expect([file.status, await file.text()], spelling).toEqual([200, "decomposed on the way in"]);
    }
    const listed = await gw.gql(`{ model(name: "accents", version: 1) { files { path downloadUrl } } }`);
    expect(listed.data.model.files[0].path).toBe("models/caf\u00e9.bin");
    expect(listed.data.model.files[0].downloadUrl).toMatch(/\/models\/caf%C3%A9\.bin$/);
    // Another name still is absent, in either spelling.
    expect((await fetch(`${gw.origin}/files/default/accents/1/models/cafe.bin`)).status).toBe(404);
  });

  test("a request target with no path (GET http://[, which Node's parser takes) is answered in JSON, not by express, with the security headers", async () => {
    for (const target of ["http://[", "http://[/graphql", "http://[/files/default/mnist/1/model/config.json"]) {
      const conn = rawConnection(gw.origin);
      await conn.connected;
      conn.write(`GET ${target} HTTP/1.1\r\nHost: ${new URL(gw.origin).host}\r\nConnection: close\r\n\r\n`);
      await conn.closed;
      const [head, body] = conn.received().toString("utf8").split("\r\n\r\n");
      expect(head, target).toMatch(/^HTTP\/1\.1 400 /);
      expect(head).toMatch(/^content-type: application\/json/im);
      // No middleware ran for it, yet it carries the security headers of every answer.
      expect(head).toMatch(/^content-security-policy: default-src 'self'/im);
      expect(head).toMatch(/^x-content-type-options: nosniff$/im);
      expect(JSON.parse(body!)).toEqual({
        errors: [{ message: "the request target is not a path", extensions: { code: "BAD_USER_INPUT" } }],
      });
    }
    expect((await fetch(`${gw.origin}/healthz`)).status).toBe(200);
  });

  test("after deleteModel the download URLs answer 404", async () => {
    const up = await gw.upload({ name: "short-lived" }, { "w.bin": "temporary" }, `version ${FILES} archiveUrl`);
    const { downloadUrl } = up.data.createModel.files[0];
    expect((await fetch(downloadUrl)).status).toBe(200);
    const del = await gw.gql(`mutation { deleteModel(name: "short-lived", version: 1) }`);
    expect(del.data).toEqual({ deleteModel: true });
    expect((await fetch(downloadUrl)).status).toBe(404);
    expect((await fetch(up.data.createModel.archiveUrl)).status).toBe(404);
  });

  test("models, model and bestModel over HTTP", async () => {
    await gw.upload({ name: "mnist", metrics: [{ key: "accuracy", value: 0.99 }] }, { "w.bin": "v2" });
    await gw.upload({ name: "mnist", metrics: [{ key: "loss", value: 0.2 }] }, { "w.bin": "v3" });
    const res = await gw.gql(`{
      models(name: "mnist", sortKey: "accuracy") { totalCount nodes { version metric(key: "accuracy") } pageInfo { hasNextPage endCursor } }
      asc: models(name: "mnist", sortKey: "accuracy", direction: ASC) { nodes { version } }
      bestModel(name: "mnist", metric: "accuracy") { version createdAt tags framework description }
      model(name: "mnist", version: 1) { version metrics { key value } }
      absent: model(name: "mnist", version: 42) { version }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.models.totalCount).toBe(3);
    expect(res.data.models.nodes).toEqual([
      { version: 2, metric: 0.99 },
      { version: 1, metric: 0.98 },
      { version: 3, metric: null },
    ]);
    expect(res.data.asc.nodes.map((n: any) => n.version)).toEqual([1, 2, 3]);
    expect(res.data.bestModel.version).toBe(2);
    expect(new Date(res.data.bestModel.createdAt).toString()).not.toBe("Invalid Date");
    expect(res.data.model.metrics).toEqual([{ key: "accuracy", value: 0.98 }]);
    expect(res.data.absent).toBeNull();
  });

  test("health and readiness", async () => {
    expect(await (await fetch(`${gw.origin}/healthz`)).json()).toEqual({
      status: "ok",
      version: GATEWAY_VERSION,
      schemaVersion: SCHEMA_VERSION,
    });
    const ready = await fetch(`${gw.origin}/readyz`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).status).toBe("ready");
  });

  test("GET /graphql: browsers get the self-hosted IDE (nothing from a CDN), other clients a JSON hint", async () => {
    const html = await fetch(gw.url, { headers: { accept: "text/html" } });
    expect(html.headers.get("content-type")).toMatch(/text\/html/);
    const page = await html.text();
    expect(page).toMatch(/<base href="\/ide\/">/);
    expect(page).not.toMatch(/https?:\/\//);
    const json = await fetch(gw.url, { headers: { accept: "application/json" } });
    expect((await json.json()).message).toMatch(/GraphQL/);
  });

  test("CSRF prevention stays on: multipart without a preflight header is refused", async () => {
    const form = new FormData();
    form.set("operations", JSON.stringify({ query: 'mutation { deleteModel(name: "mnist", version: 1) }' }));
    form.set("map", "{}");
    const res = await fetch(gw.url, { method: "POST", body: form });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/i);
    expect((await gw.gql(`{ model(name: "mnist", version: 1) { version } }`)).data.model).not.toBeNull();
  });

  test("every response carries a request id, echoing a sane incoming one", async () => {
    const res = await fetch(`${gw.origin}/healthz`, { headers: { "x-request-id": "trace-123" } });
    expect(res.headers.get("x-request-id")).toBe("trace-123");
    const generated = await fetch(`${gw.origin}/healthz`, { headers: { "x-request-id": "bad id with spaces; drop table" } });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
