import v8 from "node:v8";
import vm from "node:vm";

/** What V8's `gc` extension takes: a young-generation collection, run as a task. */
export type MinorCollect = (options: { readonly type: "minor"; readonly execution: "async" }) => void;

/** Bytes of request bodies between two young-generation collections asked for. */
export const YOUNG_COLLECTION_BYTES = 16 * 2 ** 20;

/**
 * Asks V8 for a young-generation collection every `everyBytes` of request body.
 *
 * Why: Node's HTTP parser copies each read of a request body into a new Buffer (up
 * to 64 KiB), so a 1 GiB upload allocates 1 GiB of ArrayBuffers that die at once.
 * A young-generation collection frees them, but only runs once the young generation
 * fills with objects, and an upload allocates few: the gateway's young generation,
 * grown to tens of MiB at startup, then fills too slowly. Node 20 and 22 (V8 11, 12)
 * collect it anyway once 32 MiB of young ArrayBuffers are outstanding; on Node 24
 * (V8 13.6) external memory starts full collections instead. Measured on a 1 GiB
 * upload there: 25–30 full collections of the gateway's ~34 MB heap, twice Node 20's
 * user CPU (3.0 s against 1.55) and 230 MB peak RSS; with a collection asked for
 * every 16 MiB, none, 1.55 s and 166 MB (BENCHMARKS.md §5). The busboy floor, with
 * its small young generation, does not meet it.
 *
 * Each collection asked for is a task on the event loop: with the body's buffers
 * dead and little else young, it takes well under a millisecond.
 */
export class YoungBuffers {
  #bytes = 0;
  #collections = 0;

  constructor(
    private readonly collect: () => MinorCollect | undefined,
    private readonly everyBytes = YOUNG_COLLECTION_BYTES,
  ) {}

  /** `bytes` more of a request body arrived. */
  received(bytes: number): void {
    this.#bytes += bytes;
    if (this.#bytes < this.everyBytes) return;
    this.#bytes = 0;
    const collect = this.collect();
    if (!collect) return;
    collect({ type: "minor", execution: "async" });
    this.#collections++;
  }

  /** Collections asked for so far. */
  get collections(): number {
    return this.#collections;
  }
}

/**
 * V8's `gc` function, obtained once. Node exposes it only under `--expose-gc`: the
 * flag is set just long enough to create a context that has it, then cleared, so no
 * later context or worker thread sees `gc`. `undefined` where V8 refuses.
 */
export const minorCollector = (() => {
  let collect: MinorCollect | null | undefined;
  return (): MinorCollect | undefined => {
    if (collect === undefined) collect = exposeGc();
    return collect ?? undefined;
  };
})();

function exposeGc(): MinorCollect | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === "function") return exposed as MinorCollect;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("gc");
    return typeof gc === "function" ? (gc as MinorCollect) : null;
  } catch {
    return null;
  } finally {
    v8.setFlagsFromString("--no-expose-gc");
  }
}

/** The gateway's: one count of body bytes for every request of the process. */
export const youngBuffers = new YoungBuffers(minorCollector);
