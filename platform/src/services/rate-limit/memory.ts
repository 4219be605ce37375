import { gcra, normalizeRule } from './gcra.js';
import type { RateLimiter } from './types.js';

export interface MemoryRateLimiter extends RateLimiter {
  /** Buckets held now (tests, metrics). */
  readonly size: number;
}

/**
 * Rate limits in this process's memory: right for one process, and for the primary of a
 * multi-process node (workers ask it through the cluster limiter). Buckets that have refilled
 * are dropped every `sweepMs`; beyond `maxKeys` the least recently used bucket is dropped first,
 * which forgets that key's usage (it starts again with its full allowance).
 */
export function createMemoryRateLimiter(
  options: { maxKeys?: number; sweepMs?: number; now?: () => number } = {},
): MemoryRateLimiter {
  const { maxKeys = 100_000, sweepMs = 60_000, now = Date.now } = options;
  // TAT per key, in least-recently-used order (a take re-inserts its key at the end).
  const tats = new Map<string, number>();

  let lastSweep = now();
  const sweep = () => {
    const at = now();
    lastSweep = at;
    for (const [key, tat] of tats) if (tat <= at) tats.delete(key);
  };
  const timer = setInterval(sweep, sweepMs);
  timer.unref();

  return {
    get size() {
      return tats.size;
    },

    async take(key, rule) {
      const at = now();
      const decision = gcra(tats.get(key), at, normalizeRule(rule));
      if (decision.tat !== null) {
        tats.delete(key);
        // A full map sweeps at most once a second; in between it drops the oldest, so a flood of
        // new keys costs O(1) per take.
        if (tats.size >= maxKeys && at - lastSweep >= 1000) sweep();
        while (tats.size >= maxKeys) tats.delete(tats.keys().next().value!);
        tats.set(key, decision.tat);
      }
      return decision.result;
    },

    async forget(text) {
      for (const key of tats.keys()) if (key.includes(text)) tats.delete(key);
    },

    async close() {
      clearInterval(timer);
      tats.clear();
    },
  };
}
