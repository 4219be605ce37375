import type { Redis } from 'ioredis';
import { escapeGlob } from '../../lib/redis-glob.js';
import { normalizeRule } from './gcra.js';
import type { RateLimiter, RateLimitResult } from './types.js';

// GCRA (see gcra.ts) in one Lua script: atomic per key, on Redis's own clock so that nodes with
// skewed clocks agree, the TAT stored as text with an expiry when the bucket is full again.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local interval = window / limit
local eps = 1e-6
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local nxt = tat + interval * cost
local allow_at = nxt - window
local allowed = allow_at <= now + eps
local ahead = tat - now
if allowed then ahead = nxt - now end
if allowed and cost > 0 then
  redis.call('SET', KEYS[1], string.format('%.3f', nxt), 'PX', math.max(1, math.ceil(nxt - now)))
end
local remaining = math.max(0, math.floor((window - ahead) / interval + eps))
local reset = math.ceil(ahead / 1000 - 1e-9)
local retry = 0
if not allowed then retry = math.max(1, math.ceil((allow_at - now) / 1000)) end
return {allowed and 1 or 0, remaining, reset, retry}
`;

type RedisWithTake = Redis & {
  aerostackRateLimit(key: string, windowMs: number, limit: number, cost: number): Promise<number[]>;
};

/**
 * Rate limits shared by every process and node through Redis, under `<prefix><key>`
 * (default prefix `aerostack:rate-limit:`). Takes the URL (a connection of its own) or a client.
 */
export function createRedisRateLimiter(options: {
  redis: string | Redis;
  prefix?: string;
  onError?: (msg: string, fields: Record<string, unknown>) => void;
}): RateLimiter {
  const url = typeof options.redis === 'string' ? options.redis : null;
  // A URL gets a connection of its own, from ioredis loaded on demand (a deployment without Redis
  // never pays for it); a given client is shared and left open by close().
  const client: Promise<RedisWithTake> = (async () => {
    let redis: Redis;
    if (url === null) redis = options.redis as Redis;
    else {
      const { Redis } = await import('ioredis');
      redis = new Redis(url, { maxRetriesPerRequest: 2 });
      // ioredis reconnects by itself; a connection error is reported, not thrown at the process.
      redis.on('error', (error: Error) =>
        options.onError?.('rate limiter: redis error', { error: error.message }),
      );
    }
    if (!('aerostackRateLimit' in redis))
      redis.defineCommand('aerostackRateLimit', { numberOfKeys: 1, lua: TAKE });
    return redis as RedisWithTake;
  })();
  const prefix = options.prefix ?? 'aerostack:rate-limit:';

  return {
    async take(key, rule): Promise<RateLimitResult> {
      const { limit, windowSeconds, cost } = normalizeRule(rule);
      const redis = await client;
      const [allowed, remaining, resetSeconds, retryAfterSeconds] = await redis.aerostackRateLimit(
        prefix + key,
        windowSeconds * 1000,
        limit,
        cost,
      );
      return {
        allowed: allowed === 1,
        limit,
        remaining: Number(remaining),
        resetSeconds: Number(resetSeconds),
        retryAfterSeconds: Number(retryAfterSeconds),
      };
    },

    async forget(text) {
      const redis = await client;
      const match = `${escapeGlob(prefix)}*${escapeGlob(text)}*`;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    },

    async close() {
      if (url !== null) await (await client).quit();
    },
  };
}
