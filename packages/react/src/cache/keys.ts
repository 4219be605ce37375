import type { AerostackClient } from '@aerostack/core';
import { aerostackKeys } from '../keys.js';

/**
 * Query keys of the cache hooks, for `invalidateQueries`, `setQueryData` or prefetching.
 * They are scoped by client (see {@link aerostackKeys}), so two platforms never share entries.
 *
 * @example
 * ```ts
 * await queryClient.invalidateQueries({ queryKey: cacheKeys.all(client) }); // every cache entry
 * queryClient.getQueryData(cacheKeys.entry(client, 'visits'));               // one entry
 * await queryClient.invalidateQueries({ queryKey: cacheKeys.lists(client) });  // every key listing
 * ```
 */
export const cacheKeys = {
  /** Every cache entry read through `client`. */
  all: (client: Pick<AerostackClient, 'url'>) => [...aerostackKeys.all(client), 'cache'] as const,
  /** The entry at `key`, read through `client`. */
  entry: (client: Pick<AerostackClient, 'url'>, key: string) =>
    [...cacheKeys.all(client), 'entry', key] as const,
  /** Every key listing (`useCacheKeys`) read through `client`. */
  lists: (client: Pick<AerostackClient, 'url'>) => [...cacheKeys.all(client), 'keys'] as const,
  /** The listing of the keys under `prefix`, `pageSize` keys a page. */
  list: (client: Pick<AerostackClient, 'url'>, prefix: string, pageSize: number) =>
    [...cacheKeys.lists(client), prefix, pageSize] as const,
};
