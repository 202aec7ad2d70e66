import v8 from "node:v8";
import vm from "node:vm";

/** What V8's `gc` extension takes: which collection, run now or as a task, and whether as under memory pressure. */
export type Collect = (options: {
  readonly type: "minor" | "major";
  readonly execution: "sync" | "async";
  readonly flavor?: "regular" | "last-resort";
}) => void;

/** Bytes of fresh Buffers (request bodies, streamed downloads) between two young-generation collections asked for. */
export const YOUNG_COLLECTION_BYTES = 16 * 2 ** 20;

/** How long after the last collection asked for the old generation goes back to V8's own growth. */
export const SETTLE_MS = 2000;

/** V8's growth of the old generation at each full collection while bodies stream (2×), and its own. */
export const STREAMING_GROWTH = "--heap-growing-percent=100";
export const OWN_GROWTH = "--heap-growing-percent=0";

export interface YoungBuffersOptions {
  /** V8's `gc` function, or `undefined` where it cannot be had. */
  readonly collect: () => Collect | undefined;
  /** Sets V8 flags (`v8.setFlagsFromString`); `undefined` leaves the old generation's growth alone. */
  readonly setFlags?: (flags: string) => void;
  readonly everyBytes?: number;
  readonly settleMs?: number;
}

/**
 * Asks V8 for a young-generation collection every `everyBytes` of request body or
 * streamed download, and keeps the old generation's growth at 2× while it does.
 *
 * Why: Node's HTTP parser copies each read of a request body into a new Buffer (up
 * to 64 KiB), so a 1 GiB upload allocates 1 GiB of ArrayBuffers that die at once.
 * A young-generation collection frees them, but only runs once the young generation
 * fills with objects, and an upload allocates few: the gateway's young generation,
 * grown to tens of MiB at startup, then fills too slowly. Node 20 and 22 (V8 11, 12)
 * collect it anyway once 32 MiB of young ArrayBuffers are outstanding; on Node 24
 * (V8 13.6) external memory starts full collections instead. Measured on a 1 GiB
 * upload there: 25–30 full collections of the gateway's ~34 MB heap, twice Node 20's
 * user CPU (3.0 s against 1.55) and 230 MB peak RSS. The busboy floor, with its
 * small young generation, does not meet it.
 *
 * The growth: V8 sizes the old generation's next limit by how fast it fills, and an
 * upload promotes almost nothing, so after any full collection (the one an idle spell
 * brings, first) the limit sits a few MiB above the heap, less than the young
 * generation holds; V8 then starts a full collection after every young one. With a
 * collection asked for every 16 MiB that made 60 full collections per GiB after an
 * idle spell (user CPU 5.2 s); with the limit at twice the heap, none. Outside
 * uploads V8 sizes it itself: the 2× growth costs 3–6 % CPU per small query.
 *
 * Measured with both, on Node 24: at most one full collection, 1.5 s of user CPU and
 * 165 MB peak RSS per GiB, back to back and after idle spells (BENCHMARKS.md §5). Streamed
 * downloads (archives, S3 blobs) read a fresh buffer per chunk, which meets the same;
 * a local file's download reuses its buffers (`BlobFile.writeTo`) and counts nothing.
 */
export class YoungBuffers {
  readonly #collect: () => Collect | undefined;
  readonly #setFlags: ((flags: string) => void) | undefined;
  readonly #everyBytes: number;
  readonly #settleMs: number;
  #bytes = 0;
  #collections = 0;
  #settle: NodeJS.Timeout | undefined;

  constructor(options: YoungBuffersOptions) {
    this.#collect = options.collect;
    this.#setFlags = options.setFlags;
    this.#everyBytes = options.everyBytes ?? YOUNG_COLLECTION_BYTES;
    this.#settleMs = options.settleMs ?? SETTLE_MS;
  }

  /** `bytes` more went by in fresh Buffers that die young: a request body's reads, a streamed download's chunks. */
  add(bytes: number): void {
    this.#bytes += bytes;
    if (this.#bytes < this.#everyBytes) return;
    this.#bytes = 0;
    const collect = this.#collect();
    if (!collect) return;
    this.#streaming();
    collect({ type: "minor", execution: "async" });
    this.#collections++;
  }

  /** Collections asked for so far. */
  get collections(): number {
    return this.#collections;
  }

  /** Whether the old generation grows 2× now (bodies streamed in the last `settleMs`). */
  get growing(): boolean {
    return this.#settle !== undefined;
  }

  #streaming(): void {
    if (!this.#setFlags) return;
    // Each collection asked for pushes the end of the growth back to `settleMs` from now.
    if (this.#settle) {
      this.#settle.refresh();
      return;
    }
    this.#setFlags(STREAMING_GROWTH);
    this.#settle = setTimeout(() => {
      this.#settle = undefined;
      this.#setFlags!(OWN_GROWTH);
    }, this.#settleMs).unref();
  }
}

/**
 * V8's `gc` function, obtained once. Node exposes it only under `--expose-gc`: the
 * flag is set just long enough to create a context that has it, then cleared, so no
 * later context or worker thread sees `gc`. `undefined` where V8 refuses.
 */
export const v8Collector = (() => {
  let collect: Collect | null | undefined;
  return (): Collect | undefined => {
    if (collect === undefined) collect = exposeGc();
    return collect ?? undefined;
  };
})();

function exposeGc(): Collect | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === "function") return exposed as Collect;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("gc");
    return typeof gc === "function" ? (gc as Collect) : null;
  } catch {
    return null;
  } finally {
    v8.setFlagsFromString("--no-expose-gc");
  }
}

/** V8 12 and later (Node 22, 24) shrink the young generation in a last-resort collection; V8 11 (Node 20) does not. */
export const SHRINKS_YOUNG_GENERATION = Number(process.versions.v8.split(".")[0]) >= 12;

/** The young generation's size in bytes (its semi-spaces as V8 has them now). */
export function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
}

/**
 * Gives back what starting the gateway left in V8's heap: one full collection of the
 * kind V8 runs under memory pressure, which also shrinks the young generation. Called
 * once, when the gateway is ready (`main.ts`); it takes about 80 ms.
 *
 * Why: loading the schema, the resolvers and the storage clients allocates fast, and
 * V8 grows the young generation to match: Node 24's reaches 64 MiB before the first
 * request (Node 22's 32). It holds that until its memory reducer runs, long after an
 * upload or a download has started, and the bodies' 64 KiB reads then fill it between
 * two young collections. Measured on Node 24 (BENCHMARKS.md §5, "The young generation
 * after start-up"): the idle gateway with the S3 client loaded holds 116 MiB instead of
 * 146, and a 1 GiB S3 transfer peaks at 176–186 MiB instead of 189–214. Under load V8
 * grows the young generation again as the requests need it. V8 11 (Node 20) ignores the
 * flavour: there nothing is asked.
 *
 * Returns the young generation's size before and after, or `undefined` where nothing
 * was asked.
 */
export function releaseStartupHeap(
  collect: Collect | undefined = SHRINKS_YOUNG_GENERATION ? v8Collector() : undefined,
): { readonly youngBefore: number; readonly youngAfter: number } | undefined {
  if (!collect) return undefined;
  const youngBefore = youngGenerationBytes();
  collect({ type: "major", execution: "sync", flavor: "last-resort" });
  return { youngBefore, youngAfter: youngGenerationBytes() };
}

/**
 * The gateway's: one count for every upload and download of the process. An
 * operator's own `--heap-growing-percent` on node's command line (V8 reads `_` as
 * `-`) is left as it is.
 */
export const youngBuffers = new YoungBuffers({
  collect: v8Collector,
  setFlags: process.execArgv.some((arg) => arg.replaceAll("_", "-").startsWith("--heap-growing-percent"))
    ? undefined
    : (flags) => v8.setFlagsFromString(flags),
});
