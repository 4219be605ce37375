import { Redis } from 'ioredis';
import { ApiError } from '../../http/problem.js';
import { escapeGlob } from '../../lib/redis-glob.js';
import { LIST, PRUNE, REMOVE, SET_INCREMENT } from './redis-scripts.js';
import {
  type CacheStore,
  type CacheStoreOptions,
  encodeValue,
  type JsonValue,
  type KeyedEntry,
  prefixEnd,
} from './store.js';

// Values are stored as their JSON text, so a JSON integer is also a Redis integer and INCRBY
// works on it directly. Redis expires keys itself; PTTL gives the expiry back.
//
// Each project's keys are also members of a sorted set (all scores 0, so it orders by bytes):
// listing pages through it with ZRANGEBYLEX, which a key's cursor can resume exactly, where SCAN
// walks every project's keys and may repeat some. Writes add the member in the same MULTI or
// script as the value; a member whose key expired stays until a listing or the sweep meets it.

type Reply<T> = [Error | null, T];

type ScriptedRedis = Redis & {
  aerostackIncrement(
    key: string,
    index: string,
    by: string,
    ttlMs: string,
    member: string,
  ): Promise<[number, number]>;
  aerostackList(
    index: string,
    keyPrefix: string,
    min: string,
    max: string,
    want: string,
    budget: string,
  ): Promise<[Array<string | number>, string | null]>;
  aerostackPrune(
    index: string,
    keyPrefix: string,
    min: string,
    max: string,
    batch: string,
  ): Promise<[number, string | null]>;
  aerostackRemove(index: string, count: string, ...keysThenMembers: string[]): Promise<number>;
};

/** Keys examined at most per listing call, so one script never holds Redis for long. */
const LIST_BUDGET = 10_000;
/** Keys per SCAN step and per UNLINK of a flush, and members per step of the sweep. */
const BATCH = 1_000;

function expiresAtFrom(pttl: number, now: number): number | null {
  return pttl >= 0 ? now + pttl : null;
}

/** Cache entries in Redis under `aerostack:{projectId}:cache:{key}`, indexed in `aerostack:{projectId}:cache-index`. */
export function createRedisCacheStore(
  url: string,
  { maxValueBytes }: CacheStoreOptions,
  onError: (error: Error) => void = () => {},
): CacheStore {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 }) as ScriptedRedis;
  // ioredis reconnects by itself; connection errors are reported, not thrown at the process.
  redis.on('error', onError);
  redis.defineCommand('aerostackIncrement', { numberOfKeys: 2, lua: SET_INCREMENT });
  redis.defineCommand('aerostackList', { numberOfKeys: 1, lua: LIST });
  redis.defineCommand('aerostackPrune', { numberOfKeys: 1, lua: PRUNE });
  redis.defineCommand('aerostackRemove', { numberOfKeys: 1, lua: REMOVE });
  const prefixOf = (projectId: string) => `aerostack:${projectId}:cache:`;
  const keyOf = (projectId: string, key: string) => `${prefixOf(projectId)}${key}`;
  const indexOf = (projectId: string) => `aerostack:${projectId}:cache-index`;
  // The one-time indexing of keys written before the index existed; retried after a failure.
  let indexing: Promise<void> | null = null;
  const indexed = () => {
    indexing ??= indexExisting(redis).catch((error: Error) => {
      indexing = null;
      throw error;
    });
    return indexing;
  };
  indexed().catch(onError);

  async function exec(multi: ReturnType<Redis['multi']>): Promise<unknown[]> {
    const replies = (await multi.exec()) as Array<Reply<unknown>> | null;
    if (!replies) throw new Error('redis: transaction aborted');
    for (const [error] of replies) if (error) throw error;
    return replies.map(([, value]) => value);
  }

  return {
    async get(projectId, key) {
      const now = Date.now();
      const result = await redis.multi().get(keyOf(projectId, key)).pttl(keyOf(projectId, key)).exec();
      const [[, text], [, pttl]] = result as [Reply<string | null>, Reply<number>];
      if (text === null) return null;
      return { value: JSON.parse(text) as JsonValue, expiresAt: expiresAtFrom(pttl, now) };
    },

    async set(projectId, key, value, ttlMs) {
      const text = encodeValue(key, value, maxValueBytes);
      const multi = redis.multi();
      if (ttlMs === null) multi.set(keyOf(projectId, key), text);
      else multi.set(keyOf(projectId, key), text, 'PX', ttlMs);
      await exec(multi.zadd(indexOf(projectId), 0, key));
      return { value, expiresAt: ttlMs === null ? null : Date.now() + ttlMs };
    },

    async delete(projectId, key) {
      const [deleted] = await exec(redis.multi().del(keyOf(projectId, key)).zrem(indexOf(projectId), key));
      return (deleted as number) > 0;
    },

    async increment(projectId, key, by, ttlMs) {
      const now = Date.now();
      try {
        const [value, pttl] = await redis.aerostackIncrement(
          keyOf(projectId, key),
          indexOf(projectId),
          String(by),
          String(ttlMs ?? 0),
          key,
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

    async getMany(projectId, keys) {
      const now = Date.now();
      const multi = redis.multi();
      for (const key of keys) multi.get(keyOf(projectId, key)).pttl(keyOf(projectId, key));
      const replies = await exec(multi);
      const entries: KeyedEntry[] = [];
      keys.forEach((key, i) => {
        const text = replies[2 * i] as string | null;
        if (text === null) return;
        entries.push({
          key,
          value: JSON.parse(text) as JsonValue,
          expiresAt: expiresAtFrom(replies[2 * i + 1] as number, now),
        });
      });
      return entries;
    },

    async setMany(projectId, entries) {
      // Every value is checked before anything is sent; MULTI then applies all writes at once.
      const texts = entries.map((entry) => encodeValue(entry.key, entry.value, maxValueBytes));
      const multi = redis.multi();
      entries.forEach((entry, i) => {
        if (entry.ttlMs === null) multi.set(keyOf(projectId, entry.key), texts[i]!);
        else multi.set(keyOf(projectId, entry.key), texts[i]!, 'PX', entry.ttlMs);
      });
      multi.zadd(indexOf(projectId), ...entries.flatMap((entry) => [0, entry.key]));
      await exec(multi);
      const now = Date.now();
      return entries.map((entry) => ({
        key: entry.key,
        value: entry.value,
        expiresAt: entry.ttlMs === null ? null : now + entry.ttlMs,
      }));
    },

    async deleteMany(projectId, keys) {
      const [deleted] = await exec(
        redis
          .multi()
          .del(...keys.map((key) => keyOf(projectId, key)))
          .zrem(indexOf(projectId), ...keys),
      );
      return deleted as number;
    },

    async expire(projectId, key, ttlMs) {
      const now = Date.now();
      const multi = redis.multi();
      if (ttlMs === null) multi.persist(keyOf(projectId, key));
      else multi.pexpire(keyOf(projectId, key), ttlMs);
      const [, pttl] = await exec(multi.pttl(keyOf(projectId, key)));
      return pttl === -2 ? null : { expiresAt: expiresAtFrom(pttl as number, now) };
    },

    async list(projectId, prefix, after, limit) {
      await indexed();
      const now = Date.now();
      const start = after !== null && after >= prefix ? `(${after}` : prefix === '' ? '-' : `[${prefix}`;
      const end = prefix === '' ? '+' : `(${prefixEnd(prefix)}`;
      const [found, last] = await redis.aerostackList(
        indexOf(projectId),
        prefixOf(projectId),
        start,
        end,
        String(limit + 1),
        String(LIST_BUDGET),
      );
      const keys = [];
      for (let i = 0; i < found.length; i += 2) {
        keys.push({ key: String(found[i]), expiresAt: expiresAtFrom(Number(found[i + 1]), now) });
      }
      if (keys.length > limit) {
        const page = keys.slice(0, limit);
        return { keys: page, after: page[page.length - 1]!.key };
      }
      // Fewer than asked: either the range is done (last = null) or the budget ran out at `last`.
      return { keys, after: last };
    },

    async flush(projectId, prefix) {
      await indexed();
      const match = `${escapeGlob(prefixOf(projectId) + prefix)}*`;
      const skip = prefixOf(projectId).length;
      let deleted = 0;
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', BATCH);
        cursor = next;
        // UNLINK and the index members go together, so a concurrent write of the same key lands
        // wholly before (and is deleted) or wholly after (and keeps its member).
        if (found.length > 0) {
          const members = found.map((key) => key.slice(skip));
          deleted += await redis.aerostackRemove(
            indexOf(projectId),
            String(found.length),
            ...found,
            ...members,
          );
        }
      } while (cursor !== '0');
      // Members of keys that expired before the flush: pruned (a live key keeps its member).
      await pruneIndex(redis, indexOf(projectId), prefixOf(projectId), prefix);
      return deleted;
    },

    async sweep() {
      // Removes index members whose keys Redis has expired; Redis itself deletes the values.
      let pruned = 0;
      let cursor = '0';
      do {
        const [next, indexes] = await redis.scan(
          cursor,
          'MATCH',
          'aerostack:prj_*:cache-index',
          'COUNT',
          BATCH,
          'TYPE',
          'zset',
        );
        cursor = next;
        for (const index of indexes) {
          pruned += await pruneIndex(redis, index, `${index.slice(0, -'-index'.length)}:`, '');
        }
      } while (cursor !== '0');
      return pruned;
    },

    async close() {
      await redis.quit();
    },
  };
}

/** Walks the index members under `prefix` in batches, removing those whose keys are gone. */
async function pruneIndex(
  redis: ScriptedRedis,
  index: string,
  keyPrefix: string,
  prefix: string,
): Promise<number> {
  const end = prefix === '' ? '+' : `(${prefixEnd(prefix)}`;
  let removed = 0;
  let min = prefix === '' ? '-' : `[${prefix}`;
  for (;;) {
    const [count, last] = await redis.aerostackPrune(index, keyPrefix, min, end, String(BATCH));
    removed += count;
    if (last === null) return removed;
    min = `(${last}`;
  }
}

/**
 * Once per Redis: adds the keys written before the index existed (an earlier version) to their
 * projects' indexes. A marker key records that it ran; running it twice is harmless.
 */
async function indexExisting(redis: ScriptedRedis): Promise<void> {
  const marker = 'aerostack:cache-index:v1';
  if ((await redis.exists(marker)) === 1) return;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'aerostack:prj_*:cache:*', 'COUNT', BATCH);
    cursor = next;
    const multi = redis.multi();
    for (const full of keys) {
      const at = full.indexOf(':cache:');
      multi.zadd(`${full.slice(0, at)}:cache-index`, 0, full.slice(at + ':cache:'.length));
    }
    if (keys.length > 0) await multi.exec();
  } while (cursor !== '0');
  await redis.set(marker, '1');
}
