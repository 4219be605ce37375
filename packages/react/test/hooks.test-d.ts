import type { AerostackClient, AerostackError, CacheCounter, CacheEntry, JsonValue } from '@aerostack/core';
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type AerostackProviderProps,
  cacheKeys,
  cacheQueryOptions,
  useAerostack,
  useCache,
  useSuspenseCache,
} from '../src/index.js';

describe('useCache types', () => {
  it('types data as the value, null on a miss, undefined before the first read', () => {
    const result = useCache<{ n: number }>('k');
    expectTypeOf(result.data).toEqualTypeOf<{ n: number } | null | undefined>();
    expectTypeOf(result.entry).toEqualTypeOf<CacheEntry<{ n: number }> | null | undefined>();
    expectTypeOf(result.error).toEqualTypeOf<AerostackError | null>();
    expectTypeOf(result.loading).toEqualTypeOf<boolean>();
    expectTypeOf(result.refetch).returns.resolves.toEqualTypeOf<{ n: number } | null | undefined>();
  });

  it('defaults the value type to any JSON value', () => {
    expectTypeOf(useCache('k').data).toEqualTypeOf<JsonValue | null | undefined>();
  });

  it('types the writes by the value type', () => {
    const { set, increment, remove, writeError } = useCache<{ n: number }>('k');
    expectTypeOf(set).parameter(0).toEqualTypeOf<{ n: number }>();
    expectTypeOf(set).returns.resolves.toEqualTypeOf<CacheEntry<{ n: number }>>();
    expectTypeOf(increment).returns.resolves.toEqualTypeOf<CacheCounter>();
    expectTypeOf(remove).returns.resolves.toEqualTypeOf<boolean>();
    expectTypeOf(writeError).toEqualTypeOf<AerostackError | null>();
    // @ts-expect-error: the value must match the hook's type
    set({ n: 'one' });
    // @ts-expect-error: ttlSeconds is a number
    set({ n: 1 }, { ttlSeconds: '60' });
  });

  it('accepts only the documented options', () => {
    useCache('k', { enabled: false, staleTime: 1_000, refetchInterval: false, retry: 2 });
    // @ts-expect-error: not an option
    useCache('k', { suspense: true });
  });
});

describe('useSuspenseCache types', () => {
  it('never types data as undefined', () => {
    const { data, entry } = useSuspenseCache<{ n: number }>('k');
    expectTypeOf(data).toEqualTypeOf<{ n: number } | null>();
    expectTypeOf(entry).toEqualTypeOf<CacheEntry<{ n: number }> | null>();
  });

  it('has no enabled option', () => {
    // @ts-expect-error: a suspending read always runs
    useSuspenseCache('k', { enabled: false });
  });
});

describe('provider and keys types', () => {
  it('requires a client', () => {
    expectTypeOf<AerostackProviderProps['client']>().toEqualTypeOf<AerostackClient>();
    expectTypeOf<AerostackProviderProps['queryClient']>().toEqualTypeOf<QueryClient | undefined>();
    expectTypeOf(useAerostack()).toEqualTypeOf<AerostackClient>();
  });

  it('types query data read through the key factory options', () => {
    const client = useAerostack();
    const options = cacheQueryOptions<number>(client, 'k');
    expectTypeOf(useQueryClient().getQueryData(options.queryKey)).toEqualTypeOf<
      CacheEntry<number> | null | undefined
    >();
    expectTypeOf(cacheKeys.entry(client, 'k')).toEqualTypeOf<
      readonly ['aerostack', string, 'cache', 'entry', string]
    >();
  });
});
