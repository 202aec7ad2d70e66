/**
 * Gathers the keys asked for while a GraphQL result is being completed and loads
 * them in one call: graphql-js (and graphql-jit) call a field's resolver for every
 * item of a list before any of their promises settle, so a load scheduled after
 * the promise jobs already queued (then the next tick, as DataLoader does) sees
 * every key of the list. Keys asked for twice (the same `identity`) share one answer;
 * the load's map is read by identity.
 */
export class Batch<K, V> {
  #pending: Map<unknown, { key: K; waiting: { resolve: (value: V | undefined) => void; reject: (error: unknown) => void }[] }> | null =
    null;

  constructor(
    private readonly load: (keys: readonly K[]) => Promise<ReadonlyMap<unknown, V>>,
    private readonly identity: (key: K) => unknown = (key) => key,
  ) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#pending === null) {
        this.#pending = new Map();
        void Promise.resolve().then(() => process.nextTick(() => this.#flush()));
      }
      const id = this.identity(key);
      const entry = this.#pending.get(id);
      if (entry) entry.waiting.push({ resolve, reject });
      else this.#pending.set(id, { key, waiting: [{ resolve, reject }] });
    });
  }

  #flush(): void {
    const pending = this.#pending!;
    this.#pending = null;
    this.load([...pending.values()].map((entry) => entry.key)).then(
      (values) => {
        for (const [id, entry] of pending) for (const w of entry.waiting) w.resolve(values.get(id));
      },
      (error: unknown) => {
        for (const entry of pending.values()) for (const w of entry.waiting) w.reject(error);
      },
    );
  }
}

/** Per request (its context object): the batches by what they read and with which arguments. */
const batchesOf = new WeakMap<object, Map<string, Batch<unknown, unknown>>>();

/**
 * The request's batch for `key` (what it reads and with which arguments, e.g.
 * `best:["p","acc","DESC",…]`), made with `load` the first time it is asked for:
 * the resolvers of one list share it, so the list is read in one call.
 */
export function requestBatch<K, V>(
  request: object,
  key: string,
  load: (keys: readonly K[]) => Promise<ReadonlyMap<unknown, V>>,
  identity?: (key: K) => unknown,
): Batch<K, V> {
  let batches = batchesOf.get(request);
  if (!batches) batchesOf.set(request, (batches = new Map<string, Batch<unknown, unknown>>()));
  let batch = batches.get(key) as Batch<K, V> | undefined;
  if (!batch) {
    batch = new Batch(load, identity);
    batches.set(key, batch as Batch<unknown, unknown>);
  }
  return batch;
}
