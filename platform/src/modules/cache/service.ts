import type { Services } from '../../services.js';
import type { CacheStore } from './store.js';
import { createSqlCacheStore } from './store-sql.js';

const SWEEP_INTERVAL_MS = 60_000;

/** The cache store for the configuration (Redis when REDIS_URL is set), swept of expired entries. */
export async function createCacheService(services: Services): Promise<CacheStore> {
  const { config, logger } = services;
  const store = config.redisUrl
    ? // Loaded only when configured: the embedded default never loads ioredis.
      (await import('./store-redis.js')).createRedisCacheStore(config.redisUrl, config.cache, (error) =>
        logger.error('redis error', { error: error.message }),
      )
    : createSqlCacheStore(services.database, config.cache);
  // In multi-process mode one worker sweeps; the others would only repeat its work.
  const sweeper =
    services.workerId === null || services.workerId === 1
      ? setInterval(() => {
          store.sweep().catch((error) => logger.error('cache sweep failed', { error: String(error) }));
        }, SWEEP_INTERVAL_MS)
      : undefined;
  sweeper?.unref();
  return {
    ...store,
    async close() {
      clearInterval(sweeper);
      await store.close();
    },
  };
}
