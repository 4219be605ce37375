import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { listen, type Server } from '../src/server.js';
import { BACKENDS } from './support/backends.js';
import { openSse } from './support/sse.js';

// End users and jobs (decision 0039): a backend enqueues a job for an end user (`userId`); that
// user's session reads it and, with the one channel rule the project adds, watches it change over
// the realtime stream. Other users see a 404 and are refused the channel; nobody but the platform
// publishes on `queue/…` channels.

describe.each(BACKENDS)('queue jobs of end users on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let server: Server;
  let keys: NonNullable<Server['platform']['keys']>;
  const users: Record<'alice' | 'bob', { id: string; token: string }> = {} as never;

  const call = async (method: string, path: string, auth: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    stores = await backend.create();
    const defaults = loadConfig({});
    server = await listen({
      ...defaults,
      port: 0,
      dataDir: stores.dataDir,
      databaseUrl: stores.databaseUrl,
      redisUrl: stores.redisUrl,
      masterKeys: stores.masterKeys,
      logLevel: 'error',
      validateResponses: true,
      auth: { ...defaults.auth, scrypt: { N: 1024, r: 8, p: 1 } },
    });
    keys = server.platform.keys!;
    for (const name of ['alice', 'bob'] as const) {
      const res = await call('POST', '/v1/auth/sign-up', keys.publishableKey, {
        email: `${name}@example.test`,
        password: 'correct horse battery',
      });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      users[name] = { id: res.json.user.id, token: res.json.accessToken };
    }
    const rules = await call('PUT', '/v1/rules', keys.secretKey, {
      version: 0,
      channels: [{ pattern: 'queue/users/{userId}/**', subscribe: 'owner' }],
      statements: [],
      tables: [],
      learning: false,
    });
    expect(rules.status, JSON.stringify(rules.json)).toBe(200);
  });
  afterAll(async () => {
    await server?.close(1_000);
    await stores?.cleanup();
  });

  it('lets the user a job is for read it and watch it; nobody else', async () => {
    const enqueued = await call('POST', '/v1/queue/jobs', keys.secretKey, {
      type: 'report.build',
      payload: { month: 11 },
      userId: users.alice.id,
    });
    expect(enqueued.status).toBe(201);
    const job = enqueued.json;
    expect(job.channel).toBe(`queue/users/${users.alice.id}/jobs/${job.id}`);

    expect((await call('GET', `/v1/queue/jobs/${job.id}`, users.alice.token)).json).toMatchObject({
      id: job.id,
    });
    const asBob = await call('GET', `/v1/queue/jobs/${job.id}`, users.bob.token);
    expect([asBob.status, asBob.json.code]).toEqual([404, 'queue/not-found']);
    // Another job of the project, for no user, is not Alice's either.
    const other = await call('POST', '/v1/queue/jobs', keys.secretKey, { type: 'report.other' });
    expect((await call('GET', `/v1/queue/jobs/${other.json.id}`, users.alice.token)).status).toBe(404);
    // End users never enqueue, pull or cancel.
    for (const [method, path, body] of [
      ['POST', '/v1/queue/jobs', { type: 'x' }],
      ['POST', '/v1/queue/pull', {}],
      ['POST', `/v1/queue/jobs/${job.id}/cancel`, undefined],
    ] as const) {
      expect((await call(method, path, users.alice.token, body)).status).toBe(403);
    }

    const url = `${server.url}/v1/realtime/events?channel=${encodeURIComponent(job.channel)}`;
    const denied = await openSse(url, { authorization: `Bearer ${users.bob.token}` });
    expect(denied.status).toBe(403);
    denied.close();
    const stream = await openSse(url, { authorization: `Bearer ${users.alice.token}` });
    expect(stream.status).toBe(200);
    await stream.next((f) => f.event === 'subscribed');

    const [leased] = (
      await call('POST', '/v1/queue/pull', keys.secretKey, { types: ['report.build'], limit: 1 })
    ).json.data;
    expect(leased.job.id).toBe(job.id);
    await call('POST', `/v1/queue/jobs/${job.id}/ack`, keys.secretKey, {
      leaseId: leased.leaseId,
      result: { rows: 3 },
    });
    // Job changes are announced after their answers (decision 0047): the enqueue's may still
    // arrive after the stream subscribed, ahead of the two that follow it.
    const isChange = (status: string) => (f: { event?: string; data?: { data?: { status?: string } } }) =>
      f.event === 'message' && f.data?.data?.status === status;
    const running = await stream.next(isChange('running'), 20_000);
    const succeeded = await stream.next(isChange('succeeded'), 20_000);
    expect(running!.data).toMatchObject({
      channel: job.channel,
      event: 'job',
      data: { id: job.id, status: 'running' },
    });
    expect(succeeded!.data.data).toMatchObject({ status: 'succeeded', result: { rows: 3 } });
    expect(running!.data.data).not.toHaveProperty('payload'); // never changes: read once
    stream.close();
  });

  it('keeps queue channels for the platform alone', async () => {
    for (const auth of [keys.secretKey, users.alice.token]) {
      const res = await call('POST', '/v1/realtime/messages', auth, {
        channel: `queue/users/${users.alice.id}/jobs/job_${'1'.repeat(20)}`,
        event: 'job',
        data: { status: 'succeeded' },
      });
      expect([res.status, res.json.code]).toEqual([403, 'realtime/reserved-channel']);
      expect(res.json.detail).toMatch(/the queue's job changes/);
    }
  });
});
