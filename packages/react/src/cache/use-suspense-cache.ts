import type { JsonValue } from '@aerostack/core';
import { useSuspenseQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { entryValue, useCacheRead } from './read-options.js';
import type { UseSuspenseCacheOptions, UseSuspenseCacheResult } from './types.js';
import { useCacheWrites } from './use-cache-writes.js';

/**
 * `useCache` for React Suspense: the component suspends until the entry at `key` is read,
 * so `data` is the value or `null` (absent), never `undefined`. A failed read throws to the
 * nearest error boundary.
 *
 * @example
 * ```tsx
 * function Visits() {
 *   const { data } = useSuspenseCache<number>('visits');
 *   return <p>{data ?? 0} visits</p>;
 * }
 *
 * <Suspense fallback={<p>…</p>}>
 *   <Visits />
 * </Suspense>;
 * ```
 */
export function useSuspenseCache<T = JsonValue>(
  key: string,
  options: UseSuspenseCacheOptions = {},
): UseSuspenseCacheResult<T> {
  const read = useCacheRead<T>('useSuspenseCache()', key, options);
  const query = useSuspenseQuery(read.query);
  const writes = useCacheWrites<T>(read.client, key);
  const { refetch: refetchQuery } = query;
  // A failed refetch keeps the data it had, so `data` is only undefined in types here.
  const refetch = useCallback(async () => entryValue((await refetchQuery()).data) ?? null, [refetchQuery]);
  return {
    data: query.data === null ? null : query.data.value,
    entry: query.data,
    isFetching: query.isFetching,
    refetch,
    ...writes,
  };
}
