import { describe, expectTypeOf, it } from 'vitest';
import { type CacheEntry, type CacheKeyInfo, createClient, type JsonValue, type Page } from '../src';

const client = createClient({ url: 'http://localhost:8787', secretKey: 'sk_x' });

describe('cache types', () => {
  it('lines getMany up with the keys, null for a miss', () => {
    expectTypeOf(client.cache.getMany<number>(['a', 'b'])).toEqualTypeOf<
      Promise<Array<CacheEntry<number> | null>>
    >();
    expectTypeOf(client.cache.getMany(['a'])).toEqualTypeOf<Promise<Array<CacheEntry<JsonValue> | null>>>();
  });

  it('infers setMany’s entries from values of different types', () => {
    const written = client.cache.setMany([
      { key: 'a', value: { n: 1 }, ttlSeconds: 60 },
      { key: 'b', value: 'two' },
    ]);
    expectTypeOf(written).toEqualTypeOf<Promise<Array<CacheEntry<{ n: number } | string>>>>();
    // @ts-expect-error an entry needs a key
    client.cache.setMany([{ value: 1 }]);
  });

  it('types the listing, the key iterator, expire, flush and the counters', () => {
    expectTypeOf(client.cache.list({ prefix: 'p:' })).toEqualTypeOf<Promise<Page<CacheKeyInfo>>>();
    expectTypeOf(client.cache.keys()).toEqualTypeOf<AsyncGenerator<string>>();
    expectTypeOf(client.cache.expire('k', null)).toEqualTypeOf<Promise<CacheKeyInfo | null>>();
    expectTypeOf(client.cache.flush('p:')).toEqualTypeOf<Promise<number>>();
    expectTypeOf(client.cache.deleteMany(['a'])).toEqualTypeOf<Promise<number>>();
    expectTypeOf(client.cache.decrement('k', { by: 2 }))
      .resolves.toHaveProperty('value')
      .toEqualTypeOf<number>();
    expectTypeOf<CacheKeyInfo>().toEqualTypeOf<{ key: string; expiresAt: string | null }>();
    // @ts-expect-error flush names its prefix ('' for everything)
    client.cache.flush();
  });
});
