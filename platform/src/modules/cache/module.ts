import { projectIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { ApiError } from '../../http/problem.js';
import { defineModule } from '../module.js';
import { cursorAfter, keyAfter } from './cursor.js';
import { dropProject } from './drop.js';
import { migrations } from './migrations.js';
import { createCacheService } from './service.js';
import type { CacheStore, JsonValue, StoredEntry } from './store.js';

declare module '../../services.js' {
  interface ModuleServices {
    cache: CacheStore;
  }
}

const ttlMs = (ttlSeconds: number | null | undefined) =>
  ttlSeconds === undefined || ttlSeconds === null ? null : ttlSeconds * 1000;
const timestamp = (expiresAt: number | null) =>
  expiresAt === null ? null : new Date(expiresAt).toISOString();

function toEntry<V>(key: string, stored: StoredEntry<V>) {
  return { key, value: stored.value, expiresAt: timestamp(stored.expiresAt) };
}

/** A batch write may name each key once: which value would win is not the caller's to guess. */
function refuseDuplicates(keys: string[]): void {
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) throw new ApiError('cache/duplicate-key', `The key "${key}" appears more than once.`);
    seen.add(key);
  }
}

export default defineModule({
  name: 'cache',
  migrations,
  dropProject,
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

    // Decrement is increment by the negative: one store operation, one set of rules.
    'cache.decrement': async ({ principal, path, body, services }) => {
      const stored = await services.cache.increment(
        projectIdOf(principal),
        path.key,
        -(body?.by ?? 1),
        ttlMs(body?.ttlSeconds),
      );
      return { status: 200, body: toEntry(path.key, stored) };
    },

    'cache.expire': async ({ principal, path, body, services }) => {
      const result = await services.cache.expire(projectIdOf(principal), path.key, ttlMs(body.ttlSeconds));
      if (!result) throw new ApiError('cache/not-found', `No live entry at "${path.key}".`);
      return { status: 200, body: { key: path.key, expiresAt: timestamp(result.expiresAt) } };
    },

    'cache.list': async ({ principal, query, services }) => {
      const page = await services.cache.list(
        projectIdOf(principal),
        query.prefix ?? '',
        keyAfter(query.cursor),
        query.limit ?? 50,
      );
      return {
        status: 200,
        body: {
          data: page.keys.map((info) => ({ key: info.key, expiresAt: timestamp(info.expiresAt) })),
          nextCursor: cursorAfter(page.after),
        },
      };
    },

    'cache.getMany': async ({ principal, body, services }) => {
      const entries = await services.cache.getMany(projectIdOf(principal), body.keys);
      return { status: 200, body: { entries: entries.map((entry) => toEntry(entry.key, entry)) } };
    },

    'cache.setMany': async ({ principal, body, services }) => {
      refuseDuplicates(body.entries.map((entry) => entry.key));
      const entries = await services.cache.setMany(
        projectIdOf(principal),
        body.entries.map((entry) => ({
          key: entry.key,
          value: entry.value as JsonValue,
          ttlMs: ttlMs(entry.ttlSeconds),
        })),
      );
      return { status: 200, body: { entries: entries.map((entry) => toEntry(entry.key, entry)) } };
    },

    'cache.deleteMany': async ({ principal, body, services }) => ({
      status: 200,
      body: { deleted: await services.cache.deleteMany(projectIdOf(principal), body.keys) },
    }),

    'cache.flush': async ({ principal, body, services }) => ({
      status: 200,
      body: { deleted: await services.cache.flush(projectIdOf(principal), body.prefix) },
    }),
  }),
});
