/**
 * A map of at most `limit` entries: when a new key comes to a full map, the least
 * recently used entry goes (a `get` counts as a use). Parsed documents by query text
 * are kept this way: a client repeats a few documents, an attacker's stream of new
 * ones only cycles the map.
 */
export class RecentMap<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      // Map order is insertion order: re-inserted, the entry is the most recent.
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.limit) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, value);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * The longest query text whose parsed document a cache keeps. A parsed document costs
 * about 100 bytes a token (a 9 KB document of 4,000 tokens: 1 MiB of heap), and a client
 * may send up to the body limit: longer texts are parsed each time, never kept.
 */
export const MAX_CACHED_QUERY_CHARS = 8192;
