import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AerostackClient, createClient, type Job, memoryStorage, paginate } from '../src';
import { startTestPlatform } from './support/platform';
import { rejectionOf } from './support/rejection';

// client.queue against the real platform over HTTP: the producer and consumer calls, the typed
// errors of a lost lease and a bad state, the dead letter, and `watch` following a job live, for
// the secret key and for the signed-in end user the job was enqueued for.

let platform: RunningPlatform;
let admin: AerostackClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  admin = createClient({ url: platform.url, secretKey: platform.secretKey });
  const { version } = await admin.http.GET('/v1/rules');
  await admin.http.PUT('/v1/rules', {
    body: {
      version,
      learning: false,
      channels: [{ pattern: 'queue/users/{userId}/**', subscribe: 'owner' }],
      statements: [],
      tables: [],
    },
  });
});
afterAll(() => platform?.close());

describe('queue (client)', () => {
  it('enqueues, leases, heartbeats and acks, typed', async () => {
    const job = await admin.queue.enqueue<{ to: string }>(
      'client.mail',
      { to: 'ada@example.com' },
      { maxAttempts: 2 },
    );
    expect(job).toMatchObject({ status: 'queued', payload: { to: 'ada@example.com' }, maxAttempts: 2 });
    const [leased, ...none] = await admin.queue.pull({ types: ['client.mail'], leaseSeconds: 30 });
    expect(none).toEqual([]);
    expect(leased!.job.id).toBe(job.id);
    const lease = await admin.queue.heartbeat(job.id, leased!.leaseId, { leaseSeconds: 90 });
    expect(Date.parse(lease.leaseExpiresAt)).toBeGreaterThan(Date.parse(leased!.leaseExpiresAt));
    const done = await admin.queue.ack<{ sent: boolean }>(job.id, leased!.leaseId, { sent: true });
    expect(done.result).toEqual({ sent: true });
    expect((await admin.queue.get(job.id)).status).toBe('succeeded');
    const lost = await rejectionOf(admin.queue.ack(job.id, leased!.leaseId));
    expect([lost.status, lost.code]).toEqual([409, 'queue/lease-lost']);
    expect((await rejectionOf(admin.queue.cancel(job.id))).code).toBe('queue/invalid-state');
    expect((await rejectionOf(admin.queue.get(`job_${'0'.repeat(20)}`))).code).toBe('queue/not-found');
  });

  it('dead-letters, lists the dead letter page by page, redrives and cancels', async () => {
    const type = `client.dead.${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await admin.queue.enqueue(type, i, { maxAttempts: 1 })).id);
    for (const leased of await admin.queue.pull({ types: [type], limit: 3 })) {
      const failed = await admin.queue.fail(leased.job.id, leased.leaseId, 'no luck');
      expect(failed).toMatchObject({ status: 'dead', error: 'no luck' });
    }
    const dead: Job[] = [];
    for await (const job of paginate((cursor) =>
      admin.queue.list({ type, status: 'dead', limit: 2, cursor }),
    )) {
      dead.push(job);
    }
    expect(new Set(dead.map((j) => j.id))).toEqual(new Set(ids));
    expect((await admin.queue.redrive(ids[0]!)).status).toBe('queued');
    expect((await admin.queue.cancel(ids[1]!)).status).toBe('cancelled');
    expect((await admin.queue.list({ type, status: 'dead' })).data.map((j) => j.id)).toEqual([ids[2]]);
  });

  it('gives one job for one idempotency key', async () => {
    const key = `client-${Date.now()}`;
    const [a, b] = await Promise.all([
      admin.queue.enqueue('client.idem', { n: 1 }, { idempotencyKey: key }),
      admin.queue.enqueue('client.idem', { n: 1 }, { idempotencyKey: key }),
    ]);
    expect(a.id).toBe(b.id);
    const conflict = await rejectionOf(admin.queue.enqueue('client.idem', { n: 2 }, { idempotencyKey: key }));
    expect(conflict.code).toBe('queue/idempotency-conflict');
  });

  it('watches a job to its end over the realtime stream', async () => {
    const job = await admin.queue.enqueue('client.watch', null);
    const seen: string[] = [];
    for await (const state of admin.queue.watch(job.id)) {
      seen.push(state.status);
      if (state.status === 'queued') {
        const [leased] = await admin.queue.pull({ types: ['client.watch'] });
        await admin.queue.ack(job.id, leased!.leaseId, 'done');
      }
    }
    expect(seen[0]).toBe('queued');
    expect(seen.at(-1)).toBe('succeeded');
    expect(seen.every((s) => ['queued', 'running', 'succeeded'].includes(s))).toBe(true);
  });

  it('lets the end user a job is for read and watch it, and nobody else', async () => {
    const signedIn = async () => {
      const user = createClient({
        url: platform.url,
        publishableKey: platform.publishableKey,
        auth: { storage: memoryStorage() },
      });
      await user.auth.signUp({
        email: `u${Date.now()}${Math.random()}@example.com`,
        password: 'correct horse battery',
      });
      return user;
    };
    const ada = await signedIn();
    const bob = await signedIn();
    const adaId = (await ada.auth.getSession())!.user.id;
    const job = await admin.queue.enqueue('client.user', { for: 'ada' }, { userId: adaId });
    expect((await ada.queue.get(job.id)).payload).toEqual({ for: 'ada' });
    expect((await rejectionOf(bob.queue.get(job.id))).code).toBe('queue/not-found');
    expect((await rejectionOf(ada.queue.enqueue('client.user', 1))).status).toBe(403);
    const seen: string[] = [];
    for await (const state of ada.queue.watch(job.id)) {
      seen.push(state.status);
      expect(state.payload).toEqual({ for: 'ada' }); // kept from the first read
      if (state.status === 'queued') {
        const [leased] = await admin.queue.pull({ types: ['client.user'] });
        await admin.queue.fail(job.id, leased!.leaseId, 'fatal', { retry: false });
      }
    }
    expect(seen.at(-1)).toBe('dead');
  });
});
