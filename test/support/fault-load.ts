import { createHash, randomBytes } from "node:crypto";
import { sleep } from "./wait.js";

/**
 * A bounded load of creates, listings and downloads against a gateway, for
 * injecting faults underneath it: every answer is recorded, and every create
 * answered with success is remembered with its bytes' digest so a test can check
 * afterwards that nothing acknowledged was lost.
 */

export interface Outcome {
  readonly op: "create" | "list" | "download";
  /** HTTP status; 0 when the connection failed (the gateway died or reset it). */
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | null;
  /** Set when a 200 download's bytes did not match their digest. */
  readonly corrupt?: true;
  readonly error?: string;
}

export interface Acknowledged {
  readonly version: number;
  readonly sha256: string;
  readonly sizeBytes: number;
}

export interface Load {
  readonly outcomes: readonly Outcome[];
  readonly acknowledged: readonly Acknowledged[];
  /** Stops issuing requests and waits for those in flight. */
  stop(): Promise<void>;
  /** Settles once `maxRequests` were answered (or after `stop`). */
  readonly finished: Promise<void>;
}

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const CREATE = "mutation($input: CreateModelInput!) { createModel(input: $input) { version files { sha256 } } }";
const LIST = "query($name: String!) { models(name: $name, first: 20) { nodes { version files { sha256 } } } }";

function codeOf(body: unknown): string | undefined {
  return (body as { errors?: { extensions?: { code?: string } }[] } | null)?.errors?.[0]?.extensions?.code;
}

async function create(origin: string, name: string, acknowledged: Acknowledged[]): Promise<Outcome> {
  const bytes = randomBytes(1024 + Math.floor(Math.random() * 31 * 1024));
  const form = new FormData();
  form.set("operations", JSON.stringify({ query: CREATE, variables: { input: { name, files: [{ path: "w.bin", file: null }] } } }));
  form.set("map", JSON.stringify({ 0: ["variables.input.files.0.file"] }));
  form.set("0", new Blob([new Uint8Array(bytes)]), "w.bin");
  const res = await fetch(`${origin}/graphql`, { method: "POST", headers: { "apollo-require-preflight": "true" }, body: form });
  const body = (await res.json()) as { data?: { createModel?: { version: number } }; errors?: unknown[] };
  const version = body.data?.createModel?.version;
  if (res.status === 200 && !body.errors && version !== undefined)
    acknowledged.push({ version, sha256: sha256(bytes), sizeBytes: bytes.length });
  return { op: "create", status: res.status, code: codeOf(body), retryAfter: res.headers.get("retry-after") };
}

async function list(origin: string, name: string): Promise<Outcome> {
  const res = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: LIST, variables: { name } }),
  });
  const body = await res.json();
  return { op: "list", status: res.status, code: codeOf(body), retryAfter: res.headers.get("retry-after") };
}

async function download(origin: string, name: string, file: Acknowledged): Promise<Outcome> {
  const res = await fetch(`${origin}/files/default/${name}/${file.version}/w.bin`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const retryAfter = res.headers.get("retry-after");
  if (res.status === 200)
    return { op: "download", status: 200, code: undefined, retryAfter, ...(sha256(bytes) === file.sha256 ? {} : { corrupt: true }) };
  let code: string | undefined;
  try {
    code = codeOf(JSON.parse(Buffer.from(bytes).toString("utf8")));
  } catch {
    // not JSON: the status says enough
  }
  return { op: "download", status: res.status, code, retryAfter };
}

/** Starts `workers` loops of create, list, download (in turn) on model `name`, at most `maxRequests` in all. */
export function startLoad(origin: string, name: string, options: { workers?: number; maxRequests?: number } = {}): Load {
  const outcomes: Outcome[] = [];
  const acknowledged: Acknowledged[] = [];
  const maxRequests = options.maxRequests ?? 3000;
  let stopped = false;
  let issued = 0;
  const worker = async (offset: number) => {
    for (let i = offset; !stopped && issued < maxRequests; i++) {
      issued++;
      const op = i % 3;
      const known = acknowledged[Math.floor(Math.random() * acknowledged.length)];
      let outcome: Outcome;
      try {
        outcome =
          op === 0
            ? await create(origin, name, acknowledged)
            : op === 2 && known
              ? await download(origin, name, known)
              : await list(origin, name);
      } catch (error) {
        outcome = {
          op: op === 0 ? "create" : "list",
          status: 0,
          code: undefined,
          retryAfter: null,
          error: String((error as Error)?.cause ?? error),
        };
      }
      outcomes.push(outcome);
      // Refusals come back in microseconds: pace them so an outage does not spend the whole budget.
      if (outcome.status !== 200) await sleep(10);
    }
  };
  const running = Promise.all(Array.from({ length: options.workers ?? 4 }, (_, w) => worker(w))).then(() => {});
  return {
    outcomes,
    acknowledged,
    finished: running,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** Whether an outcome is a success, or the outage answer the contract asks for (503, UNAVAILABLE, Retry-After). */
export function isOkOrUnavailable(o: Outcome): boolean {
  if (o.status === 200) return o.code === undefined && !o.corrupt;
  return o.status === 503 && o.code === "UNAVAILABLE" && o.retryAfter !== null && Number(o.retryAfter) > 0;
}
