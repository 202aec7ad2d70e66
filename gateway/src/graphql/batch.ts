/**
 * Gathers the keys asked for while a GraphQL result is being completed and loads
 * them in one call: graphql-js (and graphql-jit) call a field's resolver for every
 * item of a list before any of their promises settle, so a load scheduled after
 * the promise jobs already queued (then the next tick, as DataLoader does) sees
 * every key of the list. Keys asked for twice share one answer.
 */
export class Batch<K, V> {
  #pending: Map<K, { resolve: (value: V | undefined) => void; reject: (error: unknown) => void }[]> | null = null;

  constructor(private readonly load: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#pending === null) {
        this.#pending = new Map();
        void Promise.resolve().then(() => process.nextTick(() => this.#flush()));
      }
      const waiting = this.#pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
    });
  }

  #flush(): void {
    const pending = this.#pending!;
    this.#pending = null;
    this.load([...pending.keys()]).then(
      (values) => {
        for (const [key, waiting] of pending) for (const w of waiting) w.resolve(values.get(key));
      },
      (error: unknown) => {
        for (const waiting of pending.values()) for (const w of waiting) w.reject(error);
      },
    );
  }
}
