import type { RequestOptions } from '../client/options';
import { pickRequestOptions } from '../client/options';
import { isAerostackError } from '../errors/aerostack-error';
import type { components } from '../generated/openapi';
import { paginate } from '../pagination/paginate';
import type { Http } from '../transport/http-types';
import type { JsonValue } from '../types/json';
import type { CacheCounter, CacheEntry, CacheKeyInfo, Page } from '../types/models';
import type {
  CacheEntryToSet,
  CacheIncrementOptions,
  CacheKeysOptions,
  CacheListOptions,
  CacheSetOptions,
} from './options';

/**
 * The per-project key/value cache (needs a secret key). Keys are 1–256 of `A-Z a-z 0-9 . _ : -`;
 * values are any JSON up to the operator's size limit (1 MiB by default, `cache/value-too-large`).
 *
 * @example
 * await client.cache.set('greeting', 'hello', { ttlSeconds: 60 });
 * const entry = await client.cache.get<string>('greeting'); // { key, value: 'hello', expiresAt }
 */
export interface CacheApi {
  /**
   * Reads an entry; resolves `null` when the key is absent or expired (`cache/not-found`).
   *
   * @example
   * const prefs = await client.cache.get<{ theme: string }>('prefs:42');
   */
  get<T = JsonValue>(key: string, options?: RequestOptions): Promise<CacheEntry<T> | null>;
  /**
   * Writes an entry (any JSON value), replacing the previous one.
   *
   * @example
   * await client.cache.set('prefs:42', { theme: 'dark' }, { ttlSeconds: 3600 });
   */
  set<T = JsonValue>(key: string, value: T, options?: CacheSetOptions): Promise<CacheEntry<T>>;
  /**
   * Deletes an entry; resolves whether there was one to delete.
   *
   * @example
   * const existed = await client.cache.delete('prefs:42');
   */
  delete(key: string, options?: RequestOptions): Promise<boolean>;
  /**
   * Atomically adds `by` (default 1) to an integer entry; a missing key counts as 0.
   *
   * @example
   * const { value } = await client.cache.increment('visits');
   */
  increment(key: string, options?: CacheIncrementOptions): Promise<CacheCounter>;
  /**
   * Atomically subtracts `by` (default 1) from an integer entry; a missing key counts as 0.
   *
   * @example
   * const { value: left } = await client.cache.decrement('stock:sku-1');
   */
  decrement(key: string, options?: CacheIncrementOptions): Promise<CacheCounter>;
  /**
   * Reads up to 1000 entries in one request. The result lines up with `keys`: the entry, or
   * `null` for an absent or expired key.
   *
   * @example
   * const [a, b] = await client.cache.getMany<number>(['count:a', 'count:b']);
   */
  getMany<T = JsonValue>(
    keys: readonly string[],
    options?: RequestOptions,
  ): Promise<Array<CacheEntry<T> | null>>;
  /**
   * Writes up to 1000 entries, all or nothing: a value over the size limit
   * (`cache/value-too-large`) or a key given twice (`cache/duplicate-key`) writes none.
   *
   * @example
   * await client.cache.setMany([
   *   { key: 'user:1', value: { name: 'Ada' }, ttlSeconds: 600 },
   *   { key: 'user:2', value: { name: 'Grace' } },
   * ]);
   */
  setMany<E extends CacheEntryToSet<unknown>>(
    entries: ReadonlyArray<E>,
    options?: RequestOptions,
  ): Promise<Array<CacheEntry<E['value']>>>;
  /**
   * Deletes up to 1000 entries; resolves how many were there.
   *
   * @example
   * const deleted = await client.cache.deleteMany(['user:1', 'user:2']);
   */
  deleteMany(keys: readonly string[], options?: RequestOptions): Promise<number>;
  /**
   * Sets when an entry expires: `ttlSeconds` from now, or never with `null`. Resolves the key and
   * its new expiry, or `null` when there is no live entry (`cache/not-found`).
   *
   * @example
   * await client.cache.expire('session:42', 900); // 15 more minutes
   * await client.cache.expire('session:42', null); // keep until deleted
   */
  expire(key: string, ttlSeconds: number | null, options?: RequestOptions): Promise<CacheKeyInfo | null>;
  /**
   * One page of live keys (with their expiry, not their values) in byte order of the key. A key
   * that exists for the whole listing is on exactly one page, whatever is written meanwhile.
   *
   * @example
   * const { data, nextCursor } = await client.cache.list({ prefix: 'session:', limit: 100 });
   */
  list(options?: CacheListOptions): Promise<Page<CacheKeyInfo>>;
  /**
   * Every live key under `prefix`, fetched page by page as you iterate.
   *
   * @example
   * for await (const key of client.cache.keys({ prefix: 'session:' })) console.log(key);
   */
  keys(options?: CacheKeysOptions): AsyncGenerator<string>;
  /**
   * Deletes every entry whose key starts with `prefix` (`''` deletes them all); resolves how
   * many there were.
   *
   * @example
   * const deleted = await client.cache.flush('session:');
   */
  flush(prefix: string, options?: RequestOptions): Promise<number>;
}

type SchemaJson = components['schemas']['JsonValue'];

/** A miss answers `cache/not-found`; the methods that read one key resolve it as `null`. */
async function orNull<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (isAerostackError(error) && error.code === 'cache/not-found') return null;
    throw error;
  }
}

export function createCacheApi(http: Http): CacheApi {
  const path = (key: string) => ({ params: { path: { key } } });
  const step = (key: string, options: CacheIncrementOptions) => ({
    ...path(key),
    body: { by: options.by ?? 1, ttlSeconds: options.ttlSeconds },
    ...pickRequestOptions(options),
  });
  const api: CacheApi = {
    async get<T>(key: string, options?: RequestOptions) {
      const entry = await orNull(
        http.GET('/v1/cache/{key}', { ...path(key), ...pickRequestOptions(options) }),
      );
      return entry as CacheEntry<T> | null;
    },
    async set<T>(key: string, value: T, options: CacheSetOptions = {}) {
      const body = { value: value as SchemaJson, ttlSeconds: options.ttlSeconds };
      const entry = await http.PUT('/v1/cache/{key}', { ...path(key), body, ...pickRequestOptions(options) });
      return entry as CacheEntry<T>;
    },
    async delete(key, options) {
      const result = await http.DELETE('/v1/cache/{key}', { ...path(key), ...pickRequestOptions(options) });
      return result.deleted;
    },
    increment: (key, options = {}) => http.POST('/v1/cache/{key}/increment', step(key, options)),
    decrement: (key, options = {}) => http.POST('/v1/cache/{key}/decrement', step(key, options)),
    async getMany<T>(keys: readonly string[], options?: RequestOptions) {
      if (keys.length === 0) return [];
      // The platform takes each key once; the answer is spread back over the caller's list.
      const { entries } = await http.POST('/v1/cache/get-many', {
        body: { keys: [...new Set(keys)] },
        ...pickRequestOptions(options),
      });
      const found = new Map(entries.map((entry) => [entry.key, entry as CacheEntry<T>]));
      return keys.map((key) => found.get(key) ?? null);
    },
    async setMany<E extends CacheEntryToSet<unknown>>(entries: ReadonlyArray<E>, options?: RequestOptions) {
      const body = {
        entries: entries.map((entry) => ({
          key: entry.key,
          value: entry.value as SchemaJson,
          ttlSeconds: entry.ttlSeconds,
        })),
      };
      const result = await http.POST('/v1/cache/set-many', { body, ...pickRequestOptions(options) });
      return result.entries as Array<CacheEntry<E['value']>>;
    },
    async deleteMany(keys, options) {
      if (keys.length === 0) return 0;
      const result = await http.POST('/v1/cache/delete-many', {
        body: { keys: [...new Set(keys)] },
        ...pickRequestOptions(options),
      });
      return result.deleted;
    },
    expire(key, ttlSeconds, options) {
      return orNull(
        http.POST('/v1/cache/{key}/expire', {
          ...path(key),
          body: { ttlSeconds },
          ...pickRequestOptions(options),
        }),
      );
    },
    list(options = {}) {
      const { prefix, limit, cursor } = options;
      return http.GET('/v1/cache', {
        params: { query: { prefix, limit, cursor } },
        ...pickRequestOptions(options),
      });
    },
    async *keys(options = {}) {
      const { pageSize, ...rest } = options;
      for await (const info of paginate((cursor) => api.list({ ...rest, limit: pageSize, cursor }))) {
        yield info.key;
      }
    },
    async flush(prefix, options) {
      const result = await http.POST('/v1/cache/flush', { body: { prefix }, ...pickRequestOptions(options) });
      return result.deleted;
    },
  };
  return api;
}
