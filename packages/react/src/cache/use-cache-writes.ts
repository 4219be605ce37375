import type {
  AerostackClient,
  AerostackError,
  CacheCounter,
  CacheEntry,
  CacheKeyInfo,
} from '@aerostack/core';
import { type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { cacheKeys } from './keys.js';
import type { CacheWrites } from './types.js';

/**
 * Replaces the query data at `key` once a write is done, cancelling a read that would bring back
 * the old value, and marks the key listings stale (a write may add a key, drop one or change an
 * expiry).
 */
async function store(
  queryClient: QueryClient,
  client: AerostackClient,
  key: string,
  entry: CacheEntry<unknown> | null,
) {
  const queryKey = cacheKeys.entry(client, key);
  await queryClient.cancelQueries({ queryKey, exact: true });
  queryClient.setQueryData(queryKey, entry);
  await queryClient.invalidateQueries({ queryKey: cacheKeys.lists(client) });
}

/** The entry with its new expiry, or null when `expire` found none. */
function expired(queryClient: QueryClient, client: AerostackClient, key: string, info: CacheKeyInfo | null) {
  if (info === null) return null;
  const current = queryClient.getQueryData<CacheEntry<unknown> | null>(cacheKeys.entry(client, key));
  // Without an entry in hand (never read, or read as a miss) the next read brings the whole entry.
  return current ? { ...current, expiresAt: info.expiresAt } : undefined;
}

type SetOptions = Parameters<CacheWrites<unknown>['set']>[1];
type StepOptions = Parameters<CacheWrites<unknown>['increment']>[0];

/** The write half of `useCache` and `useSuspenseCache`: mutations that keep the query data in step. */
export function useCacheWrites<T>(client: AerostackClient, key: string): CacheWrites<T> {
  const queryClient = useQueryClient();
  // The key travels in the variables so that a write lands on the key it was made for, even if the hook's key changed.
  const setting = useMutation<CacheEntry<T>, AerostackError, { key: string; value: T; options: SetOptions }>({
    mutationFn: (v) => client.cache.set<T>(v.key, v.value, v.options),
    onSuccess: (entry, v) => store(queryClient, client, v.key, entry),
  });
  const incrementing = useMutation<CacheCounter, AerostackError, { key: string; options: StepOptions }>({
    mutationFn: (v) => client.cache.increment(v.key, v.options),
    onSuccess: (counter, v) => store(queryClient, client, v.key, counter),
  });
  const decrementing = useMutation<CacheCounter, AerostackError, { key: string; options: StepOptions }>({
    mutationFn: (v) => client.cache.decrement(v.key, v.options),
    onSuccess: (counter, v) => store(queryClient, client, v.key, counter),
  });
  const expiring = useMutation<
    CacheKeyInfo | null,
    AerostackError,
    { key: string; ttlSeconds: number | null }
  >({
    mutationFn: (v) => client.cache.expire(v.key, v.ttlSeconds),
    onSuccess: async (info, v) => {
      const entry = expired(queryClient, client, v.key, info);
      if (entry !== undefined) return store(queryClient, client, v.key, entry);
      await queryClient.invalidateQueries({ queryKey: cacheKeys.entry(client, v.key), exact: true });
      await queryClient.invalidateQueries({ queryKey: cacheKeys.lists(client) });
    },
  });
  const removing = useMutation<boolean, AerostackError, { key: string }>({
    mutationFn: (v) => client.cache.delete(v.key),
    onSuccess: (_, v) => store(queryClient, client, v.key, null),
  });

  const runSet = setting.mutateAsync;
  const runIncrement = incrementing.mutateAsync;
  const runDecrement = decrementing.mutateAsync;
  const runExpire = expiring.mutateAsync;
  const runRemove = removing.mutateAsync;
  const set = useCallback<CacheWrites<T>['set']>(
    (value, options) => runSet({ key, value, options }),
    [runSet, key],
  );
  const increment = useCallback<CacheWrites<T>['increment']>(
    (options) => runIncrement({ key, options }),
    [runIncrement, key],
  );
  const decrement = useCallback<CacheWrites<T>['decrement']>(
    (options) => runDecrement({ key, options }),
    [runDecrement, key],
  );
  const expire = useCallback<CacheWrites<T>['expire']>(
    (ttlSeconds) => runExpire({ key, ttlSeconds }),
    [runExpire, key],
  );
  const remove = useCallback<CacheWrites<T>['remove']>(() => runRemove({ key }), [runRemove, key]);
  const latest = [setting, incrementing, decrementing, expiring, removing].reduce((a, b) =>
    b.submittedAt > a.submittedAt ? b : a,
  );
  return {
    set,
    increment,
    decrement,
    expire,
    remove,
    isSetting: setting.isPending,
    isIncrementing: incrementing.isPending,
    isDecrementing: decrementing.isPending,
    isExpiring: expiring.isPending,
    isRemoving: removing.isPending,
    writeError: latest.error,
  };
}
