import { type RateLimiter, type RateLimitRule, rateLimitHeaders } from '../services/rate-limit/index.js';
import { ApiError } from './problem.js';

/**
 * Takes one from `key`'s bucket, or refuses with 429 `rate-limit/exceeded` carrying `Retry-After`
 * and the RateLimit headers. For limits a handler applies itself (per IP, per identity, per end
 * user); a limit per credential is declared on the operation (`x-aerostack-rate-limit`).
 */
export async function takeOrRefuse(limiter: RateLimiter, key: string, rule: RateLimitRule, detail: string) {
  const result = await limiter.take(key, rule);
  if (!result.allowed) {
    throw new ApiError('rate-limit/exceeded', `${detail} Retry in ${result.retryAfterSeconds} s.`, {
      headers: rateLimitHeaders(result),
    });
  }
}
