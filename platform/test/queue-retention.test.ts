import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';
import { queueCaller } from './support/queue-calls.js';

// Retention of finished jobs (decision 0047): the sweep removes succeeded, cancelled and dead jobs
// once they are older than their status's setting, in bounded batches, on every backend; a dead
// job can be redriven until then, and `0` keeps a status for ever. Time moves through the queue's
// clock, so days pass at once.

const DAY = 86_400_000;

describe('queue retention settings', () => {
  it('defaults to 7 days for succeeded and cancelled jobs, 30 for dead ones', () => {
    expect(loadConfig({}).queue).toEqual({
      keepSucceededSeconds: 7 * 86_400,
      keepCancelledSeconds: 7 * 86_400,
      keepDeadSeconds: 30 * 86_400,
    });
  });

  it('takes 0 (for ever) and refuses what is not a non-negative integer', () => {
    expect(loadConfig({ AEROSTACK_QUEUE_KEEP_DEAD_SECONDS: '0' }).queue.keepDeadSeconds).toBe(0);
    for (const bad of ['-1', '1.5', 'week']) {
      expect(() => loadConfig({ AEROSTACK_QUEUE_KEEP_SUCCEEDED_SECONDS: bad })).toThrow(ConfigError);
    }
  });
});

describe.each(BACKENDS)('queue retention on $name', (backend) => {
  let t: TestPlatform;
  let q: ReturnType<typeof queueCaller>;
  let offset = 0;
  /** Moves the queue's clock forward by `ms`. */
  const advance = (ms: number) => {
    offset += ms;
    t.platform.services.queue.clock.now = () => Date.now() + offset;
  };
  const status = async (id: string) => {
    const res = await q.call('GET', `/v1/queue/jobs/${id}`);
    return res.status === 404 ? res.json.code : res.json.status;
  };
  const sweep = (batch?: number) => t.platform.services.queue.sweep(batch ? { batch } : {});

  /** A job of `type` taken to `end`; resolves its id. */
  async function finished(
    type: string,
    end: 'succeeded' | 'cancelled' | 'dead',
    key?: string,
  ): Promise<string> {
    const job = await q.enqueue({ type, ...(key ? { idempotencyKey: key } : {}) });
    if (end === 'cancelled') {
      expect((await q.call('POST', `/v1/queue/jobs/${job.id}/cancel`)).json.status).toBe('cancelled');
      return job.id;
    }
    const [leased] = await q.pull({ types: [type] });
    expect(leased?.job.id).toBe(job.id);
    const res =
      end === 'succeeded'
        ? await q.call('POST', `/v1/queue/jobs/${job.id}/ack`, { leaseId: leased!.leaseId })
        : await q.call('POST', `/v1/queue/jobs/${job.id}/fail`, {
            leaseId: leased!.leaseId,
            error: 'fatal',
            retry: false,
          });
    expect(res.json.status, res.text).toBe(end);
    return job.id;
  }

  beforeAll(async () => {
    // Cancelled jobs are kept for ever here; succeeded and dead ones use the defaults.
    t = await testPlatform(backend, { env: { AEROSTACK_QUEUE_KEEP_CANCELLED_SECONDS: '0' } });
    q = queueCaller(t);
  });
  afterAll(() => t?.close());

  it('removes finished jobs past their status’s age, keeps the rest, and frees their keys', async () => {
    const key = `once-${Date.now()}`;
    const succeeded = await finished('keep.a', 'succeeded', key);
    const cancelled = await finished('keep.b', 'cancelled');
    const dead = await finished('keep.c', 'dead');
    const redriven = await finished('keep.d', 'dead');
    const queued = (await q.enqueue({ type: 'keep.e' })).id;
    const running = (await q.enqueue({ type: 'keep.f' })).id;
    const [lease] = await q.pull({ types: ['keep.f'], leaseSeconds: 3600 });
    expect(lease?.job.id).toBe(running);

    advance(7 * DAY - 60_000);
    expect((await sweep()).removed).toBe(0);
    expect(await status(succeeded)).toBe('succeeded');

    advance(2 * 60_000); // a minute past 7 days
    const week = await sweep();
    expect(week.removed).toBe(1);
    expect(await status(succeeded)).toBe('queue/not-found');
    expect(await status(cancelled)).toBe('cancelled'); // 0: kept for ever
    expect(await status(dead)).toBe('dead');
    // Once its job is gone, the key may be used again: it held while the job was kept.
    const again = await q.raw('POST', '/v1/queue/jobs', { type: 'keep.a', idempotencyKey: key });
    expect(again.status).toBe(201);
    expect(again.json.id).not.toBe(succeeded);

    // A dead job is redriven on its 29th day; it starts over and is no longer old.
    advance(22 * DAY);
    expect((await q.call('POST', `/v1/queue/jobs/${redriven}/redrive`)).json.status).toBe('queued');
    advance(2 * DAY); // 31 days since both died
    expect((await sweep()).removed).toBe(1);
    expect(await status(dead)).toBe('queue/not-found');
    expect((await q.call('POST', `/v1/queue/jobs/${dead}/redrive`)).json.code).toBe('queue/not-found');
    expect(await status(redriven)).toBe('queued');
    // Waiting and running jobs are never removed, however old; the expired lease is ended instead.
    expect(await status(queued)).toBe('queued');
    expect(await status(running)).toBe('failed');
    expect(await status(cancelled)).toBe('cancelled');
  });

  it('removes a backlog batch by batch in one sweep, across projects', async () => {
    const other = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'other' },
    });
    const theirs = queueCaller(t, other.json.secretKey.key);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await finished(`backlog.${i}`, 'succeeded'));
    const job = await theirs.enqueue({ type: 'backlog.theirs' });
    const [leased] = await theirs.pull({ types: ['backlog.theirs'] });
    await theirs.call('POST', `/v1/queue/jobs/${job.id}/ack`, { leaseId: leased!.leaseId });

    advance(7 * DAY + 1);
    const today = await finished('backlog.today', 'succeeded');
    // Batches of 2: the six old jobs take three full batches and a fourth, empty one.
    expect((await sweep(2)).removed).toBe(6);
    for (const id of ids) expect(await status(id)).toBe('queue/not-found');
    expect((await theirs.call('GET', `/v1/queue/jobs/${job.id}`)).json.code).toBe('queue/not-found');
    expect(await status(today)).toBe('succeeded');
  });
});
