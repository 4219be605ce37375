import type { AerostackClient, AerostackError, CacheEntry } from '@aerostack/core';
import { queryOptions } from '@tanstack/react-query';
import { cacheKeys } from './keys.js';

/**
 * The TanStack Query options `useCache` reads an entry with: its key and a query function
 * that resolves to the entry, or `null` on a miss. Use it to prefetch on the server
 * (then `dehydrate`) or in a route loader.
 *
 * @example
 * ```ts
 * const queryClient = new QueryClient();
 * await queryClient.prefetchQuery(cacheQueryOptions<number>(client, 'visits'));
 * const state = dehydrate(queryClient); // send to the browser, <HydrationBoundary state={state}>
 * ```
 */
export function cacheQueryOptions<T>(client: AerostackClient, key: string) {
  return queryOptions<CacheEntry<T> | null, AerostackError>({
    queryKey: cacheKeys.entry(client, key),
    queryFn: ({ signal }) => client.cache.get<T>(key, { signal }),
  });
}
