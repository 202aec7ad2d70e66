import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { Sha256 } from "../sdk/src/browser/sha256.js";
import { startAppServer } from "./support/app-server.js";
import { answeringVersion } from "./support/fake-registry.js";
import { makeTempDir } from "./support/backends.js";
import { launchChromium, TEAM_HOST, watchPage } from "./support/browser.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const admin = generateKey();
/** The app as a team opens it: plain http at a LAN name, not a secure context (no WebCrypto). */
const teamOrigin = (origin: string) => origin.replace("127.0.0.1", TEAM_HOST);
const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

/** The picked folder: `picked/` holds the model, as a user's folder does. */
const FILES: Record<string, Buffer> = {
  "weights.bin": randomBytes(3 << 20),
  "sub/config.json": Buffer.from('{"layers": 3}'),
  "sub/deeper/vocab.txt": Buffer.from("a\nb\nc\n"),
};

/**
 * Runs `body` in the page with `sdk` (the browser entry), `registry` (connected
 * with the admin key to `url`) and `RegistryError` in scope; what it returns comes back.
 * Source text, not a function: vitest would rewrite a function's `import()`.
 */
function inPage<T>(page: Page, url: string, body: string): Promise<T> {
  return page.evaluate(`(async () => {
    const sdk = await import("/sdk/dist/browser.js");
    const { RegistryError } = sdk;
    const registry = await sdk.connection({ url: ${JSON.stringify(url)}, apiKey: ${JSON.stringify(admin.token)} }).getModelRegistry();
    const failure = (error) => ({ code: error.code, message: error.message, typed: error instanceof RegistryError });
    const bytesOf = async (stream) => new Uint8Array(await new Response(stream).arrayBuffer());
    const hex = async (bytes) => Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
    ${body}
  })()`);
}

interface Progress {
  path: string;
  fileBytes: number;
  fileTotal: number;
  bytes: number;
  total: number;
}

/** Chromium's own network throttling (DevTools), so an upload takes long enough to watch; returns the undo. */
async function throttleUploads(page: Page, bytesPerSecond: number): Promise<() => Promise<void>> {
  const cdp = await page.context().newCDPSession(page);
  const conditions = { offline: false, latency: 0, downloadThroughput: -1 };
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { ...conditions, uploadThroughput: bytesPerSecond });
  return async () => {
    await cdp.send("Network.emulateNetworkConditions", { ...conditions, uploadThroughput: -1 });
    await cdp.detach();
  };
}

function expectProgress(events: Progress[], total: number): void {
  expect(events.length).toBeGreaterThan(0);
  for (const [i, event] of events.entries()) {
    expect(event.total).toBe(total);
    expect(event.fileBytes).toBeLessThanOrEqual(event.fileTotal);
    if (i > 0) expect(event.bytes).toBeGreaterThanOrEqual(events[i - 1]!.bytes);
  }
  expect(events.at(-1)!.bytes).toBe(total);
}

describe("the SDK's browser entry moves files (real Chromium, a gateway on another origin)", () => {
  let browser: Browser;
  let app: Awaited<ReturnType<typeof startAppServer>>;
  let gw: TestGateway;
  let refusing: TestGateway;
  let page: Page;
  let picked: string;
  const asAdmin = { authorization: `Bearer ${admin.token}` };

  beforeAll(async () => {
    app = await startAppServer({});
    [gw, refusing, browser] = await Promise.all([
      startTestGateway({ config: { corsOrigins: [app.origin, teamOrigin(app.origin)], adminKey: admin.token } }),
      startTestGateway({ config: { corsOrigins: [], adminKey: admin.token } }),
      launchChromium(),
    ]);
    picked = path.join(await makeTempDir(), "picked");
    for (const [name, bytes] of Object.entries(FILES)) {
      await fs.mkdir(path.dirname(path.join(picked, name)), { recursive: true });
      await fs.writeFile(path.join(picked, name), bytes);
    }
    page = await browser.newPage();
    await page.goto(`${app.origin}/`);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await gw?.close();
    await refusing?.close();
    if (picked) await fs.rm(path.dirname(picked), { recursive: true, force: true });
  });

  test("a folder from <input webkitdirectory> keeps its paths below the picked folder; progress ends at the total; a draft saves named Blobs", async () => {
    await page.evaluate(`document.body.innerHTML = '<input type="file" id="dir" webkitdirectory>'`);
    await page.setInputFiles("#dir", picked);
    const unthrottle = await throttleUploads(page, 4 << 20);
    const result = await inPage<any>(
      page,
      gw.url,
      `const input = document.getElementById("dir");
      const events = [];
      const model = await registry.createModel({ name: "mnist", files: input.files, metrics: { accuracy: 0.97 }, onProgress: (p) => events.push(p) });
      const draft = await registry.createModel({ name: "mnist", description: "from blobs" });
      const saved = await draft.save({ "notes/readme.txt": new Blob(["hello"]), "model.onnx": new Blob(["onnx"]) });
      return {
        relative: Array.from(input.files, (f) => f.webkitRelativePath).sort(),
        version: model.version,
        files: model.files.map((f) => [f.path, f.sha256]),
        events,
        framework: model.framework,
        saved: { version: saved.version, description: saved.description, framework: saved.framework, files: saved.files.map((f) => f.path) },
      };`,
    );
    await unthrottle();
    // What the browser itself reports, and what the registry keeps.
    expect(result.relative).toEqual(
      Object.keys(FILES)
        .map((name) => `picked/${name}`)
        .sort(),
    );
    const expected = Object.entries(FILES)
      .map(([name, bytes]) => [name, sha256(bytes)])
      .sort();
    expect(result.files).toEqual(expected);
    const stored = await gw.gql(`{ model(name: "mnist", version: 1) { metric(key: "accuracy") files { path sha256 } } }`, {}, asAdmin);
    expect(stored.data.model).toEqual({ metric: 0.97, files: expected.map(([p, s]) => ({ path: p, sha256: s })) });
    const total = Object.values(FILES).reduce((sum, b) => sum + b.length, 0);
    expectProgress(result.events, total);
    // XMLHttpRequest's upload progress, as it went (not one event at the end).
    expect(result.events.length).toBeGreaterThan(3);
    expect(result.events.at(-1)).toMatchObject({ path: "weights.bin", fileBytes: FILES["weights.bin"]!.length });
    // The framework from file names, as in Node (nothing in the folder gives it away; model.onnx does).
    expect(result.framework).toBeNull();
    expect(result.saved).toEqual({ version: 2, description: "from blobs", framework: "ONNX", files: ["model.onnx", "notes/readme.txt"] });
  });

  test("bad file sources are refused before anything is sent, each with a typed error", async () => {
    const result = await inPage<any>(
      page,
      gw.url,
      `const attempt = (files) => registry.createModel({ name: "bad", files }).then(() => ({ uploaded: true }), failure);
      const file = (name) => new File(["x"], name);
      return {
        directory: await attempt("./model-dir"),
        empty: await attempt([]),
        bareBlob: await attempt([new Blob(["x"])]),
        twice: await attempt([file("a.bin"), file("a.bin")]),
        number: await attempt(42),
        notBlob: await attempt({ "a.bin": "text" }),
      };`,
    );
    expect(result.directory).toMatchObject({ code: "UNSUPPORTED", typed: true });
    expect(result.directory.message).toContain("a directory path needs Node");
    expect(result.empty).toMatchObject({ code: "BAD_USER_INPUT", message: "files is empty: nothing to upload" });
    expect(result.bareBlob).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(result.bareBlob.message).toContain("a Blob has no name");
    expect(result.twice).toMatchObject({ code: "BAD_USER_INPUT", message: "two files have the path a.bin" });
    expect(result.number).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(result.notBlob).toMatchObject({ code: "BAD_USER_INPUT", message: 'files["a.bin"] is not a Blob' });
    expect((await gw.gql(`{ model(name: "bad", version: 1) { version } }`, {}, asAdmin)).data.model).toBeNull();
  });

  test("aborting mid-upload rejects with ABORTED and the gateway keeps nothing", async () => {
    const blobsBefore = (await gw.storage.listBlobs()).length;
    // Throttled, so the upload is still going when it is aborted.
    const unthrottle = await throttleUploads(page, 2 << 20);
    const outcome = inPage<any>(
      page,
      gw.url,
      `globalThis.controller = new AbortController();
      const events = [];
      const big = new Blob([new Uint8Array(12 << 20)]);
      try {
        await registry.createModel({ name: "big", files: { "big.bin": big }, signal: controller.signal, onProgress: (p) => events.push(p.bytes) });
        return { events, uploaded: true };
      } catch (error) {
        return { events, ...failure(error) };
      }`,
    );
    // Aborted once the gateway is staging the file's bytes.
    await expect.poll(() => gw.storage.stagingNames(), { timeout: 10_000 }).not.toEqual([]);
    await page.evaluate("globalThis.controller.abort()");
    const result = await outcome;
    await unthrottle();
    expect(result).toMatchObject({ code: "ABORTED", typed: true, message: "createModel was aborted" });
    expect(Math.max(0, ...result.events)).toBeLessThan(12 << 20); // an abort may come before Chromium's first progress event
    expect((await gw.gql(`{ model(name: "big", version: 1) { version } }`, {}, asAdmin)).data.model).toBeNull();
    await expect.poll(() => gw.storage.stagingNames(), { timeout: 10_000 }).toEqual([]);
    expect((await gw.storage.listBlobs()).length).toBe(blobsBefore);
  });

  test("an onProgress that throws mid-upload stops it: the upload rejects with what it threw, the page's error handler hears nothing, the gateway keeps nothing", async () => {
    const blobsBefore = (await gw.storage.listBlobs()).length;
    const unthrottle = await throttleUploads(page, 4 << 20);
    const result = await inPage<any>(
      page,
      gw.url,
      `class ProgressBarBug extends Error {}
      const pageErrors = [];
      const onError = (event) => pageErrors.push(String(event.error ?? event.message));
      window.addEventListener("error", onError);
      let calls = 0;
      try {
        await registry.createModel({
          name: "progress-throws",
          files: { "big.bin": new Blob([new Uint8Array(8 << 20)]) },
          onProgress: (p) => {
            calls++;
            if (p.bytes > 0) throw new ProgressBarBug("the progress bar broke at " + p.bytes);
          },
        });
        return { uploaded: true };
      } catch (error) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        return { same: error instanceof ProgressBarBug, message: error.message, calls, pageErrors };
      } finally {
        window.removeEventListener("error", onError);
      }`,
    );
    await unthrottle();
    expect(result).toMatchObject({ same: true, calls: 1, pageErrors: [] });
    expect(result.message).toMatch(/^the progress bar broke at \d+$/);
    expect((await gw.gql(`{ model(name: "progress-throws", version: 1) { version } }`, {}, asAdmin)).data.model).toBeNull();
    await expect.poll(() => gw.storage.stagingNames(), { timeout: 10_000 }).toEqual([]);
    expect((await gw.storage.listBlobs()).length).toBe(blobsBefore);
  });

  test("downloads: a Blob verified with WebCrypto, a verified stream, the version's tar archive", async () => {
    const watch = await watchPage(page, app.origin, gw.origin);
    const result = await inPage<any>(
      page,
      gw.url,
      `const model = await registry.getModel({ name: "mnist", version: 1 });
      const events = [];
      const blob = await model.downloadFile("weights.bin", { onProgress: (p) => events.push(p) });
      const streamed = await bytesOf(await model.streamFile("sub/config.json"));
      const archive = await bytesOf(await model.streamArchive());
      const missing = await model.downloadFile("nope.bin").catch(failure);
      const absent = await model.streamFile("../weights.bin").catch(failure);
      return {
        blob: { size: blob.size, sha256: await hex(await blob.arrayBuffer()) },
        events,
        streamed: new TextDecoder().decode(streamed),
        archive: btoa(Array.from(archive, (b) => String.fromCharCode(b)).join("")),
        missing,
        absent,
      };`,
    );
    expect(result.blob).toEqual({ size: FILES["weights.bin"]!.length, sha256: sha256(FILES["weights.bin"]!) });
    expectProgress(result.events, FILES["weights.bin"]!.length);
    expect(result.streamed).toBe(FILES["sub/config.json"]!.toString());
    const entries = new Map<string, string>();
    const extract = tar.extract();
    extract.on("entry", (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on("data", (b) => parts.push(b as Buffer));
      stream.on("end", () => (entries.set(header.name, sha256(Buffer.concat(parts))), next()));
    });
    await new Promise<void>((resolve, reject) => {
      extract.once("finish", () => resolve()).once("error", reject);
      extract.end(Buffer.from(result.archive, "base64"));
    });
    // Digests, not bytes: comparing megabytes element by element takes vitest seconds.
    expect(Object.fromEntries(entries)).toEqual(Object.fromEntries(Object.entries(FILES).map(([name, bytes]) => [name, sha256(bytes)])));
    expect(result.missing).toMatchObject({ code: "NOT_FOUND", typed: true });
    expect(result.absent).toMatchObject({ code: "NOT_FOUND", typed: true });
    expect(watch).toEqual({ foreign: [], problems: [] });
    await page.unrouteAll();
  });

  test("a page outside a secure context (no WebCrypto) still gets a verified Blob", async () => {
    const team = await browser.newPage();
    await team.goto(`${teamOrigin(app.origin)}/`);
    const result = await inPage<any>(
      team,
      gw.url,
      `const model = await registry.getModel({ name: "mnist", version: 1 });
      const blob = await model.downloadFile("sub/deeper/vocab.txt");
      return { secure: isSecureContext, subtle: typeof crypto.subtle, text: await blob.text() };`,
    );
    await team.close();
    expect(result).toEqual({ secure: false, subtle: "undefined", text: FILES["sub/deeper/vocab.txt"]!.toString() });
  });

  test("bytes changed in the blob store: the Blob and the stream fail with INTEGRITY_ERROR", async () => {
    const content = randomBytes(200_000);
    const digest = sha256(content);
    const stored = path.join(gw.storage.blobDir, digest.slice(0, 2), digest);
    const flipped = Buffer.from(content);
    flipped[100_000] = 255 - flipped[100_000]!;
    await inPage(
      page,
      gw.url,
      `const bytes = Uint8Array.from(atob("${content.toString("base64")}"), (c) => c.charCodeAt(0));
      await registry.createModel({ name: "tampered", files: { "t.bin": new Blob([bytes]) } });`,
    );
    await fs.chmod(stored, 0o644);
    await fs.writeFile(stored, flipped);
    const result = await inPage<any>(
      page,
      gw.url,
      `const model = await registry.getModel({ name: "tampered", version: 1 });
      const blob = await model.downloadFile("t.bin").catch(failure);
      const chunks = [];
      const stream = await model.streamFile("t.bin");
      const streamed = await (async () => {
        const reader = stream.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return { ended: true };
          chunks.push(value.length);
        }
      })().catch(failure);
      return { blob, streamed, read: chunks.reduce((a, b) => a + b, 0) };`,
    );
    expect(result.blob).toMatchObject({ code: "INTEGRITY_ERROR", typed: true });
    expect(result.blob.message).toContain(`expected sha256 ${digest}`);
    expect(result.streamed).toMatchObject({ code: "INTEGRITY_ERROR", typed: true });
    expect(result.read).toBe(content.length);
    // Without WebCrypto (a page outside a secure context) the SDK's own SHA-256 refuses them too.
    const team = await browser.newPage();
    await team.goto(`${teamOrigin(app.origin)}/`);
    const insecure = await inPage<any>(
      team,
      gw.url,
      `const model = await registry.getModel({ name: "tampered", version: 1 });
      return { subtle: typeof crypto.subtle, blob: await model.downloadFile("t.bin").catch(failure) };`,
    );
    await team.close();
    expect(insecure.subtle).toBe("undefined");
    expect(insecure.blob).toMatchObject({ code: "INTEGRITY_ERROR", typed: true });
    expect(insecure.blob.message).toContain(`expected sha256 ${digest}`);
  });

  test("downloads fail typed: ABORTED by the signal mid-stream, NOT_FOUND from the gateway once the version is gone", async () => {
    const result = await inPage<any>(
      page,
      gw.url,
      `const model = await registry.getModel({ name: "mnist", version: 1 });
      const controller = new AbortController();
      const reader = (await model.streamFile("weights.bin", { signal: controller.signal })).getReader();
      const first = await reader.read();
      controller.abort();
      const afterAbort = await (async () => { for (;;) if ((await reader.read()).done) return { ended: true }; })().catch(failure);
      const before = await model.downloadFile("weights.bin", { signal: AbortSignal.abort() }).catch(failure);
      await model.delete();
      const gone = await model.downloadFile("weights.bin").catch(failure);
      const goneArchive = await model.streamArchive().catch(failure);
      return { firstBytes: first.value.length, afterAbort, before, gone, goneArchive };`,
    );
    expect(result.firstBytes).toBeGreaterThan(0);
    expect(result.afterAbort).toMatchObject({ code: "ABORTED", typed: true });
    expect(result.before).toMatchObject({ code: "ABORTED", typed: true });
    expect(result.gone).toMatchObject({ code: "NOT_FOUND", typed: true });
    expect(result.gone.message).toMatch(/^downloading weights\.bin: /);
    expect(result.goneArchive).toMatchObject({ code: "NOT_FOUND", typed: true });
  });

  test("the incremental sha256 streams verify with is sha256, chunked any way", () => {
    for (const size of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
      const bytes = randomBytes(size);
      const hash = new Sha256();
      for (let at = 0; at < size;) {
        const step = 1 + ((at * 7919) % 97);
        hash.update(bytes.subarray(at, at + step));
        at += step;
      }
      expect(hash.hex()).toBe(sha256(bytes));
    }
  });

  test("a gateway that does not list the page's origin: queries, uploads and downloads name HOMER_CORS_ORIGINS", async () => {
    const refused = `the registry refused this origin or could not be reached: set HOMER_CORS_ORIGINS on the gateway to include ${app.origin}`;
    const result = await page.evaluate<any>(`(async () => {
      const sdk = await import("/sdk/dist/browser.js");
      const { uploadFiles } = await import("/sdk/dist/browser/upload.js");
      const { fetchOk } = await import("/sdk/dist/browser/download.js");
      const failure = (error) => ({ code: error.code, message: error.message, typed: error instanceof sdk.RegistryError });
      const headers = { authorization: "Bearer ${admin.token}", "apollo-require-preflight": "true" };
      return {
        query: await sdk.connection({ url: ${JSON.stringify(refusing.url)} }).getModelRegistry().catch(failure),
        upload: await uploadFiles({ url: ${JSON.stringify(refusing.url)}, headers, idleMs: 300000, input: { name: "refused" } }, [{ path: "a.bin", blob: new Blob(["a"]) }]).catch(failure),
        download: await fetchOk(${JSON.stringify(`${refusing.origin}/archives/default/refused/1`)}, "downloading", headers).catch(failure),
      };
    })()`);
    for (const outcome of [result.query, result.upload, result.download]) {
      expect(outcome).toMatchObject({ code: "NETWORK_ERROR", typed: true });
      expect(outcome.message).toContain(refused);
    }
    expect((await refusing.gql(`{ model(name: "refused", version: 1) { version } }`, {}, asAdmin)).data.model).toBeNull();
  });

  test("Apollo's CSRF refusal (the preflight header dropped on the way) is reported as such", async () => {
    // A proxy that drops the header: the browser sent it, the gateway never sees it.
    await page.route(`${gw.url}`, async (route) => {
      const { "apollo-require-preflight": _, ...headers } = route.request().headers();
      await route.continue({ headers });
    });
    const outcome = await inPage<any>(
      page,
      gw.url,
      `return registry.createModel({ name: "csrf", files: { "a.bin": new Blob(["a"]) } }).then(() => ({ uploaded: true }), failure);`,
    );
    await page.unrouteAll();
    expect(outcome).toMatchObject({ code: "FORBIDDEN", typed: true });
    expect(outcome.message).toMatch(/^createModel: the registry refused the request as a possible cross-site request forgery/);
    expect((await gw.gql(`{ model(name: "csrf", version: 1) { version } }`, {}, asAdmin)).data.model).toBeNull();
  });

  test("idleTimeoutSeconds: a registry that takes the request and goes silent fails the query and the upload with NETWORK_ERROR once that long passes without a byte", async () => {
    const held: http.ServerResponse[] = [];
    // A registry on the page's own origin: it answers the version check, then reads each request whole and never answers.
    const silent = await startAppServer(
      {},
      answeringVersion((_req, res) => void held.push(res)),
    );
    const other = await browser.newPage();
    try {
      await other.goto(`${silent.origin}/`);
      const result = await other.evaluate<any>(`(async () => {
        const sdk = await import("/sdk/dist/browser.js");
        const registry = await sdk.connection({ url: "/graphql", idleTimeoutSeconds: 0.5 }).getModelRegistry();
        const failure = (error) => ({ code: error.code, message: error.message, typed: error instanceof sdk.RegistryError });
        const started = Date.now();
        const query = await registry.getModel({ name: "mnist", version: 1 }).then(() => "answered", failure);
        const upload = await registry.createModel({ name: "mnist", files: { "model.bin": new Blob([new Uint8Array(2 << 20)]) } }).then(() => "answered", failure);
        return { query, upload, took: Date.now() - started };
      })()`);
      expect(result.query).toMatchObject({ code: "NETWORK_ERROR", typed: true });
      expect(result.query.message).toMatch(/the registry went silent \(no bytes for 0\.5 s\)/);
      expect(result.upload).toMatchObject({ code: "NETWORK_ERROR", typed: true, message: "createModel: no bytes for 0.5 s" });
      expect(result.took).toBeGreaterThanOrEqual(1000);
      expect(result.took).toBeLessThan(10_000);
      expect(held.length).toBe(2);
    } finally {
      await other.close();
      await silent.close();
    }
  });
});
