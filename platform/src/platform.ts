import type { Hono } from 'hono';
import { createApp } from './app.js';
import { type BootstrapKeys, bootstrap } from './bootstrap.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import type { AppEnv } from './http/operations.js';
import { createLogger } from './lib/logger.js';
import { findActiveKey } from './modules/projects/store.js';
import type { Services } from './services.js';
import { createRedisCacheStore } from './stores/cache/redis.js';
import { createSqlCacheStore } from './stores/cache/sql.js';

const SWEEP_INTERVAL_MS = 60_000;

/** A booted platform, not yet listening: the app, its services, and the bootstrap keys. */
export interface Platform {
  app: Hono<AppEnv>;
  services: Services;
  keys: BootstrapKeys | null;
  firstStart: boolean;
  close(): Promise<void>;
}

/** Boot: config → stores → app. Listening is the caller's business (main.ts, startPlatform). */
export async function createPlatform(config: Config): Promise<Platform> {
  const logger = createLogger(config.logLevel);
  const database = await openDatabase({
    ...config,
    onIdleError: (error) => logger.error('database connection lost', { error: error.message }),
  });
  const cache = config.redisUrl
    ? createRedisCacheStore(config.redisUrl, (error) => logger.error('redis error', { error: error.message }))
    : createSqlCacheStore(database);
  const services: Services = {
    config,
    logger,
    database,
    cache,
    keys: { findActive: (hash) => findActiveKey(database.db, hash) },
  };
  const { keys, created } = await bootstrap(database, config.dataDir);
  const sweeper = setInterval(() => {
    cache.sweep().catch((error) => logger.error('cache sweep failed', { error: String(error) }));
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    app: createApp(services),
    services,
    keys,
    firstStart: created,
    async close() {
      clearInterval(sweeper);
      await cache.close();
      await database.close();
    },
  };
}
