import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AerostackClient, createClient, isAerostackError } from '../src';
import { startTestPlatform } from './support/platform';
import { rejectionOf as failure } from './support/rejection';

// client.cache beyond one key, against the real platform over HTTP (a low value limit, so that
// `cache/value-too-large` is reachable under the body limit).

const MAX_VALUE_BYTES = 1024;

let platform: RunningPlatform;
let client: AerostackClient;
let requests: string[];

beforeAll(async () => {
  platform = await startTestPlatform({ AEROSTACK_CACHE_MAX_VALUE_BYTES: String(MAX_VALUE_BYTES) });
  requests = [];
  client = createClient({
    url: platform.url,
    secretKey: platform.secretKey,
    fetch: (request) => {
      requests.push(`${request.method} ${new URL(request.url).pathname}`);
      return fetch(request);
    },
  });
});
afterAll(() => platform?.close());

let counter = 0;
/** A key prefix no other test uses. */
const scope = (name: string) => `core:${name}:${++counter}:`;

describe('cache batch calls', () => {
  it('setMany writes all entries and getMany lines them up with the keys asked', async () => {
    const p = scope('many');
    const written = await client.cache.setMany([
      { key: `${p}a`, value: { n: 1 }, ttlSeconds: 600 },
      { key: `${p}b`, value: 'two' },
    ]);
    expect(written).toEqual([
      { key: `${p}a`, value: { n: 1 }, expiresAt: expect.any(String) },
      { key: `${p}b`, value: 'two', expiresAt: null },
    ]);
    const [b, missing, a, bAgain] = await client.cache.getMany([`${p}b`, `${p}missing`, `${p}a`, `${p}b`]);
    expect(b).toEqual({ key: `${p}b`, value: 'two', expiresAt: null });
    expect(missing).toBeNull();
    expect(a?.value).toEqual({ n: 1 });
    expect(bAgain).toEqual(b);
  });

  it('getMany and deleteMany of no keys answer without a request', async () => {
    const before = requests.length;
    await expect(client.cache.getMany([])).resolves.toEqual([]);
    await expect(client.cache.deleteMany([])).resolves.toBe(0);
    expect(requests.length).toBe(before);
  });

  it('setMany is all or nothing: one value over the limit writes none', async () => {
    const p = scope('atomic');
    await client.cache.set(`${p}kept`, 'before');
    const error = await failure(
      client.cache.setMany([
        { key: `${p}kept`, value: 'after' },
        { key: `${p}big`, value: 'x'.repeat(MAX_VALUE_BYTES) },
      ]),
    );
    expect(isAerostackError(error) && error.code).toBe('cache/value-too-large');
    expect(isAerostackError(error) && error.status).toBe(413);
    expect((await client.cache.get(`${p}kept`))?.value).toBe('before');
    expect(await client.cache.get(`${p}big`)).toBeNull();
  });

  it('setMany refuses a key given twice', async () => {
    const p = scope('dup');
    const error = await failure(
      client.cache.setMany([
        { key: `${p}a`, value: 1 },
        { key: `${p}a`, value: 2 },
      ]),
    );
    expect(isAerostackError(error) && [error.status, error.code]).toEqual([422, 'cache/duplicate-key']);
    expect(await client.cache.get(`${p}a`)).toBeNull();
  });

  it('set refuses a value over the limit with a clear error', async () => {
    const error = await failure(client.cache.set(scope('big'), 'é'.repeat(MAX_VALUE_BYTES / 2)));
    expect(isAerostackError(error) && error.code).toBe('cache/value-too-large');
    expect(isAerostackError(error) && error.message).toMatch(/1026 bytes.*limit is 1024/);
  });

  it('deleteMany counts the entries that were there, once per key', async () => {
    const p = scope('del');
    await client.cache.setMany([
      { key: `${p}a`, value: 1 },
      { key: `${p}b`, value: 2 },
    ]);
    await expect(client.cache.deleteMany([`${p}a`, `${p}a`, `${p}b`, `${p}never`])).resolves.toBe(2);
    await expect(client.cache.getMany([`${p}a`, `${p}b`])).resolves.toEqual([null, null]);
  });
});

describe('cache expiry and counters', () => {
  it('expire sets, removes and misses', async () => {
    const key = `${scope('expire')}k`;
    await client.cache.set(key, 'v');
    const set = await client.cache.expire(key, 120);
    expect(set?.key).toBe(key);
    expect(Date.parse(set?.expiresAt ?? '')).toBeGreaterThan(Date.now() + 100_000);
    await expect(client.cache.expire(key, null)).resolves.toEqual({ key, expiresAt: null });
    expect((await client.cache.get(key))?.expiresAt).toBeNull();
    await expect(client.cache.expire(`${key}-missing`, 10)).resolves.toBeNull();
  });

  it('an entry expire shortened is gone after its new TTL', async () => {
    const key = `${scope('expire-short')}k`;
    await client.cache.set(key, 'v', { ttlSeconds: 3600 });
    const { expiresAt } = (await client.cache.expire(key, 1)) ?? { expiresAt: null };
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(expiresAt ?? '') - Date.now()) + 50),
    );
    await expect(client.cache.get(key)).resolves.toBeNull();
  });

  it('decrement subtracts, from zero for a new key, keeping increment intact', async () => {
    const key = `${scope('stock')}k`;
    await expect(client.cache.decrement(key)).resolves.toMatchObject({ key, value: -1 });
    await expect(client.cache.increment(key, { by: 11 })).resolves.toMatchObject({ value: 10 });
    await expect(client.cache.decrement(key, { by: 4 })).resolves.toMatchObject({ value: 6 });
    await expect(client.cache.increment(key, { by: -6 })).resolves.toMatchObject({ value: 0 });
    const error = await failure(client.cache.decrement(key, { by: -1 }));
    expect(isAerostackError(error) && error.code).toBe('request/invalid-body');
  });

  it('decrement gives a created counter its TTL', async () => {
    const counter = await client.cache.decrement(`${scope('window')}k`, { ttlSeconds: 60 });
    expect(Date.parse(counter.expiresAt ?? '')).toBeGreaterThan(Date.now() + 50_000);
  });
});

describe('cache listing and flushing', () => {
  it('list pages through the keys under a prefix with its cursor', async () => {
    const p = scope('list');
    const keys = Array.from({ length: 5 }, (_, i) => `${p}${i}`);
    await client.cache.setMany(
      keys.map((key, i) => ({ key, value: i, ttlSeconds: i === 0 ? 60 : undefined })),
    );
    const first = await client.cache.list({ prefix: p, limit: 2 });
    expect(first.data).toEqual([
      { key: keys[0], expiresAt: expect.any(String) },
      { key: keys[1], expiresAt: null },
    ]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await client.cache.list({ prefix: p, limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.data.map((k) => k.key)).toEqual([keys[2], keys[3]]);
    const third = await client.cache.list({ prefix: p, limit: 2, cursor: second.nextCursor ?? undefined });
    expect(third).toEqual({ data: [{ key: keys[4], expiresAt: null }], nextCursor: null });
  });

  it('keys iterates every key, page by page', async () => {
    const p = scope('keys');
    const keys = Array.from({ length: 7 }, (_, i) => `${p}${String(i).padStart(2, '0')}`);
    await client.cache.setMany(keys.map((key) => ({ key, value: key })));
    const before = requests.length;
    const seen: string[] = [];
    for await (const key of client.cache.keys({ prefix: p, pageSize: 3 })) seen.push(key);
    expect(seen).toEqual(keys);
    expect(requests.slice(before)).toEqual(['GET /v1/cache', 'GET /v1/cache', 'GET /v1/cache']);
  });

  it('a cursor not issued by the list is a clear error', async () => {
    const error = await failure(client.cache.list({ cursor: 'bm90LWEtY3Vyc29y' }));
    expect(isAerostackError(error) && [error.status, error.code]).toEqual([
      400,
      'request/invalid-parameters',
    ]);
  });

  it('flush deletes a prefix and counts; other keys stay', async () => {
    const p = scope('flush');
    await client.cache.setMany([
      { key: `${p}a`, value: 1 },
      { key: `${p}b:c`, value: 2 },
      { key: `${p.slice(0, -1)}-outside`, value: 3 },
    ]);
    await expect(client.cache.flush(p)).resolves.toBe(2);
    await expect(client.cache.list({ prefix: p })).resolves.toEqual({ data: [], nextCursor: null });
    expect((await client.cache.get(`${p.slice(0, -1)}-outside`))?.value).toBe(3);
  });

  it('another project sees none of it', async () => {
    const p = scope('isolated');
    await client.cache.setMany([{ key: `${p}a`, value: 'mine' }]);
    const admin = createClient({ url: platform.url, accountKey: platform.accountKey });
    const { secretKey } = await admin.http.POST('/v1/projects', { body: { name: 'Other' } });
    const theirs = createClient({ url: platform.url, secretKey: secretKey.key });
    await expect(theirs.cache.getMany([`${p}a`])).resolves.toEqual([null]);
    await expect(theirs.cache.list({ prefix: p })).resolves.toEqual({ data: [], nextCursor: null });
    await expect(theirs.cache.flush('')).resolves.toBe(0);
    expect((await client.cache.get(`${p}a`))?.value).toBe('mine');
  });
});
