import type { RequestOptions } from '../client/options';
import { pickRequestOptions } from '../client/options';
import { isAerostackError } from '../errors/aerostack-error';
import type { components } from '../generated/openapi';
import type { Http } from '../transport/http-types';
import type { JsonValue } from '../types/json';
import type { CacheCounter, CacheEntry } from '../types/models';

/**
 * Options of `cache.set`.
 *
 * @example
 * await client.cache.set('session:42', { userId: 42 }, { ttlSeconds: 3600 });
 */
export interface CacheSetOptions extends RequestOptions {
  /** Seconds until the entry expires; omit to keep it until deleted. */
  ttlSeconds?: number | undefined;
}

/**
 * Options of `cache.increment`.
 *
 * @example
 * await client.cache.increment('rate:ip:1.2.3.4', { by: 1, ttlSeconds: 60 });
 */
export interface CacheIncrementOptions extends RequestOptions {
  /** How much to add (negative to subtract); default 1. */
  by?: number | undefined;
  /** Expiry of a key this call creates; an existing key keeps its own. */
  ttlSeconds?: number | undefined;
}

/**
 * The per-project key/value cache (needs a secret key).
 *
 * @example
 * await client.cache.set('greeting', 'hello', { ttlSeconds: 60 });
 * const entry = await client.cache.get<string>('greeting'); // { key, value: 'hello', expiresAt }
 */
export interface CacheApi {
  /** Reads an entry; resolves `null` when the key is absent or expired (`cache/not-found`). */
  get<T = JsonValue>(key: string, options?: RequestOptions): Promise<CacheEntry<T> | null>;
  /** Writes an entry (any JSON value), replacing the previous one. */
  set<T = JsonValue>(key: string, value: T, options?: CacheSetOptions): Promise<CacheEntry<T>>;
  /** Deletes an entry; resolves whether there was one to delete. */
  delete(key: string, options?: RequestOptions): Promise<boolean>;
  /** Atomically adds `by` (default 1) to an integer entry; a missing key counts as 0. */
  increment(key: string, options?: CacheIncrementOptions): Promise<CacheCounter>;
}

type SchemaJson = components['schemas']['JsonValue'];

export function createCacheApi(http: Http): CacheApi {
  const path = (key: string) => ({ params: { path: { key } } });
  return {
    async get<T>(key: string, options?: RequestOptions) {
      try {
        const entry = await http.GET('/v1/cache/{key}', { ...path(key), ...pickRequestOptions(options) });
        return entry as CacheEntry<T>;
      } catch (error) {
        if (isAerostackError(error) && error.code === 'cache/not-found') return null;
        throw error;
      }
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
    increment(key, options = {}) {
      const body = { by: options.by ?? 1, ttlSeconds: options.ttlSeconds };
      return http.POST('/v1/cache/{key}/increment', { ...path(key), body, ...pickRequestOptions(options) });
    },
  };
}
