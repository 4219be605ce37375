import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, tables } from '../src/db/database.js';
import { type AccountTables, insertAccount } from '../src/modules/account/store.js';
import type { CacheStore } from '../src/modules/cache/store.js';
import { createRedisCacheStore } from '../src/modules/cache/store-redis.js';
import { createSqlCacheStore } from '../src/modules/cache/store-sql.js';
import { insertProject, type ProjectTables } from '../src/modules/projects/store.js';
import { modules } from '../src/modules/registry.js';
import { migrationsOf } from '../src/platform.js';
import { BACKENDS } from './support/backends.js';

// One suite, every CacheStore: SQL on SQLite, SQL on PostgreSQL, Redis.

interface Subject {
  name: string;
  open(): Promise<{ store: CacheStore; projects: [string, string]; close(): Promise<void> }>;
}

async function withProjects(database: Database): Promise<[string, string]> {
  const now = new Date().toISOString();
  const suffix = Math.random().toString(36).slice(2, 10);
  await insertAccount(tables<AccountTables>(database), {
    id: `acc_test${suffix}`,
    name: 't',
    created_at: now,
  });
  const ids: [string, string] = [`prj_a${suffix}00000000`, `prj_b${suffix}00000000`];
  for (const id of ids)
    await insertProject(tables<ProjectTables>(database), {
      id,
      account_id: `acc_test${suffix}`,
      name: id,
      created_at: now,
    });
  return ids;
}

const subjects: Subject[] = BACKENDS.map((backend) => ({
  name: backend.name.includes('redis') ? 'redis' : `sql on ${backend.name}`,
  async open() {
    const stores = await backend.create();
    const database = await openDatabase({ ...stores, migrations: migrationsOf(modules) });
    const store = stores.redisUrl ? createRedisCacheStore(stores.redisUrl) : createSqlCacheStore(database);
    const projects = await withProjects(database);
    return {
      store,
      projects,
      async close() {
        await store.close();
        await database.close();
        await stores.cleanup();
      },
    };
  },
}));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(subjects)('CacheStore: $name', (subject) => {
  let store: CacheStore;
  let a: string;
  let b: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const opened = await subject.open();
    ({ store, close } = opened);
    [a, b] = opened.projects;
  });
  afterAll(() => close?.());

  it('round-trips any JSON value', async () => {
    for (const value of [{ a: [1, 'two', null, { deep: true }] }, 'text', 0, -1.25, false, null, []]) {
      await store.set(a, 'v', value, null);
      expect(await store.get(a, 'v')).toEqual({ value, expiresAt: null });
    }
  });

  it('keeps projects apart', async () => {
    await store.set(a, 'shared-name', 'from a', null);
    await store.set(b, 'shared-name', 'from b', null);
    expect((await store.get(a, 'shared-name'))?.value).toBe('from a');
    expect((await store.get(b, 'shared-name'))?.value).toBe('from b');
    expect(await store.delete(b, 'shared-name')).toBe(true);
    expect((await store.get(a, 'shared-name'))?.value).toBe('from a');
  });

  it('expires entries after their TTL and forgets them', async () => {
    const before = Date.now();
    const stored = await store.set(a, 'short', 'soon gone', 300);
    expect(stored.expiresAt).toBeGreaterThanOrEqual(before + 300);
    expect((await store.get(a, 'short'))?.expiresAt).toBeGreaterThan(before);
    await sleep(450);
    expect(await store.get(a, 'short')).toBeNull();
    expect(await store.delete(a, 'short')).toBe(false);
    await store.sweep();
  });

  it('increments atomically under concurrency', async () => {
    await Promise.all(Array.from({ length: 50 }, () => store.increment(a, 'counter', 1, null)));
    expect((await store.get(a, 'counter'))?.value).toBe(50);
  });

  it('increments a key nobody has created yet, concurrently, without losing a count', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.increment(a, 'fresh-counter', 2, null)),
    );
    expect(results.map((r) => r.value).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => 2 * (i + 1)),
    );
  });

  it('gives a created counter its TTL and leaves an existing one its own', async () => {
    const first = await store.increment(a, 'windowed', 1, 60_000);
    expect(first.expiresAt).toBeGreaterThan(Date.now() + 55_000);
    const second = await store.increment(a, 'windowed', 1, 1_000);
    expect(second.value).toBe(2);
    expect(Math.abs((second.expiresAt ?? 0) - (first.expiresAt ?? 0))).toBeLessThan(50);
  });

  it('restarts an expired counter from zero', async () => {
    await store.increment(a, 'blink', 5, 200);
    await sleep(300);
    expect((await store.increment(a, 'blink', 1, null)).value).toBe(1);
  });

  it('refuses to increment a non-integer and leaves it as it was', async () => {
    for (const value of ['12', 1.5, { n: 1 }]) {
      await store.set(a, 'not-int', value, null);
      await expect(store.increment(a, 'not-int', 1, null)).rejects.toMatchObject({
        code: 'cache/not-an-integer',
      });
      expect((await store.get(a, 'not-int'))?.value).toEqual(value);
    }
  });

  it('refuses a result outside the safe integer range', async () => {
    await store.set(a, 'big', Number.MAX_SAFE_INTEGER - 1, null);
    await expect(store.increment(a, 'big', 5, null)).rejects.toMatchObject({ code: 'cache/not-an-integer' });
    expect((await store.increment(a, 'big', 1, null)).value).toBe(Number.MAX_SAFE_INTEGER);
  });
});
