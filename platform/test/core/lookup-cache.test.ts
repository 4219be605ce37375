import { describe, expect, it } from 'vitest';
import { createLookupCache } from '../../src/lib/lookup-cache.js';
import type { ActiveKey } from '../../src/modules/keys/store.js';

// The key cache spares each request a database lookup for its credential; invalidation (what a
// revocation on any worker or node sends over the bus) must win over a lookup racing it.

const key: ActiveKey = { id: 'key_1', kind: 'secret', accountId: 'acc_1', projectId: 'prj_1' };

describe('lookup cache (API keys)', () => {
  it('looks a key up once, then answers from memory', async () => {
    const cache = createLookupCache<ActiveKey>({ ttlMs: 60_000, max: 10 });
    let lookups = 0;
    const load = async () => {
      lookups++;
      return key;
    };
    for (let i = 0; i < 5; i++) expect(await cache.load('h', load)).toEqual(key);
    expect(lookups).toBe(1);
  });

  it('never caches an unknown credential', async () => {
    const cache = createLookupCache<ActiveKey>({ ttlMs: 60_000, max: 10 });
    let lookups = 0;
    for (let i = 0; i < 3; i++) {
      await cache.load('h', async () => {
        lookups++;
        return null;
      });
    }
    expect(lookups).toBe(3);
  });

  it('drops invalidated keys, and a lookup that raced the invalidation is not cached', async () => {
    const cache = createLookupCache<ActiveKey>({ ttlMs: 60_000, max: 10 });
    await cache.load('h', async () => key);
    cache.invalidate(['h']);
    expect(cache.get('h')).toBeUndefined();
    let release!: () => void;
    const slow = cache.load('h', () => new Promise<ActiveKey>((r) => (release = () => r(key))));
    cache.invalidate(['h']); // the revocation commits while the lookup is in flight
    release();
    expect(await slow).toEqual(key);
    expect(cache.get('h')).toBeUndefined();
  });

  it('expires entries after the TTL and stays within its size', async () => {
    const cache = createLookupCache<ActiveKey>({ ttlMs: 1, max: 2 });
    await cache.load('a', async () => key);
    await new Promise((r) => setTimeout(r, 5));
    expect(cache.get('a')).toBeUndefined();
    const big = createLookupCache<ActiveKey>({ ttlMs: 60_000, max: 2 });
    for (const h of ['a', 'b', 'c']) await big.load(h, async () => key);
    expect([big.get('a'), big.get('b'), big.get('c')].filter(Boolean)).toHaveLength(2);
  });
});
