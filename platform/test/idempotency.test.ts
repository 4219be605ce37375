import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../src/db/database.js';
import { createIdempotency, LEASE_MS } from '../src/http/idempotency/index.js';
import type { IdempotencyTables } from '../src/http/idempotency/store.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

describe.each(BACKENDS)('Idempotency-Key on $name', (backend) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await testPlatform(backend);
  });
  afterAll(() => t?.close());

  const create = (key: string, name: string) =>
    t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      headers: { 'idempotency-key': key },
      body: { name },
    });

  it('replays the first response instead of creating twice', async () => {
    const first = await create('k-replay', 'Once');
    const second = await create('k-replay', 'Once');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const list = await t.call({ method: 'GET', path: '/v1/projects', auth: t.keys.accountKey });
    expect(list.json.data.filter((p: { name: string }) => p.name === 'Once')).toHaveLength(1);
  });

  it('refuses the same key with a different request', async () => {
    await create('k-reused', 'First');
    const res = await create('k-reused', 'Different');
    expect(res.status).toBe(422);
    expect(res.json.code).toBe('idempotency/key-reused');
  });

  it('acts once under concurrent replays', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => create('k-race', 'Raced')));
    const ok = answers.filter((a) => a.status === 201);
    for (const a of answers) expect([201, 409]).toContain(a.status);
    expect(new Set(ok.map((a) => a.json.project.id)).size).toBe(1);
    const list = await t.call({ method: 'GET', path: '/v1/projects?limit=1000', auth: t.keys.accountKey });
    expect(list.json.data.filter((p: { name: string }) => p.name === 'Raced')).toHaveLength(1);
  });

  it('does not remember failures, so the same key can be retried', async () => {
    const path = '/v1/projects/prj_0000000000000000/keys/rotate';
    const call = () =>
      t.call({
        method: 'POST',
        path,
        auth: t.keys.accountKey,
        headers: { 'idempotency-key': 'k-fail' },
        body: { type: 'secret' },
      });
    expect((await call()).status).toBe(404);
    expect((await call()).status).toBe(404);
  });

  it('scopes keys to the caller: another account with the same key acts on its own', async () => {
    const { account, keys, database } = t.platform.services;
    const other = (await account.create(database.db, 'Other account')).id;
    const otherKey = (await keys.issue(database.db, { accountId: other, projectId: null }, 'account')).key;
    const createAs = (credential: string) =>
      t.call({
        method: 'POST',
        path: '/v1/projects',
        auth: credential,
        headers: { 'idempotency-key': 'k-shared' },
        body: { name: 'Shared key' },
      });
    const mine = await createAs(t.keys.accountKey);
    const theirs = await createAs(otherKey);
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.json.project.id).not.toBe(mine.json.project.id);
    // Each caller's replay is its own first response.
    expect((await createAs(t.keys.accountKey)).json.project.id).toBe(mine.json.project.id);
    expect((await createAs(otherKey)).json.project.id).toBe(theirs.json.project.id);
    const list = await t.call({ method: 'GET', path: '/v1/projects', auth: otherKey });
    expect(list.json.data.map((p: { id: string }) => p.id)).toEqual([theirs.json.project.id]);
  });

  it('does not replay a failure: the same key may then carry a different request', async () => {
    const path = '/v1/projects/prj_0000000000000000/keys/rotate';
    const failed = await t.call({
      method: 'POST',
      path,
      auth: t.keys.accountKey,
      headers: { 'idempotency-key': 'k-after-failure' },
      body: { type: 'secret' },
    });
    expect(failed.status).toBe(404);
    expect(failed.headers.get('idempotent-replayed')).toBeNull();
    const next = await create('k-after-failure', 'After a failure');
    expect(next.status).toBe(201);
  });

  it('answers a reused key and a running first request with declared problems', async () => {
    await create('k-problems', 'First');
    const reused = await create('k-problems', 'Second');
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toBe('application/problem+json');
    expect(reused.json).toMatchObject({ code: 'idempotency/key-reused', status: 422 });
  });

  it('gives a claim a lease: a request whose process died frees its key once the lease runs out', async () => {
    const db = tables<IdempotencyTables>(t.platform.services.database);
    let clock = Date.now();
    const idempotency = createIdempotency(db, t.platform.services.vault, () => clock);
    const scope = 'test:lease';
    // The first request claims the key and never finishes (its process died).
    void idempotency.run(scope, 'k-lease', 'same request', () => new Promise(() => {}));
    await new Promise((r) => setTimeout(r, 50));
    await expect(
      idempotency.run(scope, 'k-lease', 'same request', async () => ({ status: 201, body: '{}' })),
    ).rejects.toMatchObject({ code: 'idempotency/in-progress', extra: { headers: { 'retry-after': '5' } } });
    clock += LEASE_MS + 1;
    const retried = await idempotency.run(scope, 'k-lease', 'same request', async () => ({
      status: 201,
      body: '{"taken":"over"}',
    }));
    expect(retried).toEqual({ status: 201, body: '{"taken":"over"}', replayed: false });
    expect(
      await idempotency.run(scope, 'k-lease', 'same request', async () => ({ status: 500, body: null })),
    ).toEqual({
      status: 201,
      body: '{"taken":"over"}',
      replayed: true,
    });
  });

  it('rejects an over-long key', async () => {
    const res = await create('x'.repeat(256), 'Long');
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('request/invalid-parameters');
  });
});
