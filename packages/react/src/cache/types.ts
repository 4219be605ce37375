import type { AerostackError, CacheCounter, CacheEntry, CacheKeyInfo } from '@aerostack/core';

/**
 * Options of {@link useCache}.
 *
 * @example
 * ```ts
 * useCache('visits', { staleTime: 5_000, refetchInterval: 10_000 });
 * ```
 */
export interface UseCacheOptions {
  /** Set to `false` to not read the entry (yet). Default `true`. */
  enabled?: boolean;
  /** How long, in milliseconds, a read value counts as fresh. Default `0` (TanStack Query's default). */
  staleTime?: number;
  /** Re-read the entry every this many milliseconds; `false` (the default) never polls. */
  refetchInterval?: number | false;
  /**
   * How often to retry a failed read. Default: the QueryClient's default if it sets one, else `false`,
   * because the Aerostack client already retries transient failures itself.
   */
  retry?: boolean | number;
}

/**
 * Options of {@link useSuspenseCache}: like {@link UseCacheOptions}, less `enabled`
 * (a suspending read always runs).
 *
 * @example
 * ```ts
 * useSuspenseCache('visits', { staleTime: 5_000 });
 * ```
 */
export type UseSuspenseCacheOptions = Omit<UseCacheOptions, 'enabled'>;

/**
 * The writes {@link useCache} offers on its key. Each one updates the hook's data when it succeeds,
 * and rejects with an {@link AerostackError} when it fails.
 *
 * @example
 * ```ts
 * const { set, increment, decrement, expire, remove, isSetting } = useCache<number>('visits');
 * await set(0, { ttlSeconds: 3600 });
 * await increment({ by: 2 });
 * await decrement();
 * await expire(60);
 * await remove();
 * ```
 *
 * Every write also marks the key listings (`useCacheKeys`) stale, so they read again.
 */
export interface CacheWrites<T> {
  /** Writes `value` at the key (replacing any previous value), with an optional time to live. */
  set: (value: T, options?: { ttlSeconds?: number }) => Promise<CacheEntry<T>>;
  /** Atomically adds `by` (default 1, may be negative) to the integer at the key; a missing key counts as 0. */
  increment: (options?: { by?: number; ttlSeconds?: number }) => Promise<CacheCounter>;
  /** Atomically subtracts `by` (default 1) from the integer at the key; a missing key counts as 0. */
  decrement: (options?: { by?: number; ttlSeconds?: number }) => Promise<CacheCounter>;
  /**
   * Sets when the entry expires: `ttlSeconds` from now, or never with `null`. Resolves the new
   * expiry, or `null` (and the hook's data becomes `null`) when there is no live entry.
   */
  expire: (ttlSeconds: number | null) => Promise<CacheKeyInfo | null>;
  /** Deletes the entry; resolves to whether there was one. The hook's data becomes `null`. */
  remove: () => Promise<boolean>;
  /** A `set` is running. */
  isSetting: boolean;
  /** An `increment` is running. */
  isIncrementing: boolean;
  /** A `decrement` is running. */
  isDecrementing: boolean;
  /** An `expire` is running. */
  isExpiring: boolean;
  /** A `remove` is running. */
  isRemoving: boolean;
  /** The error of the latest write, if it failed; `null` once a later write succeeds. */
  writeError: AerostackError | null;
}

/**
 * What {@link useCache} returns.
 *
 * @example
 * ```tsx
 * const { data, loading, error } = useCache<{ theme: string }>('prefs');
 * if (loading) return <Spinner />;
 * if (error) return <p>{error.code}</p>;
 * return <p>{data === null ? 'no prefs yet' : data.theme}</p>;
 * ```
 */
export interface UseCacheResult<T> extends CacheWrites<T> {
  /** The value: `undefined` before the first read finishes, `null` when the key is absent (or expired). */
  data: T | null | undefined;
  /** The whole entry (value, key and expiry), with the same `undefined` / `null` meaning as `data`. */
  entry: CacheEntry<T> | null | undefined;
  /** The first read is running: there is no data yet. */
  loading: boolean;
  /** Any read is running, including background refetches. */
  isFetching: boolean;
  /** Why the latest read failed, or `null`. */
  error: AerostackError | null;
  /** Reads the entry again; resolves to the new `data`. */
  refetch: () => Promise<T | null | undefined>;
}

/**
 * What {@link useSuspenseCache} returns: the component suspends until the entry is read,
 * so `data` is never `undefined`, and a failed read throws to the nearest error boundary.
 *
 * @example
 * ```tsx
 * const { data } = useSuspenseCache<number>('visits');
 * return <p>{data ?? 0} visits</p>;
 * ```
 */
export interface UseSuspenseCacheResult<T> extends CacheWrites<T> {
  /** The value, or `null` when the key is absent (or expired). */
  data: T | null;
  /** The whole entry, or `null` when the key is absent. */
  entry: CacheEntry<T> | null;
  /** A background refetch is running. */
  isFetching: boolean;
  /** Reads the entry again; resolves to the new `data`. */
  refetch: () => Promise<T | null>;
}
