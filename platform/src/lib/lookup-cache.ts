/**
 * Recent lookups by key (API keys by hash, sessions, rules documents…), so a request does not
 * query the database each time. Whoever changes the underlying row invalidates the entry on every
 * worker and node through the bus (e.g. `keys.revoked`, delivered to every worker before the
 * revoking request answers); the TTL bounds staleness should a cross-node message be lost. Only
 * found values are cached: a miss always reaches the database.
 */
export interface LookupCache<V> {
  /** The cached value, or undefined on a miss. */
  get(key: string): V | undefined;
  /** Looks `key` up through `load` and caches the result unless an invalidation raced the lookup. */
  load(key: string, load: () => Promise<V | null>): Promise<V | null>;
  invalidate(keys: readonly string[]): void;
}

export function createLookupCache<V>({ ttlMs, max }: { ttlMs: number; max: number }): LookupCache<V> {
  const entries = new Map<string, { value: V; expires: number }>();
  // Bumped by every invalidation: a lookup that started before one must not cache its answer.
  let generation = 0;

  function get(key: string) {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  return {
    get,
    async load(key, load) {
      const cached = get(key);
      if (cached !== undefined) return cached;
      const started = generation;
      const value = await load();
      if (value !== null && started === generation) {
        if (entries.size >= max) entries.delete(entries.keys().next().value as string);
        entries.set(key, { value, expires: Date.now() + ttlMs });
      }
      return value;
    },
    invalidate(keys) {
      generation++;
      for (const key of keys) entries.delete(key);
    },
  };
}
