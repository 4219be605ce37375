import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

describe.each(BACKENDS)('security on $name', (backend) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await testPlatform(backend);
  });
  afterAll(() => t?.close());

  const as = (key: string) => ({
    get: (path: string) => t.call({ method: 'GET', path, auth: key }),
    put: (path: string, body: unknown) => t.call({ method: 'PUT', path, auth: key, body }),
    post: (path: string, body?: unknown) => t.call({ method: 'POST', path, auth: key, body }),
  });

  it('keeps one project’s cache away from another project’s key', async () => {
    const other = await as(t.keys.accountKey).post('/v1/projects', { name: 'Other' });
    await as(t.keys.secretKey).put('/v1/cache/private', { value: 'mine' });
    const theirs = as(other.json.secretKey.key);
    expect((await theirs.get('/v1/cache/private')).status).toBe(404);
    await theirs.put('/v1/cache/private', { value: 'theirs' });
    expect((await as(t.keys.secretKey).get('/v1/cache/private')).json.value).toBe('mine');
  });

  it('hides another account’s projects as if they did not exist', async () => {
    const { account, keys, database } = t.platform.services;
    const accountId = (await account.create(database.db, 'Intruder')).id;
    const intruder = as((await keys.issue(database.db, { accountId, projectId: null }, 'account')).key);
    const projectPath = `/v1/projects/${t.keys.projectId}`;
    for (const res of [
      await intruder.get(projectPath),
      await intruder.get(`${projectPath}/keys`),
      await intruder.post(`${projectPath}/keys/rotate`, { type: 'secret' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.json.code).toBe('projects/not-found');
    }
    expect((await intruder.get('/v1/projects')).json.data).toEqual([]);
    expect((await as(t.keys.secretKey).get('/v1/cache/private')).status).toBe(200); // rotation did not happen
  });

  it('rotating a key revokes the old one on the next request', async () => {
    const created = await as(t.keys.accountKey).post('/v1/projects', { name: 'Rotating' });
    const old = created.json.secretKey.key as string;
    expect((await as(old).get('/v1/cache/anything')).status).toBe(404);
    const rotated = await as(t.keys.accountKey).post(`/v1/projects/${created.json.project.id}/keys/rotate`, {
      type: 'secret',
    });
    expect(rotated.status).toBe(201);
    expect(rotated.json.key).toMatch(/^sk_/);
    const denied = await as(old).get('/v1/cache/anything');
    expect(denied.status).toBe(401);
    expect(denied.json.code).toBe('auth/invalid-credentials');
    expect((await as(rotated.json.key).get('/v1/cache/anything')).status).toBe(404);
    // The publishable key was not touched.
    const keys = await as(t.keys.accountKey).get(`/v1/projects/${created.json.project.id}/keys`);
    const active = keys.json.data.filter((k: { revokedAt: string | null }) => k.revokedAt === null);
    expect(active.map((k: { type: string }) => k.type).sort()).toEqual(['publishable', 'secret']);
  });

  it('stores keys only as hashes', async () => {
    const rows = await t.platform.services.database.db.selectFrom('api_keys').selectAll().execute();
    const dump = JSON.stringify(rows);
    for (const key of [t.keys.accountKey, t.keys.secretKey, t.keys.publishableKey]) {
      expect(dump).not.toContain(key);
      expect(dump).not.toContain(key.slice(3, 20));
    }
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(String(r.hash)))).toBe(true);
  });

  it('turns an unexpected failure into a 500 that leaks nothing', async () => {
    const { cache } = t.platform.services;
    const original = cache.get;
    cache.get = async () => {
      throw new Error('connection to db-internal.example:5432 failed; password=hunter2');
    };
    try {
      const res = await as(t.keys.secretKey).get('/v1/cache/x');
      expect(res.status).toBe(500);
      expect(res.json.code).toBe('internal/unexpected');
      expect(res.json.requestId).toBe(res.headers.get('x-request-id'));
      expect(res.text).not.toMatch(/hunter2|db-internal|Error|at /);
    } finally {
      cache.get = original;
    }
  });

  it('answers a body over the limit with 413 and stores nothing', async () => {
    const huge = { value: 'x'.repeat(t.platform.services.config.bodyLimitBytes) };
    const res = await as(t.keys.secretKey).put('/v1/cache/huge', huge);
    expect(res.status).toBe(413);
    expect(res.json.code).toBe('request/body-too-large');
    expect((await as(t.keys.secretKey).get('/v1/cache/huge')).status).toBe(404);
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const mine = await t.call({
      method: 'GET',
      path: '/healthz',
      headers: { 'x-request-id': 'trace-123.abc' },
    });
    expect(mine.headers.get('x-request-id')).toBe('trace-123.abc');
    const unsafe = await t.call({
      method: 'GET',
      path: '/healthz',
      headers: { 'x-request-id': 'a b\u0001<script>' },
    });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
  });
});
