/** How many requests a key may make: `limit` per `windowSeconds`, each costing `cost` (default 1). */
export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
  /** 0 asks without taking anything. */
  cost?: number;
}

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  /** Requests of cost 1 that would still be allowed right now. */
  remaining: number;
  /** Seconds until the key is back to its full limit. */
  resetSeconds: number;
  /** Seconds to wait before this request would be allowed; 0 when allowed. */
  retryAfterSeconds: number;
}

/** Rate limits per key (GCRA, decision 0021); every implementation passes one shared suite. */
export interface RateLimiter {
  /** Takes `cost` from `key`'s allowance, or refuses and takes nothing. */
  take(key: string, rule: RateLimitRule): Promise<RateLimitResult>;
  /**
   * Drops every bucket whose key contains `text` (a deleted project's id, decision 0048): they
   * held its users' addresses and emails, and would start again with a full allowance anyway.
   */
  forget(text: string): Promise<void>;
  close(): Promise<void>;
}
