import type { RateLimitResult } from './types.js';

/**
 * The response headers for a decision: `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds; the IETF httpapi draft's field names) and, when refused, `Retry-After`.
 */
export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(result.limit),
    'RateLimit-Remaining': String(result.remaining),
    'RateLimit-Reset': String(result.resetSeconds),
  };
  if (!result.allowed) headers['Retry-After'] = String(result.retryAfterSeconds);
  return headers;
}
