import { Redis } from 'ioredis';
import { sql } from 'kysely';
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

interface Opened {
  store: CacheStore;
  projects: [string, string];
  /** A second store on the same engine, as another node would open it. */
  reopen(): CacheStore;
  redisUrl: string | null;
  database: Database;
  close(): Promise<void>;
}

interface Subject {
  name: string;
  open(): Promise<Opened>;
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
    const options = { maxValueBytes: MAX_VALUE_BYTES };
    const reopen = () =>
      stores.redisUrl
        ? createRedisCacheStore(stores.redisUrl, options)
        : createSqlCacheStore(database, options);
    const store = reopen();
    const projects = await withProjects(database);
    return {
      store,
      projects,
      reopen,
      redisUrl: stores.redisUrl,
      database,
      async close() {
        await store.close();
        await database.close();
        await stores.cleanup();
      },
    };
  },
}));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAX_VALUE_BYTES = 4096;

/** Every key of a listing, page by page. */
async function listAll(store: CacheStore, project: string, prefix: string, limit: number) {
  const keys: string[] = [];
  let after: string | null = null;
  do {
    const page = await store.list(project, prefix, after, limit);
    expect(page.keys.length).toBeLessThanOrEqual(limit);
    keys.push(...page.keys.map((k) => k.key));
    after = page.after;
  } while (after !== null);
  return keys;
}

describe.each(subjects)('CacheStore: $name', (subject) => {
  let store: CacheStore;
  let a: string;
  let b: string;
  let close: () => Promise<void>;
  let opened: Opened;
  beforeAll(async () => {
    opened = await subject.open();
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

  it('reads many entries in the order asked, leaving out misses and expired ones', async () => {
    await store.setMany(a, [
      { key: 'many:1', value: 1, ttlMs: null },
      { key: 'many:2', value: { two: 2 }, ttlMs: 60_000 },
      { key: 'many:gone', value: 'x', ttlMs: 100 },
    ]);
    await store.set(b, 'many:3', 'b only', null);
    await sleep(200);
    const found = await store.getMany(a, ['many:2', 'many:missing', 'many:gone', 'many:1', 'many:3']);
    expect(found.map((e) => [e.key, e.value])).toEqual([
      ['many:2', { two: 2 }],
      ['many:1', 1],
    ]);
    expect(found[0]?.expiresAt).toBeGreaterThan(Date.now() + 50_000);
    expect(found[1]?.expiresAt).toBeNull();
  });

  it('writes many entries all or nothing: one value over the limit writes none', async () => {
    await store.set(a, 'atomic:1', 'before', null);
    await expect(
      store.setMany(a, [
        { key: 'atomic:1', value: 'after', ttlMs: null },
        { key: 'atomic:2', value: 'x'.repeat(MAX_VALUE_BYTES), ttlMs: null },
      ]),
    ).rejects.toMatchObject({ code: 'cache/value-too-large' });
    expect((await store.get(a, 'atomic:1'))?.value).toBe('before');
    expect(await store.get(a, 'atomic:2')).toBeNull();
  });

  it('counts the value limit in UTF-8 bytes of the JSON text', async () => {
    // 'é' is 2 bytes: 2047 of them and the quotes are 4096 bytes, one more is over.
    await store.set(a, 'utf8', 'é'.repeat(2047), null);
    await expect(store.set(a, 'utf8', 'é'.repeat(2048), null)).rejects.toMatchObject({
      code: 'cache/value-too-large',
    });
    expect((await store.get(a, 'utf8'))?.value).toBe('é'.repeat(2047));
  });

  it('a concurrent reader sees all of a setMany or none of it', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `batch:${i}`);
    const writes = [1, 2, 3, 4].map((round) =>
      store.setMany(
        a,
        keys.map((key) => ({ key, value: round, ttlMs: null })),
      ),
    );
    const reads = Array.from({ length: 8 }, () => store.getMany(a, keys));
    const [, results] = await Promise.all([Promise.all(writes), Promise.all(reads)]);
    for (const entries of results) {
      expect(new Set(entries.map((e) => e.value)).size).toBeLessThanOrEqual(1);
    }
  });

  it('deletes many, counting only the live entries', async () => {
    await store.setMany(a, [
      { key: 'del:1', value: 1, ttlMs: null },
      { key: 'del:2', value: 2, ttlMs: null },
      { key: 'del:short', value: 3, ttlMs: 100 },
    ]);
    await store.set(b, 'del:1', 'other project', null);
    await sleep(200);
    expect(await store.deleteMany(a, ['del:1', 'del:2', 'del:short', 'del:never'])).toBe(2);
    expect(await store.getMany(a, ['del:1', 'del:2'])).toEqual([]);
    expect((await store.get(b, 'del:1'))?.value).toBe('other project');
  });

  it('changes and removes an expiry, and finds nothing to expire on a missing key', async () => {
    await store.set(a, 'exp', 'v', null);
    const set = await store.expire(a, 'exp', 60_000);
    expect(set?.expiresAt).toBeGreaterThan(Date.now() + 55_000);
    expect((await store.get(a, 'exp'))?.expiresAt).toBeGreaterThan(Date.now() + 55_000);
    expect(await store.expire(a, 'exp', null)).toEqual({ expiresAt: null });
    expect(await store.get(a, 'exp')).toEqual({ value: 'v', expiresAt: null });
    expect(await store.expire(a, 'exp-missing', 1000)).toBeNull();
    expect(await store.expire(b, 'exp', 1000)).toBeNull();
    await store.expire(a, 'exp', 100);
    await sleep(200);
    expect(await store.get(a, 'exp')).toBeNull();
    expect(await store.expire(a, 'exp', 60_000)).toBeNull();
  });

  it('lists live keys under a prefix in byte order, page by page, without other projects', async () => {
    const names = [
      'list:b',
      'list:a',
      'list:A',
      'list:_',
      'list:-',
      'list:a.b',
      'list:a:b',
      'list:z9',
      'lisu',
      'list',
    ];
    await store.setMany(
      a,
      names.map((key) => ({ key, value: key, ttlMs: null })),
    );
    await store.set(a, 'list:expired', 1, 100);
    await store.set(b, 'list:other', 1, null);
    await sleep(200);
    const expected = names.filter((k) => k.startsWith('list:')).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    expect(expected[0]).toBe('list:-');
    for (const limit of [1, 2, 3, 100]) expect(await listAll(store, a, 'list:', limit)).toEqual(expected);
    const all = await listAll(store, a, '', 1000);
    expect(all).toEqual([...all].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    expect(all).toEqual(expect.arrayContaining(['list', 'lisu', ...expected]));
    expect(all).not.toContain('list:expired');
    expect(await listAll(store, b, 'list:', 10)).toEqual(['list:other']);
    const page = await store.list(a, 'list:a', null, 10);
    expect(page).toEqual({
      keys: [
        { key: 'list:a', expiresAt: null },
        { key: 'list:a.b', expiresAt: null },
        { key: 'list:a:b', expiresAt: null },
      ],
      after: null,
    });
  });

  it('a listing under concurrent writes returns every key that lived throughout, once', async () => {
    const stable = Array.from({ length: 60 }, (_, i) => `conc:s${String(i).padStart(3, '0')}`);
    await store.setMany(
      a,
      stable.map((key) => ({ key, value: 1, ttlMs: null })),
    );
    let churn = 0;
    let listing = true;
    const writer = (async () => {
      while (listing) {
        churn += 1;
        await store.set(a, `conc:c${churn % 7}`, churn, null);
        await store.delete(a, `conc:c${(churn + 3) % 7}`);
        await store.set(a, `conc:s${String(churn % 60).padStart(3, '0')}`, churn, null);
      }
    })();
    const seen = await listAll(store, a, 'conc:s', 7);
    listing = false;
    await writer;
    expect(seen).toEqual(stable);
  });

  it('flushes a prefix, counting live entries, and leaves the rest', async () => {
    await store.setMany(a, [
      { key: 'fl:1', value: 1, ttlMs: null },
      { key: 'fl:2:x', value: 2, ttlMs: 60_000 },
      { key: 'fl:short', value: 3, ttlMs: 100 },
      { key: 'flat', value: 4, ttlMs: null },
      { key: 'fl', value: 5, ttlMs: null },
    ]);
    await store.set(b, 'fl:1', 'other project', null);
    await sleep(200);
    expect(await store.flush(a, 'fl:')).toBe(2);
    expect(await listAll(store, a, 'fl', 10)).toEqual(['fl', 'flat']);
    expect(await store.getMany(a, ['fl:1', 'fl:2:x', 'flat', 'fl'])).toHaveLength(2);
    expect((await store.get(b, 'fl:1'))?.value).toBe('other project');
    expect(await store.flush(a, 'fl:')).toBe(0);
  });

  it('flushes more entries than one batch, and everything with an empty prefix', async () => {
    const entries = Array.from({ length: 2500 }, (_, i) => ({ key: `big:${i}`, value: i, ttlMs: null }));
    for (let i = 0; i < entries.length; i += 1000) await store.setMany(b, entries.slice(i, i + 1000));
    await store.set(b, 'other', 1, null);
    expect(await store.flush(b, 'big:')).toBe(2500);
    expect(await listAll(store, b, '', 1000)).toEqual(expect.not.arrayContaining(['big:0']));
    expect(await store.flush(b, '')).toBeGreaterThanOrEqual(1);
    expect(await listAll(store, b, '', 1000)).toEqual([]);
  });

  it('increment and decrement keep a counter listed', async () => {
    await store.increment(a, 'ctr:x', -3, null);
    expect(await listAll(store, a, 'ctr:', 10)).toEqual(['ctr:x']);
    expect((await store.get(a, 'ctr:x'))?.value).toBe(-3);
  });

  it('the sweep drops what expired and keeps the listing right', async () => {
    await store.set(a, 'sweep:gone', 1, 100);
    await store.set(a, 'sweep:kept', 1, null);
    await sleep(200);
    // SQL deletes the row; Redis expired the value itself and the sweep drops its index member.
    expect(await store.sweep()).toBeGreaterThanOrEqual(1);
    expect(await listAll(store, a, 'sweep:', 10)).toEqual(['sweep:kept']);
  });

  it('compares keys byte by byte on PostgreSQL whatever the database locale', async () => {
    if (subject.name !== 'sql on postgres') return;
    const { rows } = await sql<{ collation: string }>`
      select collation_name as collation from information_schema.columns
      where table_name = 'cache_entries' and column_name = 'key'`.execute(opened.database.db);
    expect(rows[0]?.collation).toBe('C');
  });

  it('Redis: indexes, once, the keys an earlier version wrote without the index', async () => {
    if (!opened.redisUrl) return;
    const raw = new Redis(opened.redisUrl);
    try {
      await raw.set(`aerostack:${b}:cache:legacy:1`, '"old"');
      await raw.set(`aerostack:${b}:cache:legacy:2`, '2', 'PX', 60_000);
      await raw.del('aerostack:cache-index:v1');
      const next = opened.reopen();
      try {
        expect(await listAll(next, b, 'legacy:', 10)).toEqual(['legacy:1', 'legacy:2']);
        expect(await raw.exists('aerostack:cache-index:v1')).toBe(1);
        expect(await next.flush(b, 'legacy:')).toBe(2);
      } finally {
        await next.close();
      }
    } finally {
      raw.disconnect();
    }
  });
});
