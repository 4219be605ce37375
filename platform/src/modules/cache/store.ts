/** Any JSON value, as stored in the cache. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface StoredEntry<V = JsonValue> {
  value: V;
  /** epoch milliseconds, or null for no expiry */
  expiresAt: number | null;
}

/**
 * Per-project cache storage. Two implementations share one test suite: SQL (the metadata
 * database: SQLite or PostgreSQL) and Redis. Expired entries are never returned.
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
  /** Drops expired entries; returns how many (0 where the engine expires them itself). */
  sweep(): Promise<number>;
  close(): Promise<void>;
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
