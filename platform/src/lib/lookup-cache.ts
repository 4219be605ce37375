import type { ActiveKey } from './store.js';

/**
 * Recent key lookups, so a request does not query the database for its credential. Revocation
 * reaches it through the bus (`keys.revoked`, delivered to every worker before the revoking
 * request answers); the TTL bounds staleness should a cross-node message be lost. Only found keys
 * are cached: an unknown credential always reaches the database.
 */
export interface KeyCache {
  /** The cached key, or undefined on a miss. */
  get(hash: string): ActiveKey | undefined;
  /** Looks `hash` up through `load` and caches the result unless an invalidation raced the lookup. */
  load(hash: string, load: () => Promise<ActiveKey | null>): Promise<ActiveKey | null>;
  invalidate(hashes: readonly string[]): void;
}

export function createKeyCache({ ttlMs, max }: { ttlMs: number; max: number }): KeyCache {
  const entries = new Map<string, { key: ActiveKey; expires: number }>();
  // Bumped by every invalidation: a lookup that started before one must not cache its answer.
  let generation = 0;

  function get(hash: string) {
    const entry = entries.get(hash);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      entries.delete(hash);
      return undefined;
    }
    return entry.key;
  }

  return {
    get,
    async load(hash, load) {
      const cached = get(hash);
      if (cached) return cached;
      const started = generation;
      const key = await load();
      if (key && started === generation) {
        if (entries.size >= max) entries.delete(entries.keys().next().value as string);
        entries.set(hash, { key, expires: Date.now() + ttlMs });
      }
      return key;
    },
    invalidate(hashes) {
      generation++;
      for (const hash of hashes) entries.delete(hash);
    },
  };
}
