import type { RequestOptions } from '../client/options';

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
 * Options of `cache.increment` and `cache.decrement`.
 *
 * @example
 * await client.cache.increment('rate:ip:1.2.3.4', { by: 1, ttlSeconds: 60 });
 * await client.cache.decrement('stock:sku-1', { by: 2 });
 */
export interface CacheIncrementOptions extends RequestOptions {
  /** How much to add (`increment`, negative to subtract) or to subtract (`decrement`, 0 or more); default 1. */
  by?: number | undefined;
  /** Expiry of a key this call creates; an existing key keeps its own. */
  ttlSeconds?: number | undefined;
}

/**
 * One entry of `cache.setMany`.
 *
 * @example
 * const entry: CacheEntryToSet<string> = { key: 'greeting', value: 'hi', ttlSeconds: 60 };
 */
export interface CacheEntryToSet<T> {
  key: string;
  value: T;
  /** Seconds until this entry expires; omit to keep it until deleted. */
  ttlSeconds?: number | undefined;
}

/**
 * Options of `cache.list`: one page of at most `limit` keys after `cursor`, under `prefix`.
 *
 * @example
 * const page = await client.cache.list({ prefix: 'session:', limit: 100 });
 * const next = await client.cache.list({ prefix: 'session:', cursor: page.nextCursor ?? undefined });
 */
export interface CacheListOptions extends RequestOptions {
  /** Only keys that start with this (case-sensitive); omit for every key. */
  prefix?: string | undefined;
  /** How many keys to return (1–1000, default 50). */
  limit?: number | undefined;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

/**
 * Options of `cache.keys`.
 *
 * @example
 * for await (const key of client.cache.keys({ prefix: 'session:', pageSize: 500 })) console.log(key);
 */
export interface CacheKeysOptions extends RequestOptions {
  /** Only keys that start with this; omit for every key. */
  prefix?: string | undefined;
  /** Keys fetched per request (1–1000, default 50). */
  pageSize?: number | undefined;
}
