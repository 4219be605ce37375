import type { AerostackError, CacheKeyInfo } from '@aerostack/core';
import { type InfiniteData, useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { useAerostackContext } from '../context.js';
import { cacheKeys } from './keys.js';

type Page = { data: CacheKeyInfo[]; nextCursor: string | null };

/**
 * Options of {@link useCacheKeys}.
 *
 * @example
 * ```ts
 * useCacheKeys('session:', { pageSize: 100, refetchInterval: 30_000 });
 * ```
 */
export interface UseCacheKeysOptions {
  /** Keys per page (1–1000). Default 50. */
  pageSize?: number;
  /** Set to `false` to not list (yet). Default `true`. */
  enabled?: boolean;
  /** How long, in milliseconds, a listing counts as fresh. Default `0`. */
  staleTime?: number;
  /** List again every this many milliseconds; `false` (the default) never polls. */
  refetchInterval?: number | false;
}

/**
 * What {@link useCacheKeys} returns.
 *
 * @example
 * ```tsx
 * const { keys, hasMore, loadMore, flush } = useCacheKeys('session:');
 * ```
 */
export interface UseCacheKeysResult {
  /** The keys of every page loaded so far, in key order, with their expiry; `undefined` before the first page. */
  keys: CacheKeyInfo[] | undefined;
  /** The first page is loading: there are no keys yet. */
  loading: boolean;
  /** Any page is loading, including background refetches. */
  isFetching: boolean;
  /** Why the latest read failed, or `null`. */
  error: AerostackError | null;
  /** There are more keys after the pages loaded. */
  hasMore: boolean;
  /** Loads the next page. */
  loadMore: () => Promise<void>;
  /** The next page is loading. */
  isLoadingMore: boolean;
  /** Lists again from the first page. */
  refetch: () => Promise<void>;
  /**
   * Deletes every entry under the hook's prefix (the whole cache for `''`); resolves how many
   * there were. Every cache query of the client reads again afterwards.
   */
  flush: () => Promise<number>;
  /** A `flush` is running. */
  isFlushing: boolean;
  /** Why the latest flush failed, or `null`. */
  flushError: AerostackError | null;
}

/**
 * Lists the live cache keys under `prefix` (all keys for `''`), a page at a time, in key order.
 * Writes through `useCache` and `flush` mark the listing stale, so it reads again.
 *
 * @example
 * ```tsx
 * function Sessions() {
 *   const { keys, loading, hasMore, loadMore, flush } = useCacheKeys('session:', { pageSize: 20 });
 *   if (loading) return <p>…</p>;
 *   return (
 *     <>
 *       <ul>{keys?.map((k) => <li key={k.key}>{k.key}</li>)}</ul>
 *       {hasMore && <button onClick={() => loadMore()}>more</button>}
 *       <button onClick={() => flush()}>sign everyone out</button>
 *     </>
 *   );
 * }
 * ```
 */
export function useCacheKeys(prefix = '', options: UseCacheKeysOptions = {}): UseCacheKeysResult {
  const client = useAerostackContext('useCacheKeys()');
  const queryClient = useQueryClient();
  const pageSize = options.pageSize ?? 50;
  const query = useInfiniteQuery<Page, AerostackError, InfiniteData<Page>, readonly unknown[], string | null>(
    {
      queryKey: cacheKeys.list(client, prefix, pageSize),
      queryFn: ({ pageParam, signal }) =>
        client.cache.list({ prefix, limit: pageSize, cursor: pageParam ?? undefined, signal }),
      initialPageParam: null,
      getNextPageParam: (last) => last.nextCursor,
      // The client retries transient failures itself (see useCache).
      ...(queryClient.getDefaultOptions().queries?.retry === undefined ? { retry: false } : {}),
      ...(options.enabled !== undefined ? { enabled: options.enabled } : {}),
      ...(options.staleTime !== undefined ? { staleTime: options.staleTime } : {}),
      ...(options.refetchInterval !== undefined ? { refetchInterval: options.refetchInterval } : {}),
    },
  );
  const flushing = useMutation<number, AerostackError, { prefix: string }>({
    mutationFn: (v) => client.cache.flush(v.prefix),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: cacheKeys.all(client) }),
  });
  const keys = useMemo(() => query.data?.pages.flatMap((page) => page.data), [query.data]);
  const { fetchNextPage, refetch: refetchQuery } = query;
  const runFlush = flushing.mutateAsync;
  const loadMore = useCallback(async () => {
    await fetchNextPage();
  }, [fetchNextPage]);
  const refetch = useCallback(async () => {
    await refetchQuery();
  }, [refetchQuery]);
  const flush = useCallback(() => runFlush({ prefix }), [runFlush, prefix]);
  return {
    keys,
    loading: query.isLoading,
    isFetching: query.isFetching,
    error: query.error,
    hasMore: query.hasNextPage,
    loadMore,
    isLoadingMore: query.isFetchingNextPage,
    refetch,
    flush,
    isFlushing: flushing.isPending,
    flushError: flushing.error,
  };
}
