import fs from "node:fs/promises";
import http from "node:http";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError } from "@homer/sdk";
import { MAX_ANSWER_BYTES } from "../sdk/dist/client.js";
import { downloadModel } from "../sdk/dist/node/download.js";
import { makeTempDir } from "./support/backends.js";
import { sha256 } from "./support/files.js";
import { drainedOrClosed } from "./support/drain.js";
import { answeringVersion, versionAnswer } from "./support/fake-registry.js";

/** A GraphQL answer: the body and its content type. */
type Reply = { readonly body: string | Buffer; readonly type?: string };

/**
 * A server that is not a Homer gateway, or one that lies: it answers the SDK's
 * `GatewayVersion` query as a 1.x gateway, every other query with `answer`, and
 * GETs of `/files/…` with `files`.
 */
async function hostileServer(options: {
  readonly answer?: (query: string, origin: string) => Reply;
  readonly files?: Readonly<Record<string, Buffer>>;
  readonly raw?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
}) {
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (options.raw?.(req, res)) return;
    if (req.method === "POST") {
      let text = "";
      for await (const chunk of req) text += String(chunk);
      const { query } = JSON.parse(text) as { query: string };
      const reply = /query GatewayVersion/.test(query)
        ? { body: JSON.stringify({ data: { version: { gateway: "0.2.0", schema: "1.0", __typename: "ServerVersion" } } }) }
        : options.answer!(query, origin);
      res.writeHead(200, { "content-type": reply.type ?? "application/json" }).end(reply.body);
      return;
    }
    const bytes = options.files?.[req.url ?? ""];
    if (bytes) res.writeHead(200, { "content-length": bytes.length }).end(bytes);
    else res.writeHead(404).end();
  };
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A JSON answer of `chunk` after `chunk` (JSON whitespace, or gzip members of it that inflate 1,000-fold) until the client goes. */
async function sendForever(res: http.ServerResponse, chunk: Buffer, headers: Record<string, string> = {}): Promise<void> {
  res.writeHead(200, { "content-type": "application/json", ...headers });
  while (!res.destroyed) {
    if (!res.write(chunk)) {
      await drainedOrClosed(res);
    }
  }
}

/** A version as a `GetModel` answer carries it, with `over` changed. */
const modelAnswer = (origin: string, over: Record<string, unknown>, files: unknown[]) =>
  JSON.stringify({ data: { model: versionAnswer(origin, { files, ...over }) } });

describe("the SDK against a hostile server", () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir("homer-sdk-hostile-server-");
  });
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  test("download() without a folder refuses a name or version the registry could not have stored, and writes nothing outside the working directory", async () => {
    const content = Buffer.from("ssh-ed25519 AAAA attacker\n");
    const file = (origin: string) => ({
      __typename: "ModelFile",
      path: "authorized_keys",
      sizeBytes: content.length,
      sha256: sha256(content),
      downloadUrl: `${origin}/files/k`,
    });
    const work = path.join(root, "home", "work");
    await fs.mkdir(work, { recursive: true });
    const cases: [string, Record<string, unknown>, string][] = [
      ["a name that climbs", { name: "../escaped" }, path.join(root, "home", "escaped-1")],
      ["an absolute name", { name: path.join(root, "absolute") }, path.join(root, "absolute-1")],
      ["a version that is a path", { version: "/../.ssh" }, path.join(root, "home", ".ssh")],
    ];
    const cwd = process.cwd();
    process.chdir(work);
    try {
      for (const [name, over, landing] of cases) {
        const server = await hostileServer({
          answer: (_query, origin) => ({ body: modelAnswer(origin, over, [file(origin)]) }),
          files: { "/files/k": content },
        });
        const registry = await connection({ url: `${server.origin}/graphql` }).getModelRegistry();
        const model = (await registry.getModel({ name: "mnist", version: 1 }))!;
        const error = await model.download().catch((e: unknown) => e);
        await server.close();
        expect(error, name).toBeInstanceOf(RegistryError);
        expect((error as RegistryError).code, name).toBe("INTEGRITY_ERROR");
        expect((error as RegistryError).message, name).toMatch(/make no folder name: pass the folder/);
        await expect(fs.stat(path.join(landing, "authorized_keys")), name).rejects.toThrow();
      }
    } finally {
      process.chdir(cwd);
    }
    // A name and version the registry stores still make the default folder.
    const server = await hostileServer({
      answer: (_query, origin) => ({ body: modelAnswer(origin, {}, [file(origin)]) }),
      files: { "/files/k": content },
    });
    process.chdir(work);
    try {
      const registry = await connection({ url: `${server.origin}/graphql` }).getModelRegistry();
      expect(await (await registry.getModel({ name: "mnist", version: 1 }))!.download()).toBe("mnist-1");
    } finally {
      process.chdir(cwd);
      await server.close();
    }
    expect(await fs.readFile(path.join(work, "mnist-1", "authorized_keys"))).toEqual(content);
  });

  test("a listed sha256 that is not 64 hex digits cannot take the part file out of the folder, and a URL that does not parse is INTEGRITY_ERROR, not a TypeError", async () => {
    const fine = Buffer.from("fine");
    const server = await hostileServer({
      files: { "/ok": fine },
      raw: (req, res) => {
        if (req.url !== "/evil") return false;
        // Some bytes, then the connection cut: a transfer cut short keeps its part file.
        res.writeHead(200, { "content-length": 100 });
        res.write("ATTACKER BYTES");
        setTimeout(() => res.destroy(), 100);
        return true;
      },
    });
    const base = path.join(root, "digest");
    const out = path.join(base, "home", "out");
    const files = [
      // Makes the folder "w.bin." that the part name below climbs out of.
      { path: "w.bin./x", sizeBytes: fine.length, sha256: sha256(fine), downloadUrl: `${server.origin}/ok` },
      // partOf: `${target}.${sha256.slice(0, 16)}.homer-part` = out/w.bin./../../../aaaaaa.homer-part
      { path: "w.bin", sizeBytes: 100, sha256: `/../../../aaaaaa${"0".repeat(48)}`, downloadUrl: `${server.origin}/evil` },
    ];
    const error = await downloadModel({ files }, out, { headers: {}, origin: server.origin, concurrency: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("INTEGRITY_ERROR");
    expect((error as RegistryError).message).toMatch(/with the sha256 .*not 64 hex digits/);
    await expect(fs.stat(path.join(base, "aaaaaa.homer-part"))).rejects.toThrow();

    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["a URL that does not parse", { downloadUrl: "not a url" }, /with the download URL "not a url"/],
      ["no URL", { downloadUrl: null }, /with the download URL null/],
      ["a negative size", { sizeBytes: -1 }, /with the size -1/],
      ["a size that is text", { sizeBytes: "4" }, /with the size "4"/],
      ["no path", { path: null }, /whose path is null/],
    ];
    for (const [name, over, message] of cases) {
      const listed = [{ path: "w.bin", sizeBytes: fine.length, sha256: sha256(fine), downloadUrl: `${server.origin}/ok`, ...over }];
      const dir = path.join(root, "listed", name);
      const failed = await downloadModel({ files: listed }, dir, { headers: {}, origin: server.origin }).catch((e: unknown) => e);
      expect(failed, name).toBeInstanceOf(RegistryError);
      expect((failed as RegistryError).code, name).toBe("INTEGRITY_ERROR");
      expect((failed as RegistryError).message, name).toMatch(message);
      await expect(fs.stat(dir), name).rejects.toThrow();
    }
    await server.close();
  });

  /** `promise`, or "still waiting" once `ms` have passed. */
  const within = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([promise, new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), ms).unref())]);

  test("a JSON answer that claims more parts will follow (hasNext) settles the call with what it holds, instead of waiting forever", async () => {
    const server = await hostileServer({
      answer: (_query, origin) => ({ body: `${modelAnswer(origin, {}, []).slice(0, -1)},"hasNext":true}` }),
    });
    const registry = await connection({ url: `${server.origin}/graphql` }).getModelRegistry();
    const model = await within(registry.getModel({ name: "mnist", version: 1 }), 5000);
    await server.close();
    expect(model).not.toBe("still waiting");
    expect((model as { name: string }).name).toBe("mnist");
  });

  test("an incremental answer (multipart/mixed, text/event-stream) is NETWORK_ERROR at once, and leaves no unhandled rejection to end the process", async () => {
    const rejections: unknown[] = [];
    const record = (reason: unknown) => void rejections.push(reason);
    process.on("unhandledRejection", record);
    try {
      const cases: [string, string, (origin: string) => string][] = [
        [
          "multipart/mixed",
          'multipart/mixed; boundary="-"',
          (origin) =>
            `\r\n---\r\ncontent-type: application/json\r\n\r\n${modelAnswer(origin, {}, []).slice(0, -1)},"hasNext":false}\r\n---`,
        ],
        ["text/event-stream", "text/event-stream", (origin) => `data: ${modelAnswer(origin, {}, []).slice(0, -1)},"hasNext":false}\n\n`],
      ];
      for (const [name, type, body] of cases) {
        // The answer's part is sent and the connection kept open, as a streaming server does.
        const server = await hostileServer({
          raw: answeringVersion((req, res) => void res.writeHead(200, { "content-type": type }).write(body(`http://${req.headers.host}`))),
        });
        const registry = await connection({ url: `${server.origin}/graphql` }).getModelRegistry();
        const error = await within(
          registry.getModel({ name: "mnist", version: 1 }).catch((e: unknown) => e),
          5000,
        );
        // Time for a rejection left behind to be reported.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await server.close();
        expect(error, name).toBeInstanceOf(RegistryError);
        expect((error as RegistryError).code, name).toBe("NETWORK_ERROR");
        expect((error as RegistryError).message, name).toMatch(/an incremental answer the SDK never asks for/);
      }
    } finally {
      process.off("unhandledRejection", record);
    }
    expect(rejections).toEqual([]);
  });

  test("an answer that never ends, or a small gzip body that inflates without end, is NETWORK_ERROR past MAX_ANSWER_BYTES, not gathered until memory runs out", async () => {
    const spaces = Buffer.alloc(2 ** 20, 0x20);
    const bomb = gzipSync(Buffer.alloc(64 * 2 ** 20, 0x20));
    for (const encoding of ["identity", "gzip"]) {
      const server = await hostileServer({
        raw: (req, res) => {
          if (req.method !== "POST") return false;
          req.resume();
          req.on("end", () => void sendForever(res, encoding === "gzip" ? bomb : spaces, { "content-encoding": encoding }));
          return true;
        },
      });
      const error = await within(
        connection({ url: `${server.origin}/graphql` })
          .getModelRegistry()
          .catch((e: unknown) => e),
        30_000,
      );
      await server.close();
      expect(error, encoding).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code, encoding).toBe("NETWORK_ERROR");
      expect((error as RegistryError).message, encoding).toMatch(new RegExp(`went on past ${MAX_ANSWER_BYTES} bytes`));
    }
  });

  test("an upload whose answer never ends is NETWORK_ERROR past MAX_ANSWER_BYTES, not a RangeError thrown in an event handler that ends the process", async () => {
    const spaces = Buffer.alloc(2 ** 20, 0x20);
    const server = await hostileServer({
      raw: (req, res) => {
        if (!(req.headers["content-type"] ?? "").startsWith("multipart/")) return false;
        req.resume();
        req.on("end", () => void sendForever(res, spaces));
        return true;
      },
    });
    const dir = path.join(root, "upload");
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, "model.pt"), "weights");
    const registry = await connection({ url: `${server.origin}/graphql` }).getModelRegistry();
    const error = await within(
      registry.createModel({ name: "mnist", modelPath: dir }).catch((e: unknown) => e),
      30_000,
    );
    await server.close();
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("NETWORK_ERROR");
    expect((error as RegistryError).message).toMatch(new RegExp(`went on past ${MAX_ANSWER_BYTES} bytes`));
  });

  test("a listed file named as another's part file is INTEGRITY_ERROR before anything is asked, never the other's bytes put in place as verified", async () => {
    const real = Buffer.alloc(200_000, 0x41);
    const other = Buffer.from("SOMETHING ELSE ENTIRELY\n");
    const server = await hostileServer({
      raw: (req, res) => {
        if (req.url === "/slow") {
          // The part file is being written when the other file's download replaces it.
          res.writeHead(200, { "content-length": real.length });
          res.write(real.subarray(0, 1000));
          setTimeout(() => res.end(real.subarray(1000)), 500);
          return true;
        }
        if (req.url === "/fast") {
          setTimeout(() => res.writeHead(200, { "content-length": other.length }).end(other), 100);
          return true;
        }
        return false;
      },
    });
    const out = path.join(root, "part-named");
    const files = [
      { path: "w.bin", sizeBytes: real.length, sha256: sha256(real), downloadUrl: `${server.origin}/slow` },
      {
        path: `w.bin.${sha256(real).slice(0, 16)}.homer-part`,
        sizeBytes: other.length,
        sha256: sha256(other),
        downloadUrl: `${server.origin}/fast`,
      },
    ];
    const result = await downloadModel({ files }, out, { headers: {}, origin: server.origin }).catch((e: unknown) => e);
    await server.close();
    // Whatever happens, a file in place holds the bytes listed for it.
    for (const name of await fs.readdir(out).catch(() => [])) {
      const listed = files.find((f) => f.path === name);
      if (listed) expect(sha256(await fs.readFile(path.join(out, name))), name).toBe(listed.sha256);
    }
    expect(result).toBeInstanceOf(RegistryError);
    expect((result as RegistryError).code).toBe("INTEGRITY_ERROR");
    expect((result as RegistryError).message).toMatch(/the part file "w\.bin" is downloaded into/);
  });

  test("idleTimeoutSeconds: a query whose answer never comes, or stops half-way, and an upload the server takes and never answers, are NETWORK_ERROR once that long passes without a byte", async () => {
    const modelDir = path.join(root, "idle-upload");
    await fs.mkdir(modelDir, { recursive: true });
    await fs.writeFile(path.join(modelDir, "model.pt"), Buffer.alloc(3 << 20, 1));
    const open: http.ServerResponse[] = [];
    // Versions are asked and answered; any other query gets `silence` (the connection stays open).
    const quiet = (silence: (res: http.ServerResponse) => void) =>
      hostileServer({
        raw: answeringVersion((_req, res) => {
          open.push(res);
          silence(res);
        }),
      });
    const cases: [string, (res: http.ServerResponse) => void][] = [
      ["no answer at all", () => {}],
      ["headers, then nothing", (res) => res.writeHead(200, { "content-type": "application/json" }).flushHeaders()],
      ["half an answer, then nothing", (res) => res.writeHead(200, { "content-type": "application/json" }).write('{"data":{"model":')],
    ];
    for (const [name, silence] of cases) {
      const server = await quiet(silence);
      const registry = await connection({ url: `${server.origin}/graphql`, idleTimeoutSeconds: 0.3 }).getModelRegistry();
      const started = Date.now();
      const query = await within(
        registry.getModel({ name: "mnist", version: 1 }).catch((e: unknown) => e),
        10_000,
      );
      const upload = await within(
        registry.createModel({ name: "mnist", modelPath: modelDir }).catch((e: unknown) => e),
        10_000,
      );
      const took = Date.now() - started;
      await server.close();
      for (const [what, error] of [
        ["query", query],
        ["upload", upload],
      ] as const) {
        expect(error, `${name}: ${what}`).toBeInstanceOf(RegistryError);
        expect((error as RegistryError).code, `${name}: ${what}`).toBe("NETWORK_ERROR");
        expect((error as RegistryError).message, `${name}: ${what}`).toMatch(/no bytes for 0\.3 s/);
      }
      // Each waited its 0.3 s and no more than a little past it (the upload also sent 3 MiB first).
      expect(took, name).toBeGreaterThanOrEqual(600);
      expect(took, name).toBeLessThan(8000);
    }
    expect(open.length).toBe(2 * cases.length);
  });

  test("idleTimeoutSeconds counts silence, not the whole request: an answer that trickles in for longer than the limit, a byte at a time, is read whole", async () => {
    const server = await hostileServer({
      raw: answeringVersion((req, res) => {
        // About 1.2 s in all, in twelve pieces 100 ms apart: four times the 0.3 s limit.
        const body = modelAnswer(`http://${req.headers.host}`, {}, []);
        const pieces = Array.from({ length: 12 }, (_, i) => body.slice((i * body.length) / 12, ((i + 1) * body.length) / 12));
        res.writeHead(200, { "content-type": "application/json" });
        const next = () => {
          const piece = pieces.shift();
          if (piece === undefined) res.end();
          else {
            res.write(piece);
            setTimeout(next, 100);
          }
        };
        next();
      }),
    });
    const registry = await connection({ url: `${server.origin}/graphql`, idleTimeoutSeconds: 0.3 }).getModelRegistry();
    const started = Date.now();
    const model = await registry.getModel({ name: "mnist", version: 1 });
    const took = Date.now() - started;
    await server.close();
    expect(model?.name).toBe("mnist");
    expect(took).toBeGreaterThanOrEqual(1000);
  });

  test("idleTimeoutSeconds that is not a number of seconds above 0 (and within a timer's reach) is BAD_USER_INPUT when connecting, before anything is sent", () => {
    const values: [string, unknown][] = [
      ["0", 0],
      ["-1", -1],
      ["NaN", Number.NaN],
      ["Infinity", Number.POSITIVE_INFINITY],
      ["3e6", 3e6],
      ['"30"', "30"],
      ["null", null],
      ["true", true],
      ["{}", {}],
      ["1n", 1n],
      ["{ n: 1n }", { n: 1n }],
    ];
    for (const [shown, value] of values) {
      let error: unknown;
      try {
        connection({ url: "http://127.0.0.1:1/graphql", idleTimeoutSeconds: value as number });
      } catch (e) {
        error = e;
      }
      expect(error, shown).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code, shown).toBe("BAD_USER_INPUT");
      expect((error as RegistryError).message, shown).toMatch(/idleTimeoutSeconds must be a number of seconds above 0/);
    }
    // The bounds themselves, a fraction, and undefined (the default) connect.
    for (const value of [0.001, 2_147_483, 30, undefined]) {
      expect(() => connection({ url: "http://127.0.0.1:1/graphql", idleTimeoutSeconds: value }), String(value)).not.toThrow();
    }
  });
});
