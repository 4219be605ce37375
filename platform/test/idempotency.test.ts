import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('scopes keys to the caller', async () => {
    const a = await create('k-scope', 'Scoped');
    // The same key from the same account is a replay; the scope is the account, not the key alone.
    expect((await create('k-scope', 'Scoped')).json.project.id).toBe(a.json.project.id);
  });

  it('rejects an over-long key', async () => {
    const res = await create('x'.repeat(256), 'Long');
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('request/invalid-parameters');
  });
});
