import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AerostackClient, createClient } from '../src';
import { startTestPlatform } from './support/platform';
import { rejectionOf as failure } from './support/rejection';

let platform: RunningPlatform;
let client: AerostackClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createClient({ url: platform.url, secretKey: platform.secretKey });
});
afterAll(() => platform?.close());

describe('health', () => {
  it('reports ok without a credential', async () => {
    const health = await createClient({ url: platform.url }).health();
    expect(health.status).toBe('ok');
    expect(health.version).toEqual(expect.any(String));
  });
});

describe('cache', () => {
  it('round-trips any JSON value', async () => {
    const value = { theme: 'dark', sizes: [1, 2, 3], nested: { ok: true, none: null } };
    const stored = await client.cache.set('prefs:1', value);
    expect(stored).toEqual({ key: 'prefs:1', value, expiresAt: null });
    await expect(client.cache.get<typeof value>('prefs:1')).resolves.toEqual(stored);
  });

  it('replaces a previous value', async () => {
    await client.cache.set('replace', 'one');
    await client.cache.set('replace', 'two');
    expect((await client.cache.get('replace'))?.value).toBe('two');
  });

  it('resolves null on a miss', async () => {
    await expect(client.cache.get('never-set')).resolves.toBeNull();
  });

  it('deletes, reporting whether there was an entry', async () => {
    await client.cache.set('doomed', 1);
    await expect(client.cache.delete('doomed')).resolves.toBe(true);
    await expect(client.cache.delete('doomed')).resolves.toBe(false);
    await expect(client.cache.get('doomed')).resolves.toBeNull();
  });

  it('expires an entry after its TTL', async () => {
    const before = Date.now();
    const stored = await client.cache.set('short-lived', 'x', { ttlSeconds: 1 });
    const expiresAt = Date.parse(stored.expiresAt ?? '');
    expect(expiresAt).toBeGreaterThanOrEqual(before + 900);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1_100);
    expect((await client.cache.get('short-lived'))?.value).toBe('x');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 50));
    await expect(client.cache.get('short-lived')).resolves.toBeNull();
  });

  it('increments from zero, by a step, and downwards', async () => {
    await expect(client.cache.increment('count:a')).resolves.toMatchObject({ key: 'count:a', value: 1 });
    await expect(client.cache.increment('count:a', { by: 10 })).resolves.toMatchObject({ value: 11 });
    await expect(client.cache.increment('count:a', { by: -12 })).resolves.toMatchObject({ value: -1 });
  });

  it('gives a created counter the TTL asked for', async () => {
    const counter = await client.cache.increment('count:ttl', { ttlSeconds: 60 });
    expect(Date.parse(counter.expiresAt ?? '')).toBeGreaterThan(Date.now() + 50_000);
  });

  it('counts 50 parallel increments exactly', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => client.cache.increment('count:parallel')),
    );
    expect(results.map((r) => r.value).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect((await client.cache.get('count:parallel'))?.value).toBe(50);
  });

  it('refuses to increment a value that is not an integer', async () => {
    await client.cache.set('not-a-number', 'hello');
    const error = await failure(client.cache.increment('not-a-number'));
    expect(error).toMatchObject({ code: 'cache/not-an-integer', status: 422 });
  });

  it('reports an invalid TTL with field errors', async () => {
    const error = await failure(client.cache.set('k', 1, { ttlSeconds: 0 }));
    expect(error).toMatchObject({ code: 'request/invalid-body', status: 400 });
    expect(error.errors?.map((e) => e.location)).toContain('body/ttlSeconds');
  });
});

describe('errors from the platform', () => {
  it('answers an unknown key with auth/invalid-credentials, a status and a request id', async () => {
    const stranger = createClient({ url: platform.url, secretKey: 'sk_thisKeyDoesNotExist0000000000' });
    const error = await failure(stranger.cache.get('k'));
    expect(error).toMatchObject({ code: 'auth/invalid-credentials', status: 401 });
    expect(error.requestId).toMatch(/\S/);
    expect(error.title).toMatch(/\S/);
  });

  it('answers a publishable key on the cache with auth/wrong-credential-type', async () => {
    const browser = createClient({ url: platform.url, publishableKey: platform.publishableKey });
    const error = await failure(browser.cache.set('k', 1));
    expect(error).toMatchObject({ code: 'auth/wrong-credential-type', status: 403 });
  });

  it('answers a missing credential with auth/missing-credentials', async () => {
    const error = await failure(createClient({ url: platform.url }).cache.get('k'));
    expect(error).toMatchObject({ code: 'auth/missing-credentials', status: 401 });
  });

  it('keeps the request id the caller sent', async () => {
    const stranger = createClient({ url: platform.url, secretKey: 'sk_thisKeyDoesNotExist0000000000' });
    const error = await failure(stranger.cache.get('k', { headers: { 'X-Request-Id': 'req_fromTheTest' } }));
    expect(error.requestId).toBe('req_fromTheTest');
  });
});

describe('http', () => {
  it('calls any operation of the spec, typed', async () => {
    const admin = createClient({ url: platform.url, accountKey: platform.accountKey });
    const project = await admin.http.GET('/v1/projects/{projectId}', {
      params: { path: { projectId: platform.projectId } },
    });
    expect(project.id).toBe(platform.projectId);
  });

  it('exposes the Response through raw', async () => {
    const { data, response } = await client.http.raw.GET('/healthz');
    expect(data?.status).toBe('ok');
    expect(response.headers.get('X-Request-Id')).toMatch(/\S/);
  });

  it('throws from raw too', async () => {
    const error = await failure(client.http.raw.GET('/v1/account'));
    expect(error.code).toBe('auth/wrong-credential-type');
  });
});
