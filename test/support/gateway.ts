import type { KyselyConfig } from "kysely";
import type { Logger } from "pino";
import { startGateway, type Gateway } from "../../gateway/src/app.js";
import { loadConfig, type Config } from "../../gateway/src/config.js";
import { openTestStorage, type Backend, type StorageCombo, type TestStorage } from "./backends.js";
import type { S3Server } from "./s3-server.js";
import { silentLog } from "./registry.js";

export interface GraphQLResponse<T = any> {
  readonly status: number;
  readonly data?: T;
  readonly errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface TestGateway {
  readonly origin: string;
  readonly url: string;
  readonly gateway: Gateway;
  readonly storage: TestStorage;
  gql<T = any>(
    this: void,
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  /** A createModel multipart request per the GraphQL multipart request spec. */
  upload<T = any>(
    this: void,
    input: Record<string, unknown>,
    files: Record<string, string | Buffer>,
    selection?: string,
  ): Promise<GraphQLResponse<T>>;
  close(this: void): Promise<void>;
}

/**
 * A plain JSON query POSTed to `url` (a gateway's `/graphql`), answered with its status,
 * its `Retry-After` and its body: what the tests of a database at fault look at.
 */
export async function postQuery(url: string, query: string): Promise<{ status: number; retryAfter: string | null; body: any }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json() };
}

/** A real gateway listening on a free port over real storage of `backend` (an S3 combo blobs on `s3`). */
export async function startTestGateway(
  options: {
    backend?: Backend | StorageCombo;
    s3?: S3Server;
    config?: Partial<Config>;
    log?: KyselyConfig["log"];
    logger?: Logger;
  } = {},
): Promise<TestGateway> {
  const storage = await openTestStorage(options.backend ?? "sqlite", { log: options.log, s3: options.s3 });
  const config: Config = {
    ...loadConfig(["--port", "0"], {}),
    dataDir: storage.dataDir,
    databaseUrl: storage.databaseUrl,
    blobUrl: storage.blobUrl,
    shutdownGraceMs: 1000,
    ...options.config,
  };
  const gateway = await startGateway(config, { log: options.logger ?? silentLog, storage });
  const url = `${gateway.origin}/graphql`;

  async function gql(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, ...(await res.json()) };
  }

  async function upload(input: Record<string, unknown>, files: Record<string, string | Buffer>, selection = "version") {
    const entries = Object.entries(files);
    const form = new FormData();
    const query = `mutation($input: CreateModelInput!) { createModel(input: $input) { ${selection} } }`;
    const withFiles = { ...input, files: entries.map(([path]) => ({ path, file: null })) };
    form.set("operations", JSON.stringify({ query, variables: { input: withFiles } }));
    form.set("map", JSON.stringify(Object.fromEntries(entries.map((_, i) => [String(i), [`variables.input.files.${i}.file`]]))));
    // The path travels in `operations`; the part's filename is not used.
    entries.forEach(([, content], i) =>
      form.set(String(i), new Blob([typeof content === "string" ? content : new Uint8Array(content)]), `file${i}`),
    );
    const res = await fetch(url, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form });
    return { status: res.status, ...(await res.json()) };
  }

  return {
    origin: gateway.origin,
    url,
    gateway,
    storage,
    gql,
    upload,
    async close() {
      await gateway.close();
      await storage.cleanup();
    },
  };
}
