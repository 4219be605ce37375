import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { collectWhenIdle } from '../../src/lib/idle-gc.js';

// The idle collection must be a full (major) one: a scavenge leaves the garbage of a burst in the
// old generation. On Node 20, gc() with an options object ran a scavenge (the bug this guards).

function majorCollections(during: () => Promise<void>): Promise<number> {
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (
        (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ===
        constants.NODE_PERFORMANCE_GC_MAJOR
      )
        count++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return during().then(async () => {
    await new Promise((resolve) => setTimeout(resolve, 50)); // gc entries are delivered asynchronously
    observer.disconnect();
    return count;
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('collectWhenIdle', () => {
  it('runs a full collection after boot, and again after a burst followed by quiet', async () => {
    const idle = collectWhenIdle(100);
    try {
      expect(await majorCollections(() => sleep(400))).toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 5; i++) {
        idle.touch();
        await sleep(30);
      }
      expect(await majorCollections(() => sleep(400))).toBeGreaterThanOrEqual(1);
    } finally {
      idle.stop();
    }
  });
});
