// Rate limits per key (GCRA): in memory, in Redis, or through the cluster primary. Public API.
export { createClusterRateLimiter } from './cluster.js';
export { rateLimitHeaders } from './headers.js';
export { createMemoryRateLimiter, type MemoryRateLimiter } from './memory.js';
export { createRedisRateLimiter } from './redis.js';
export type { RateLimiter, RateLimitResult, RateLimitRule } from './types.js';
