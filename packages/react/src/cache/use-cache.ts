import type { JsonValue } from '@aerostack/core';
import { useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { entryValue, useCacheRead } from './read-options.js';
import type { UseCacheOptions, UseCacheResult } from './types.js';
import { useCacheWrites } from './use-cache-writes.js';

/**
 * Reads the cache entry at `key` and keeps it up to date, with writes that update it in place.
 * `data` is `undefined` while the first read runs and `null` when the key is absent.
 * Components that read the same key share one request and one copy of the data.
 *
 * @example
 * ```tsx
 * function Visits() {
 *   const { data, loading, error, increment, isIncrementing } = useCache<number>('visits');
 *   if (loading) return <p>…</p>;
 *   if (error) return <p>Failed: {error.code}</p>;
 *   return (
 *     <button disabled={isIncrementing} onClick={() => increment()}>
 *       {data ?? 0} visits
 *     </button>
 *   );
 * }
 * ```
 */
export function useCache<T = JsonValue>(key: string, options: UseCacheOptions = {}): UseCacheResult<T> {
  const read = useCacheRead<T>('useCache()', key, options);
  const query = useQuery(read.query);
  const writes = useCacheWrites<T>(read.client, key);
  const { refetch: refetchQuery } = query;
  const refetch = useCallback(async () => entryValue((await refetchQuery()).data), [refetchQuery]);
  return {
    data: entryValue(query.data),
    entry: query.data,
    loading: query.isLoading,
    isFetching: query.isFetching,
    error: query.error,
    refetch,
    ...writes,
  };
}
