import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// The cache's HTTP API beyond one key: batch calls, expiry, counters downwards, listing and
// flushing, with the value limit lowered so that it is reachable under the body limit. Every row
// runs on SQLite, PostgreSQL and PostgreSQL + Redis; responses are checked against the spec.

const MAX_VALUE_BYTES = 2048;
const big = 'x'.repeat(MAX_VALUE_BYTES); // its JSON text has two quotes more: 2050 bytes

interface Row {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  code?: string;
  /** Fields the JSON answer must have (toMatchObject). */
  json?: unknown;
  /** Which credential: the project's secret key by default. */
  as?: 'publishable' | 'none';
}

// In order: later rows see what earlier rows wrote.
const rows: Row[] = [
  {
    name: 'setMany writes every entry',
    method: 'POST',
    path: '/v1/cache/set-many',
    body: {
      entries: [
        { key: 'user:1', value: { name: 'Ada' }, ttlSeconds: 600 },
        { key: 'user:2', value: { name: 'Grace' } },
        { key: 'user:3', value: 3 },
      ],
    },
    status: 200,
    json: {
      entries: [
        { key: 'user:1', value: { name: 'Ada' } },
        { key: 'user:2', value: { name: 'Grace' }, expiresAt: null },
        { key: 'user:3', value: 3, expiresAt: null },
      ],
    },
  },
  {
    name: 'getMany answers hits in the order asked',
    method: 'POST',
    path: '/v1/cache/get-many',
    body: { keys: ['user:3', 'user:404', 'user:1'] },
    status: 200,
    json: {
      entries: [
        { key: 'user:3', value: 3 },
        { key: 'user:1', value: { name: 'Ada' } },
      ],
    },
  },
  {
    name: 'getMany of nothing found',
    method: 'POST',
    path: '/v1/cache/get-many',
    body: { keys: ['nobody'] },
    status: 200,
    json: { entries: [] },
  },
  {
    name: 'getMany, no keys',
    method: 'POST',
    path: '/v1/cache/get-many',
    body: { keys: [] },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'getMany, a key twice',
    method: 'POST',
    path: '/v1/cache/get-many',
    body: { keys: ['a', 'a'] },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'getMany, 1001 keys',
    method: 'POST',
    path: '/v1/cache/get-many',
    body: { keys: Array.from({ length: 1001 }, (_, i) => `k${i}`) },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'getMany, 1000 keys (the most)',
    method: 'POST',
    path: '/v1/cache/get-many',
    body: { keys: Array.from({ length: 1000 }, (_, i) => `user:${i}`) },
    status: 200,
    json: { entries: [{ key: 'user:1' }, { key: 'user:2' }, { key: 'user:3' }] },
  },
  {
    name: 'getMany, a bad key',
    method: 'POST',
    path: '/v1/cache/get-many',
    body: { keys: ['a/b'] },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'getMany, keys as a string',
    method: 'POST',
    path: '/v1/cache/get-many',
    body: { keys: 'user:1' },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'getMany, an unknown field',
    method: 'POST',
    path: '/v1/cache/get-many',
    body: { keys: ['user:1'], values: true },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'setMany, a key twice',
    method: 'POST',
    path: '/v1/cache/set-many',
    body: {
      entries: [
        { key: 'user:1', value: 'changed' },
        { key: 'user:1', value: 'twice' },
      ],
    },
    status: 422,
    code: 'cache/duplicate-key',
  },
  {
    name: 'setMany, one value over the limit',
    method: 'POST',
    path: '/v1/cache/set-many',
    body: {
      entries: [
        { key: 'user:1', value: 'changed' },
        { key: 'user:big', value: big },
      ],
    },
    status: 413,
    code: 'cache/value-too-large',
  },
  {
    name: 'nothing of the refused setMany was written',
    method: 'POST',
    path: '/v1/cache/get-many',
    body: { keys: ['user:1', 'user:big'] },
    status: 200,
    json: { entries: [{ key: 'user:1', value: { name: 'Ada' } }] },
  },
  {
    name: 'setMany, no entries',
    method: 'POST',
    path: '/v1/cache/set-many',
    body: { entries: [] },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'setMany, an entry without a value',
    method: 'POST',
    path: '/v1/cache/set-many',
    body: { entries: [{ key: 'x' }] },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'setMany, ttl 0',
    method: 'POST',
    path: '/v1/cache/set-many',
    body: { entries: [{ key: 'x', value: 1, ttlSeconds: 0 }] },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'set, a value over the limit',
    method: 'PUT',
    path: '/v1/cache/user:big',
    body: { value: big },
    status: 413,
    code: 'cache/value-too-large',
  },
  {
    name: 'set, a value at the limit',
    method: 'PUT',
    path: '/v1/cache/user:big',
    body: { value: big.slice(2) },
    status: 200,
  },
  {
    name: 'set, a body over the body limit',
    method: 'PUT',
    path: '/v1/cache/huge',
    body: { value: 'x'.repeat(2 * 1024 * 1024) },
    status: 413,
    code: 'request/body-too-large',
  },
  {
    name: 'expire sets a TTL',
    method: 'POST',
    path: '/v1/cache/user:2/expire',
    body: { ttlSeconds: 120 },
    status: 200,
    json: { key: 'user:2', expiresAt: expect.any(String) },
  },
  {
    name: 'expire with null keeps it forever',
    method: 'POST',
    path: '/v1/cache/user:2/expire',
    body: { ttlSeconds: null },
    status: 200,
    json: { key: 'user:2', expiresAt: null },
  },
  {
    name: 'expire, a missing key',
    method: 'POST',
    path: '/v1/cache/nobody/expire',
    body: { ttlSeconds: 10 },
    status: 404,
    code: 'cache/not-found',
  },
  {
    name: 'expire, no ttlSeconds',
    method: 'POST',
    path: '/v1/cache/user:2/expire',
    body: {},
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'expire, ttl as a string',
    method: 'POST',
    path: '/v1/cache/user:2/expire',
    body: { ttlSeconds: '10' },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'expire, ttl 0',
    method: 'POST',
    path: '/v1/cache/user:2/expire',
    body: { ttlSeconds: 0 },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'decrement a new key, by 1 by default',
    method: 'POST',
    path: '/v1/cache/stock/decrement',
    status: 200,
    json: { key: 'stock', value: -1, expiresAt: null },
  },
  {
    name: 'increment then decrement by 5',
    method: 'POST',
    path: '/v1/cache/stock/increment',
    body: { by: 10 },
    status: 200,
    json: { value: 9 },
  },
  {
    name: 'decrement by 5',
    method: 'POST',
    path: '/v1/cache/stock/decrement',
    body: { by: 5 },
    status: 200,
    json: { value: 4 },
  },
  {
    name: 'decrement, a negative step',
    method: 'POST',
    path: '/v1/cache/stock/decrement',
    body: { by: -1 },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'a counter near the bottom of the safe range',
    method: 'PUT',
    path: '/v1/cache/floor',
    body: { value: -(Number.MAX_SAFE_INTEGER - 1) },
    status: 200,
  },
  {
    name: 'decrement past the safe range',
    method: 'POST',
    path: '/v1/cache/floor/decrement',
    body: { by: 5 },
    status: 422,
    code: 'cache/not-an-integer',
  },
  {
    name: 'decrement to the edge of the safe range',
    method: 'POST',
    path: '/v1/cache/floor/decrement',
    status: 200,
    json: { value: -Number.MAX_SAFE_INTEGER },
  },
  {
    name: 'decrement a value that is not an integer',
    method: 'POST',
    path: '/v1/cache/user:1/decrement',
    status: 422,
    code: 'cache/not-an-integer',
  },
  {
    name: 'list under a prefix',
    method: 'GET',
    path: '/v1/cache?prefix=user:',
    status: 200,
    json: {
      data: [
        { key: 'user:1', expiresAt: expect.any(String) },
        { key: 'user:2', expiresAt: null },
        { key: 'user:3', expiresAt: null },
        { key: 'user:big', expiresAt: null },
      ],
      nextCursor: null,
    },
  },
  {
    name: 'list, a prefix with a slash',
    method: 'GET',
    path: '/v1/cache?prefix=a/b',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'list, limit 0',
    method: 'GET',
    path: '/v1/cache?limit=0',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'list, a cursor not issued by the API',
    method: 'GET',
    path: '/v1/cache?cursor=bm90LWEtY3Vyc29y',
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'list, another list’s cursor',
    method: 'GET',
    path: `/v1/cache?cursor=${Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', 'prj_x'])).toString('base64url')}`,
    status: 400,
    code: 'request/invalid-parameters',
  },
  {
    name: 'deleteMany counts what was there',
    method: 'POST',
    path: '/v1/cache/delete-many',
    body: { keys: ['user:3', 'user:404'] },
    status: 200,
    json: { deleted: 1 },
  },
  {
    name: 'flush, no prefix field',
    method: 'POST',
    path: '/v1/cache/flush',
    body: {},
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'flush, a prefix with a star',
    method: 'POST',
    path: '/v1/cache/flush',
    body: { prefix: 'user:*' },
    status: 400,
    code: 'request/invalid-body',
  },
  {
    name: 'flush a prefix',
    method: 'POST',
    path: '/v1/cache/flush',
    body: { prefix: 'user:' },
    status: 200,
    json: { deleted: 3 },
  },
  {
    name: 'flushed',
    method: 'GET',
    path: '/v1/cache?prefix=user',
    status: 200,
    json: { data: [], nextCursor: null },
  },
  {
    name: 'the counter outside the prefix stays',
    method: 'GET',
    path: '/v1/cache/stock',
    status: 200,
    json: { value: 4 },
  },
  {
    name: 'a key named like a batch path is still a key',
    method: 'PUT',
    path: '/v1/cache/get-many',
    body: { value: 'just a key' },
    status: 200,
    json: { key: 'get-many', value: 'just a key' },
  },
  {
    name: 'GET of it reads the key',
    method: 'GET',
    path: '/v1/cache/get-many',
    status: 200,
    json: { value: 'just a key' },
  },
  ...(
    [
      ['POST', '/v1/cache/get-many', { keys: ['a'] }],
      ['POST', '/v1/cache/set-many', { entries: [{ key: 'a', value: 1 }] }],
      ['POST', '/v1/cache/delete-many', { keys: ['a'] }],
      ['POST', '/v1/cache/flush', { prefix: '' }],
      ['POST', '/v1/cache/a/expire', { ttlSeconds: 1 }],
      ['POST', '/v1/cache/a/decrement', {}],
      ['GET', '/v1/cache', undefined],
    ] as const
  ).flatMap(([method, path, body]): Row[] => [
    {
      name: `${method} ${path} with the publishable key`,
      method,
      path,
      body,
      status: 403,
      code: 'auth/wrong-credential-type',
      as: 'publishable',
    },
    {
      name: `${method} ${path} without a credential`,
      method,
      path,
      body,
      status: 401,
      code: 'auth/missing-credentials',
      as: 'none',
    },
  ]),
];

describe.each(BACKENDS)('cache API on $name', (backend) => {
  let t: TestPlatform;
  let other: string;
  beforeAll(async () => {
    t = await testPlatform(backend, { env: { AEROSTACK_CACHE_MAX_VALUE_BYTES: String(MAX_VALUE_BYTES) } });
    const created = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'Other' },
    });
    other = created.json.secretKey.key;
  });
  afterAll(() => t?.close());

  it.each(rows)('$name → $status', async (row) => {
    const auth =
      row.as === 'publishable' ? t.keys.publishableKey : row.as === 'none' ? undefined : t.keys.secretKey;
    const res = await t.call({ method: row.method, path: row.path, body: row.body, auth });
    expect(res.status, res.text).toBe(row.status);
    if (row.code) expect(res.json.code).toBe(row.code);
    if (row.json) expect(res.json).toMatchObject(row.json as object);
  });

  it('pages through a listing with its cursor', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `page:${i}`);
    await t.call({
      method: 'POST',
      path: '/v1/cache/set-many',
      auth: t.keys.secretKey,
      body: { entries: keys.map((key) => ({ key, value: key })) },
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const res = await t.call({
        method: 'GET',
        path: `/v1/cache?prefix=page:&limit=3${query}`,
        auth: t.keys.secretKey,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.json.data.length).toBeLessThanOrEqual(3);
      seen.push(...res.json.data.map((item: { key: string }) => item.key));
      cursor = res.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(keys);
  });

  it('keeps every batch call inside the key’s project', async () => {
    const call = (auth: string, method: string, path: string, body?: unknown) =>
      t.call({ method, path, auth, body });
    const mine = t.keys.secretKey;
    await call(mine, 'POST', '/v1/cache/set-many', {
      entries: [
        { key: 'private:1', value: 'mine' },
        { key: 'private:2', value: 'mine' },
      ],
    });
    expect((await call(other, 'POST', '/v1/cache/get-many', { keys: ['private:1'] })).json.entries).toEqual(
      [],
    );
    expect((await call(other, 'GET', '/v1/cache?prefix=private')).json.data).toEqual([]);
    expect((await call(other, 'POST', '/v1/cache/delete-many', { keys: ['private:1'] })).json.deleted).toBe(
      0,
    );
    expect((await call(other, 'POST', '/v1/cache/flush', { prefix: '' })).json.deleted).toBe(0);
    expect((await call(other, 'POST', '/v1/cache/private:1/expire', { ttlSeconds: 1 })).status).toBe(404);
    await call(other, 'POST', '/v1/cache/set-many', { entries: [{ key: 'private:1', value: 'theirs' }] });
    const mineNow = await call(mine, 'POST', '/v1/cache/get-many', { keys: ['private:1', 'private:2'] });
    expect(mineNow.json.entries).toEqual([
      { key: 'private:1', value: 'mine', expiresAt: null },
      { key: 'private:2', value: 'mine', expiresAt: null },
    ]);
  });

  it('answers concurrent setMany calls on the same keys each whole', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `race:${i}`);
    await Promise.all(
      [1, 2, 3, 4, 5].map((round) =>
        t.call({
          method: 'POST',
          path: '/v1/cache/set-many',
          auth: t.keys.secretKey,
          body: { entries: keys.map((key) => ({ key, value: round })) },
        }),
      ),
    );
    const res = await t.call({
      method: 'POST',
      path: '/v1/cache/get-many',
      auth: t.keys.secretKey,
      body: { keys },
    });
    expect(res.json.entries).toHaveLength(20);
    expect(new Set(res.json.entries.map((e: { value: number }) => e.value)).size).toBe(1);
  });
});
