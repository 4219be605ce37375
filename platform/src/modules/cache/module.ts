import { projectIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { ApiError } from '../../http/problem.js';
import { defineModule } from '../module.js';
import { migrations } from './migrations.js';
import { createCacheService } from './service.js';
import type { CacheStore, JsonValue, StoredEntry } from './store.js';

declare module '../../services.js' {
  interface ModuleServices {
    cache: CacheStore;
  }
}

const ttlMs = (ttlSeconds: number | undefined) => (ttlSeconds === undefined ? null : ttlSeconds * 1000);

function toEntry<V>(key: string, stored: StoredEntry<V>) {
  return {
    key,
    value: stored.value,
    expiresAt: stored.expiresAt === null ? null : new Date(stored.expiresAt).toISOString(),
  };
}

export default defineModule({
  name: 'cache',
  migrations,
  create: createCacheService,
  handlers: defineHandlers({
    'cache.get': async ({ principal, path, services }) => {
      const stored = await services.cache.get(projectIdOf(principal), path.key);
      if (!stored) throw new ApiError('cache/not-found', `No live entry at "${path.key}".`);
      return { status: 200, body: toEntry(path.key, stored) };
    },

    'cache.set': async ({ principal, path, body, services }) => {
      const value = body.value as JsonValue;
      const stored = await services.cache.set(
        projectIdOf(principal),
        path.key,
        value,
        ttlMs(body.ttlSeconds),
      );
      return { status: 200, body: toEntry(path.key, stored) };
    },

    'cache.delete': async ({ principal, path, services }) => ({
      status: 200,
      body: { deleted: await services.cache.delete(projectIdOf(principal), path.key) },
    }),

    'cache.increment': async ({ principal, path, body, services }) => {
      const stored = await services.cache.increment(
        projectIdOf(principal),
        path.key,
        body?.by ?? 1,
        ttlMs(body?.ttlSeconds),
      );
      return { status: 200, body: toEntry(path.key, stored) };
    },
  }),
});
