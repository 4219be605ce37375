import type { AerostackClient } from '@aerostack/core';
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useAerostackContext } from '../context.js';
import { cacheQueryOptions } from './query-options.js';
import type { UseCacheOptions } from './types.js';

interface ReadOptions {
  enabled?: boolean;
  staleTime?: number;
  refetchInterval?: number | false;
  retry?: boolean | number;
}

/**
 * The hook options as TanStack Query options. Options left out stay out, so that the
 * QueryClient's defaults apply (an explicit `undefined` would override them).
 */
function readOptions(queryClient: QueryClient, options: UseCacheOptions): ReadOptions {
  const out: ReadOptions = {};
  if (options.retry !== undefined) out.retry = options.retry;
  // The client already retries transient failures; TanStack Query's own 3 retries on top would multiply the
  // attempts, so they are off unless the QueryClient's defaults say otherwise.
  else if (queryClient.getDefaultOptions().queries?.retry === undefined) out.retry = false;
  if (options.enabled !== undefined) out.enabled = options.enabled;
  if (options.staleTime !== undefined) out.staleTime = options.staleTime;
  if (options.refetchInterval !== undefined) out.refetchInterval = options.refetchInterval;
  return out;
}

/** What both read hooks start from: the provider's client and the query options for `key`. */
export function useCacheRead<T>(
  hook: string,
  key: string,
  options: UseCacheOptions,
): { client: AerostackClient; query: ReturnType<typeof cacheQueryOptions<T>> } {
  const client = useAerostackContext(hook);
  const queryClient = useQueryClient();
  return { client, query: { ...cacheQueryOptions<T>(client, key), ...readOptions(queryClient, options) } };
}

/** The value inside an entry, keeping "not read yet" (`undefined`) apart from "absent" (`null`). */
export function entryValue<T>(entry: { value: T } | null | undefined): T | null | undefined {
  return entry === undefined ? undefined : entry === null ? null : entry.value;
}
