import type { AerostackClient, AerostackError, CacheCounter, CacheEntry } from '@aerostack/core';
import { type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { cacheKeys } from './keys.js';
import type { CacheWrites } from './types.js';

/** Replaces the query data at `key` once a write is done, cancelling a read that would bring back the old value. */
async function store(
  queryClient: QueryClient,
  client: AerostackClient,
  key: string,
  entry: CacheEntry<unknown> | null,
) {
  const queryKey = cacheKeys.entry(client, key);
  await queryClient.cancelQueries({ queryKey, exact: true });
  queryClient.setQueryData(queryKey, entry);
}

type SetOptions = Parameters<CacheWrites<unknown>['set']>[1];
type IncrementOptions = Parameters<CacheWrites<unknown>['increment']>[0];

/** The write half of `useCache` and `useSuspenseCache`: three mutations that keep the query data in step. */
export function useCacheWrites<T>(client: AerostackClient, key: string): CacheWrites<T> {
  const queryClient = useQueryClient();
  // The key travels in the variables so that a write lands on the key it was made for, even if the hook's key changed.
  const setting = useMutation<CacheEntry<T>, AerostackError, { key: string; value: T; options: SetOptions }>({
    mutationFn: (v) => client.cache.set<T>(v.key, v.value, v.options),
    onSuccess: (entry, v) => store(queryClient, client, v.key, entry),
  });
  const incrementing = useMutation<CacheCounter, AerostackError, { key: string; options: IncrementOptions }>({
    mutationFn: (v) => client.cache.increment(v.key, v.options),
    onSuccess: (counter, v) => store(queryClient, client, v.key, counter),
  });
  const removing = useMutation<boolean, AerostackError, { key: string }>({
    mutationFn: (v) => client.cache.delete(v.key),
    onSuccess: (_, v) => store(queryClient, client, v.key, null),
  });

  const runSet = setting.mutateAsync;
  const runIncrement = incrementing.mutateAsync;
  const runRemove = removing.mutateAsync;
  const set = useCallback<CacheWrites<T>['set']>(
    (value, options) => runSet({ key, value, options }),
    [runSet, key],
  );
  const increment = useCallback<CacheWrites<T>['increment']>(
    (options) => runIncrement({ key, options }),
    [runIncrement, key],
  );
  const remove = useCallback<CacheWrites<T>['remove']>(() => runRemove({ key }), [runRemove, key]);
  const latest = [setting, incrementing, removing].reduce((a, b) => (b.submittedAt > a.submittedAt ? b : a));
  return {
    set,
    increment,
    remove,
    isSetting: setting.isPending,
    isIncrementing: incrementing.isPending,
    isRemoving: removing.isPending,
    writeError: latest.error,
  };
}
