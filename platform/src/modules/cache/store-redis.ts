import { Redis } from 'ioredis';
import { ApiError } from '../../http/problem.js';
import type { CacheStore, JsonValue } from './store.js';

// Values are stored as their JSON text, so a JSON integer is also a Redis integer and INCRBY
// works on it directly. Redis expires keys itself; PTTL gives the expiry back.

const INCREMENT = `
local current = redis.call('GET', KEYS[1])
if current and not string.match(current, '^-?%d+$') then
  return redis.error_reply('NOTINT')
end
local base = tonumber(current or '0')
local result = base + tonumber(ARGV[1])
if result > 9007199254740991 or result < -9007199254740991 then
  return redis.error_reply('NOTINT')
end
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if not current and tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return {value, redis.call('PTTL', KEYS[1])}
`;

type RedisWithIncrement = Redis & {
  aerostackIncrement(key: string, by: string, ttlMs: string): Promise<[number, number]>;
};

function expiresAtFrom(pttl: number, now: number): number | null {
  return pttl >= 0 ? now + pttl : null;
}

/** Cache entries in Redis under `aerostack:{projectId}:cache:{key}`. */
export function createRedisCacheStore(url: string, onError: (error: Error) => void = () => {}): CacheStore {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 }) as RedisWithIncrement;
  // ioredis reconnects by itself; connection errors are reported, not thrown at the process.
  redis.on('error', onError);
  redis.defineCommand('aerostackIncrement', { numberOfKeys: 1, lua: INCREMENT });
  const keyOf = (projectId: string, key: string) => `aerostack:${projectId}:cache:${key}`;

  return {
    async get(projectId, key) {
      const now = Date.now();
      const result = await redis.multi().get(keyOf(projectId, key)).pttl(keyOf(projectId, key)).exec();
      const [[, text], [, pttl]] = result as [[Error | null, string | null], [Error | null, number]];
      if (text === null) return null;
      return { value: JSON.parse(text) as JsonValue, expiresAt: expiresAtFrom(pttl, now) };
    },

    async set(projectId, key, value, ttlMs) {
      const text = JSON.stringify(value);
      if (ttlMs === null) await redis.set(keyOf(projectId, key), text);
      else await redis.set(keyOf(projectId, key), text, 'PX', ttlMs);
      return { value, expiresAt: ttlMs === null ? null : Date.now() + ttlMs };
    },

    async delete(projectId, key) {
      return (await redis.del(keyOf(projectId, key))) > 0;
    },

    async increment(projectId, key, by, ttlMs) {
      const now = Date.now();
      try {
        const [value, pttl] = await redis.aerostackIncrement(
          keyOf(projectId, key),
          String(by),
          String(ttlMs ?? 0),
        );
        return { value: Number(value), expiresAt: expiresAtFrom(Number(pttl), now) };
      } catch (error) {
        if (error instanceof Error && error.message.includes('NOTINT')) {
          throw new ApiError(
            'cache/not-an-integer',
            'The entry does not hold an integer, or the result is out of range.',
          );
        }
        throw error;
      }
    },

    async sweep() {
      return 0;
    },

    async close() {
      await redis.quit();
    },
  };
}
