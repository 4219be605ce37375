import type { AerostackError, CacheCounter, CacheKeyInfo } from '@aerostack/core';
import { describe, expectTypeOf, it } from 'vitest';
import { cacheKeys, type UseCacheKeysResult, useCache, useCacheKeys } from '../src/index.js';

describe('useCacheKeys types', () => {
  it('types the keys of the pages loaded, undefined before the first', () => {
    const result = useCacheKeys('session:', { pageSize: 20 });
    expectTypeOf(result).toEqualTypeOf<UseCacheKeysResult>();
    expectTypeOf(result.keys).toEqualTypeOf<CacheKeyInfo[] | undefined>();
    expectTypeOf(result.flush).toEqualTypeOf<() => Promise<number>>();
    expectTypeOf(result.error).toEqualTypeOf<AerostackError | null>();
    expectTypeOf(cacheKeys.list({ url: 'u' }, 'p', 20)).toEqualTypeOf<
      readonly ['aerostack', string, 'cache', 'keys', string, number]
    >();
  });

  it('gives useCache decrement and expire', () => {
    const { decrement, expire } = useCache<number>('k');
    expectTypeOf(decrement).returns.toEqualTypeOf<Promise<CacheCounter>>();
    expectTypeOf(expire).parameters.toEqualTypeOf<[number | null]>();
    expectTypeOf(expire).returns.toEqualTypeOf<Promise<CacheKeyInfo | null>>();
  });
});
