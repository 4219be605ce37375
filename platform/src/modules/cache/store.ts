import { ApiError } from '../../http/problem.js';

/** Any JSON value, as stored in the cache. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface StoredEntry<V = JsonValue> {
  value: V;
  /** epoch milliseconds, or null for no expiry */
  expiresAt: number | null;
}

/** A stored entry with its key, as batch reads and writes answer them. */
export interface KeyedEntry extends StoredEntry {
  key: string;
}

/** A key and its expiry, without the value: what a listing answers. */
export interface KeyInfo {
  key: string;
  /** epoch milliseconds, or null for no expiry */
  expiresAt: number | null;
}

/** One entry of `setMany`. */
export interface EntryToSet {
  key: string;
  value: JsonValue;
  ttlMs: number | null;
}

/** A page of keys; `after` is the key to continue after, null when the listing is done. */
export interface KeyPage {
  keys: KeyInfo[];
  after: string | null;
}

/**
 * Per-project cache storage. Two implementations share one test suite: SQL (the metadata
 * database: SQLite or PostgreSQL) and Redis. Expired entries are never returned or counted.
 * Writes refuse a value whose JSON text is over the store's `maxValueBytes`
 * (`ApiError('cache/value-too-large')`) and store nothing.
 */
export interface CacheStore {
  get(projectId: string, key: string): Promise<StoredEntry | null>;
  set(projectId: string, key: string, value: JsonValue, ttlMs: number | null): Promise<StoredEntry>;
  delete(projectId: string, key: string): Promise<boolean>;
  /**
   * Adds `by` to the integer at `key` (absent = 0) atomically. `ttlMs` applies only when the call
   * creates the entry. Throws `ApiError('cache/not-an-integer')` for a non-integer value or a
   * result outside the safe integer range.
   */
  increment(projectId: string, key: string, by: number, ttlMs: number | null): Promise<StoredEntry<number>>;
  /** The live entries among `keys`, in the order of `keys`. */
  getMany(projectId: string, keys: string[]): Promise<KeyedEntry[]>;
  /** Writes every entry or none (the keys are distinct), in one atomic step. */
  setMany(projectId: string, entries: EntryToSet[]): Promise<KeyedEntry[]>;
  /** Deletes the entries at `keys` (distinct); returns how many were live. */
  deleteMany(projectId: string, keys: string[]): Promise<number>;
  /** Sets a live entry's expiry (`null` = never); null when there is no live entry. */
  expire(projectId: string, key: string, ttlMs: number | null): Promise<{ expiresAt: number | null } | null>;
  /**
   * Up to `limit` live keys starting with `prefix`, after the key `after` (exclusive), in byte
   * order. A key live for the whole listing is on exactly one page.
   */
  list(projectId: string, prefix: string, after: string | null, limit: number): Promise<KeyPage>;
  /** Deletes every entry whose key starts with `prefix` ('' = all); returns how many were live. */
  flush(projectId: string, prefix: string): Promise<number>;
  /** Drops expired entries; returns how many (0 where the engine expires them itself). */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/** What a store is built with. */
export interface CacheStoreOptions {
  /** The largest value accepted, in bytes of its JSON text (UTF-8). */
  maxValueBytes: number;
}

/** `value` as the JSON text a store keeps; `cache/value-too-large` above `maxBytes`. */
export function encodeValue(key: string, value: JsonValue, maxBytes: number): string {
  const text = JSON.stringify(value);
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short texts need no byte count.
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text);
    if (bytes > maxBytes) {
      throw new ApiError(
        'cache/value-too-large',
        `The value at "${key}" is ${bytes} bytes of JSON; the limit is ${maxBytes}.`,
      );
    }
  }
  return text;
}

/**
 * The first key that sorts after every key starting with `prefix`: key characters are all below
 * `{` (0x7B), so `prefix ≤ key < prefix + '{'` is exactly "key starts with prefix" in byte order.
 */
export function prefixEnd(prefix: string): string {
  return `${prefix}{`;
}

export interface CacheTables {
  cache_entries: {
    project_id: string;
    key: string;
    /** JSON text */
    value: string;
    /** epoch milliseconds; null = never */
    expires_at: number | null;
  };
}
