import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';
import { type Clock, queueCaller } from './support/queue-calls.js';

// The queue over its HTTP API on every backend: validation, tenant isolation, the job lifecycle
// (lease, heartbeat, ack, fail with backoff, dead letter, redrive, cancel), the lease rules (an
// expired or superseded lease changes nothing), idempotency keys under concurrent enqueues, and no
// two live leases under many concurrent pulls. Time moves through the queue's clock, not sleeps.

const UNKNOWN = `job_${'0'.repeat(20)}`;
const LEASE = `lse_${'0'.repeat(20)}`;

describe.each(BACKENDS)('queue on $name', (backend) => {
  let t: TestPlatform;
  let q: ReturnType<typeof queueCaller>;
  let clock: Clock;
  let otherSecretKey: string;

  beforeAll(async () => {
    t = await testPlatform(backend);
    clock = t.platform.services.queue.clock;
    q = queueCaller(t);
    const other = await t.call({
      method: 'POST',
      path: '/v1/projects',
      auth: t.keys.accountKey,
      body: { name: 'other' },
    });
    otherSecretKey = other.json.secretKey.key;
  });
  afterAll(() => t?.close());

  /** Moves the queue's clock forward by `ms` (it stays where tests leave it: always forward). */
  let offset = 0;
  const advance = (ms: number) => {
    offset += ms;
    clock.now = () => Date.now() + offset;
  };

  const rows = [
    {
      name: 'enqueue without type',
      path: '/v1/queue/jobs',
      body: { payload: 1 },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'enqueue, bad type',
      path: '/v1/queue/jobs',
      body: { type: 'a b' },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'enqueue, unknown field',
      path: '/v1/queue/jobs',
      body: { type: 'a', priority: 1 },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'enqueue, negative delay',
      path: '/v1/queue/jobs',
      body: { type: 'a', delaySeconds: -1 },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'enqueue, zero attempts',
      path: '/v1/queue/jobs',
      body: { type: 'a', maxAttempts: 0 },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'enqueue, string attempts',
      path: '/v1/queue/jobs',
      body: { type: 'a', maxAttempts: '3' },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'enqueue, bad user id',
      path: '/v1/queue/jobs',
      body: { type: 'a', userId: 'bob' },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'enqueue, huge payload',
      path: '/v1/queue/jobs',
      body: { type: 'a', payload: 'x'.repeat(300_000) },
      status: 413,
    },
    {
      name: 'pull, limit 0',
      path: '/v1/queue/pull',
      body: { limit: 0 },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'pull, lease too long',
      path: '/v1/queue/pull',
      body: { leaseSeconds: 7200 },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'pull, empty types',
      path: '/v1/queue/pull',
      body: { types: [] },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'ack, no lease',
      path: `/v1/queue/jobs/${UNKNOWN}/ack`,
      body: {},
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'ack, malformed lease',
      path: `/v1/queue/jobs/${UNKNOWN}/ack`,
      body: { leaseId: 'x' },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'ack, unknown job',
      path: `/v1/queue/jobs/${UNKNOWN}/ack`,
      body: { leaseId: LEASE },
      status: 404,
      code: 'queue/not-found',
    },
    {
      name: 'fail, no error',
      path: `/v1/queue/jobs/${UNKNOWN}/fail`,
      body: { leaseId: LEASE },
      status: 400,
      code: 'request/invalid-body',
    },
    {
      name: 'fail, unknown job',
      path: `/v1/queue/jobs/${UNKNOWN}/fail`,
      body: { leaseId: LEASE, error: 'e' },
      status: 404,
      code: 'queue/not-found',
    },
    {
      name: 'heartbeat, unknown job',
      path: `/v1/queue/jobs/${UNKNOWN}/heartbeat`,
      body: { leaseId: LEASE },
      status: 404,
      code: 'queue/not-found',
    },
    {
      name: 'cancel, unknown job',
      path: `/v1/queue/jobs/${UNKNOWN}/cancel`,
      status: 404,
      code: 'queue/not-found',
    },
    {
      name: 'redrive, unknown job',
      path: `/v1/queue/jobs/${UNKNOWN}/redrive`,
      status: 404,
      code: 'queue/not-found',
    },
    {
      name: 'get, malformed id',
      method: 'GET',
      path: '/v1/queue/jobs/nope',
      status: 400,
      code: 'request/invalid-parameters',
    },
    {
      name: 'get, unknown id',
      method: 'GET',
      path: `/v1/queue/jobs/${UNKNOWN}`,
      status: 404,
      code: 'queue/not-found',
    },
    {
      name: 'list, bad status',
      method: 'GET',
      path: '/v1/queue/jobs?status=lost',
      status: 400,
      code: 'request/invalid-parameters',
    },
    {
      name: 'list, forged cursor',
      method: 'GET',
      path: '/v1/queue/jobs?cursor=abc',
      status: 400,
      code: 'request/invalid-parameters',
    },
  ];

  it.each(rows)('$name → $status', async (row) => {
    const res = await t.call({
      method: row.method ?? 'POST',
      path: row.path,
      body: row.body,
      auth: t.keys.secretKey,
    });
    expect(res.status, res.text).toBe(row.status);
    if (row.code) expect(res.json.code).toBe(row.code);
  });

  it('refuses the publishable key and no credential', async () => {
    const pk = await t.call({
      method: 'POST',
      path: '/v1/queue/jobs',
      body: { type: 'a' },
      auth: t.keys.publishableKey,
    });
    expect(pk.json.code).toBe('auth/wrong-credential-type');
    const none = await t.call({ method: 'POST', path: '/v1/queue/pull', body: {} });
    expect(none.status).toBe(401);
    const get = await t.call({
      method: 'GET',
      path: `/v1/queue/jobs/${UNKNOWN}`,
      auth: t.keys.publishableKey,
    });
    expect(get.status).toBe(403);
  });

  it('runs a job: enqueue, pull, heartbeat, ack', async () => {
    const type = 'life.ok';
    const job = await q.enqueue({ type, payload: { n: 1 } });
    expect(job).toMatchObject({ type, status: 'queued', attempts: 0, maxAttempts: 5, payload: { n: 1 } });
    expect(job.channel).toBe(`queue/jobs/${job.id}`);
    const [leased, ...more] = await q.pull({ types: [type], leaseSeconds: 60 });
    expect(more).toEqual([]);
    expect(leased!.job).toMatchObject({ id: job.id, status: 'running', attempts: 1 });
    expect(leased!.leaseId).toMatch(/^lse_/);
    const beat = await q.call('POST', `/v1/queue/jobs/${job.id}/heartbeat`, {
      leaseId: leased!.leaseId,
      leaseSeconds: 120,
    });
    expect(beat.status, beat.text).toBe(200);
    expect(Date.parse(beat.json.leaseExpiresAt)).toBeGreaterThan(Date.parse(leased!.leaseExpiresAt));
    // Past the 60 s the pull granted, within the heartbeat's 120 s: the lease still holds.
    advance(61_000);
    expect(await q.pull({ types: [type] })).toEqual([]);
    const acked = await q.call('POST', `/v1/queue/jobs/${job.id}/ack`, {
      leaseId: leased!.leaseId,
      result: { ok: true },
    });
    expect(acked.status, acked.text).toBe(200);
    expect(acked.json).toMatchObject({ status: 'succeeded', result: { ok: true }, leaseExpiresAt: null });
    expect(acked.json.finishedAt).not.toBeNull();
    // A second ack with the same lease: the job is no longer under it.
    const again = await q.call('POST', `/v1/queue/jobs/${job.id}/ack`, { leaseId: leased!.leaseId });
    expect(again.json.code).toBe('queue/lease-lost');
    expect(await q.pull({ types: [type] })).toEqual([]);
    const cancel = await q.call('POST', `/v1/queue/jobs/${job.id}/cancel`);
    expect(cancel.json.code).toBe('queue/invalid-state');
  });

  it('leases at most `limit` jobs, oldest available first', async () => {
    const type = 'life.limit';
    const jobs = [];
    for (let i = 0; i < 4; i++) jobs.push(await q.enqueue({ type, payload: i, delaySeconds: 0 }));
    const first = await q.pull({ types: [type] });
    expect(first).toHaveLength(1);
    const next = await q.pull({ types: [type], limit: 2 });
    expect(next).toHaveLength(2);
    const rest = await q.pull({ types: [type], limit: 100 });
    expect(rest).toHaveLength(1);
    expect(new Set([...first, ...next, ...rest].map((l) => l.job.id))).toEqual(
      new Set(jobs.map((j) => j.id)),
    );
  });

  it('keeps a delayed job until its time', async () => {
    const type = 'life.delay';
    const job = await q.enqueue({ type, delaySeconds: 300 });
    expect(await q.pull({ types: [type] })).toEqual([]);
    advance(301_000);
    const [leased] = await q.pull({ types: [type] });
    expect(leased?.job.id).toBe(job.id);
  });

  it('hands an expired lease to the next consumer and rejects the first one’s late ack', async () => {
    const type = 'life.expire';
    const job = await q.enqueue({ type });
    const [first] = await q.pull({ types: [type], leaseSeconds: 10 });
    expect(await q.pull({ types: [type] })).toEqual([]); // live lease: nobody else gets it
    advance(11_000);
    const beat = await q.call('POST', `/v1/queue/jobs/${job.id}/heartbeat`, { leaseId: first!.leaseId });
    expect(beat.json.code).toBe('queue/lease-lost'); // expired, even before anyone re-leased it
    const [second] = await q.pull({ types: [type], leaseSeconds: 10 });
    expect(second!.job).toMatchObject({ id: job.id, attempts: 2 });
    expect(second!.job.error).toMatch(/expired/);
    expect(second!.leaseId).not.toBe(first!.leaseId);
    const late = await q.call('POST', `/v1/queue/jobs/${job.id}/ack`, {
      leaseId: first!.leaseId,
      result: 'late',
    });
    expect(late.status).toBe(409);
    expect(late.json.code).toBe('queue/lease-lost');
    const lateFail = await q.call('POST', `/v1/queue/jobs/${job.id}/fail`, {
      leaseId: first!.leaseId,
      error: 'x',
    });
    expect(lateFail.json.code).toBe('queue/lease-lost');
    const ok = await q.call('POST', `/v1/queue/jobs/${job.id}/ack`, {
      leaseId: second!.leaseId,
      result: 'second',
    });
    expect(ok.json).toMatchObject({ status: 'succeeded', result: 'second', attempts: 2 });
  });

  it('rejects an ack or fail under an expired lease before anyone has leased the job again', async () => {
    const type = 'life.expired-unclaimed';
    const job = await q.enqueue({ type });
    const [first] = await q.pull({ types: [type], leaseSeconds: 10 });
    advance(11_000);
    // No pull and no sweep since: the job still reads as running under that lease.
    expect((await q.call('GET', `/v1/queue/jobs/${job.id}`)).json).toMatchObject({ status: 'running' });
    const ack = await q.call('POST', `/v1/queue/jobs/${job.id}/ack`, { leaseId: first!.leaseId, result: 1 });
    expect([ack.status, ack.json.code]).toEqual([409, 'queue/lease-lost']);
    const fail = await q.call('POST', `/v1/queue/jobs/${job.id}/fail`, {
      leaseId: first!.leaseId,
      error: 'x',
    });
    expect([fail.status, fail.json.code]).toEqual([409, 'queue/lease-lost']);
    // Neither changed the job: the next consumer gets its second attempt, with no result.
    const [second] = await q.pull({ types: [type] });
    expect(second!.job).toMatchObject({ id: job.id, status: 'running', attempts: 2, result: null });
  });

  it('retries failures with exponential backoff, then dead-letters, then redrives', async () => {
    const type = 'life.fail';
    const job = await q.enqueue({ type, maxAttempts: 3, backoffSeconds: 10 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [leased] = await q.pull({ types: [type] });
      expect(leased?.job.attempts).toBe(attempt);
      const failed = await q.call('POST', `/v1/queue/jobs/${job.id}/fail`, {
        leaseId: leased!.leaseId,
        error: `boom ${attempt}`,
      });
      expect(failed.status, failed.text).toBe(200);
      if (attempt < 3) {
        expect(failed.json).toMatchObject({ status: 'failed', error: `boom ${attempt}` });
        const wait = Date.parse(failed.json.availableAt) - Date.parse(failed.json.updatedAt);
        delays.push(wait);
        expect(await q.pull({ types: [type] })).toEqual([]); // not before its backoff
        advance(wait + 1);
      } else {
        expect(failed.json).toMatchObject({ status: 'dead', error: 'boom 3' });
      }
    }
    expect(delays).toEqual([10_000, 20_000]);
    const dead = await q.call('GET', `/v1/queue/jobs?type=${type}&status=dead`);
    expect(dead.json.data.map((j: { id: string }) => j.id)).toEqual([job.id]);
    expect(await q.pull({ types: [type] })).toEqual([]);
    const again = await q.call('POST', `/v1/queue/jobs/${job.id}/redrive`);
    expect(again.json).toMatchObject({ status: 'queued', attempts: 0, finishedAt: null });
    const twice = await q.call('POST', `/v1/queue/jobs/${job.id}/redrive`);
    expect(twice.json.code).toBe('queue/invalid-state');
    const [leased] = await q.pull({ types: [type] });
    expect(leased?.job).toMatchObject({ id: job.id, attempts: 1 });
    const noRetry = await q.call('POST', `/v1/queue/jobs/${job.id}/fail`, {
      leaseId: leased!.leaseId,
      error: 'fatal',
      retry: false,
    });
    expect(noRetry.json).toMatchObject({ status: 'dead', attempts: 1 });
  });

  it('dead-letters a job whose last attempt’s lease expired', async () => {
    const type = 'life.lastlease';
    const job = await q.enqueue({ type, maxAttempts: 1 });
    await q.pull({ types: [type], leaseSeconds: 5 });
    advance(6_000);
    expect(await q.pull({ types: [type] })).toEqual([]);
    const res = await q.call('GET', `/v1/queue/jobs/${job.id}`);
    expect(res.json).toMatchObject({ status: 'dead', attempts: 1, leaseExpiresAt: null });
    expect(res.json.error).toMatch(/expired/);
  });

  it('ends expired leases in a sweep: the job waits for its retry, or dies on its last attempt', async () => {
    const type = 'life.sweep';
    const retrying = await q.enqueue({ type, maxAttempts: 2 });
    const last = await q.enqueue({ type, maxAttempts: 1 });
    const leased = await q.pull({ types: [type], limit: 2, leaseSeconds: 5 });
    // Enqueued after the first pull: jobs of one millisecond lease in id order, which is random.
    const live = await q.enqueue({ type, maxAttempts: 1 });
    const [kept] = await q.pull({ types: [type], leaseSeconds: 600 });
    expect(new Set(leased.map((l) => l.job.id))).toEqual(new Set([retrying.id, last.id]));
    expect(kept!.job.id).toBe(live.id);
    advance(6_000);
    // These two, and whatever earlier tests left running under leases now expired.
    expect((await t.platform.services.queue.sweep()).expired).toBeGreaterThanOrEqual(2);
    const get = async (id: string) => (await q.call('GET', `/v1/queue/jobs/${id}`)).json;
    expect(await get(retrying.id)).toMatchObject({ status: 'failed', attempts: 1, leaseExpiresAt: null });
    expect((await get(retrying.id)).error).toMatch(/expired/);
    expect(await get(last.id)).toMatchObject({ status: 'dead', attempts: 1 });
    expect(await get(live.id)).toMatchObject({ status: 'running' });
    const late = leased.find((l) => l.job.id === retrying.id)!;
    const ack = await q.call('POST', `/v1/queue/jobs/${retrying.id}/ack`, { leaseId: late.leaseId });
    expect(ack.json.code).toBe('queue/lease-lost');
    const [again] = await q.pull({ types: [type] });
    expect(again!.job).toMatchObject({ id: retrying.id, attempts: 2 });
    expect((await t.platform.services.queue.sweep()).expired).toBe(0);
  });

  it('cancels queued and running jobs; a cancelled job’s lease is lost', async () => {
    const type = 'life.cancel';
    const queued = await q.enqueue({ type });
    const c1 = await q.call('POST', `/v1/queue/jobs/${queued.id}/cancel`);
    expect(c1.json).toMatchObject({ status: 'cancelled' });
    expect((await q.call('POST', `/v1/queue/jobs/${queued.id}/cancel`)).json.status).toBe('cancelled');
    expect(await q.pull({ types: [type] })).toEqual([]);
    const running = await q.enqueue({ type });
    const [leased] = await q.pull({ types: [type] });
    expect((await q.call('POST', `/v1/queue/jobs/${running.id}/cancel`)).json.status).toBe('cancelled');
    const ack = await q.call('POST', `/v1/queue/jobs/${running.id}/ack`, { leaseId: leased!.leaseId });
    expect(ack.json.code).toBe('queue/lease-lost');
    expect(ack.json.detail).toMatch(/cancelled/);
  });

  it('lists by type and status with a cursor', async () => {
    const type = 'list.me';
    const jobs: Array<{ id: string; createdAt: string }> = [];
    for (let i = 0; i < 5; i++) jobs.push(await q.enqueue({ type, payload: i }));
    // Oldest first; jobs of the same millisecond in id order.
    const ids = jobs
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || (a.id < b.id ? -1 : 1))
      .map((j) => j.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await q.call(
        'GET',
        `/v1/queue/jobs?type=${type}&status=queued&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status, page.text).toBe(200);
      seen.push(...page.json.data.map((j: { id: string }) => j.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it('never creates two jobs for one idempotency key, even when enqueued concurrently', async () => {
    const body = { type: 'idem', payload: { a: 1, b: [1, 2] }, idempotencyKey: `k-${Date.now()}` };
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => q.raw('POST', '/v1/queue/jobs', body)),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses, JSON.stringify(answers.map((a) => a.json))).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(answers.map((a) => a.json.id)).size).toBe(1);
    // Same payload with its keys in another order is the same request; another payload is not.
    const reordered = await q.raw('POST', '/v1/queue/jobs', { ...body, payload: { b: [1, 2], a: 1 } });
    expect(reordered.status).toBe(200);
    const other = await q.raw('POST', '/v1/queue/jobs', { ...body, payload: { a: 2 } });
    expect(other.status).toBe(422);
    expect(other.json.code).toBe('queue/idempotency-conflict');
    const list = await q.call('GET', '/v1/queue/jobs?type=idem');
    expect(list.json.data).toHaveLength(1);
    // The key still holds after the job is done.
    const [leased] = await q.pull({ types: ['idem'] });
    await q.call('POST', `/v1/queue/jobs/${leased!.job.id}/ack`, { leaseId: leased!.leaseId });
    const after = await q.raw('POST', '/v1/queue/jobs', body);
    expect(after.json).toMatchObject({ id: leased!.job.id, status: 'succeeded' });
  });

  it('never gives one job two live leases under many concurrent pulls', async () => {
    const type = 'race';
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add((await q.enqueue({ type, payload: i })).id);
    const pulls = await Promise.all(
      Array.from({ length: 40 }, () => q.pull({ types: [type], limit: 2, leaseSeconds: 300 })),
    );
    expect(Math.max(...pulls.map((p) => p.length))).toBeLessThanOrEqual(2);
    const leased = pulls.flat();
    const leasedIds = leased.map((l) => l.job.id);
    expect(new Set(leasedIds).size, 'a job was leased twice').toBe(leasedIds.length);
    expect(new Set(leasedIds)).toEqual(ids);
    const acks = await Promise.all(
      leased.map((l) => q.raw('POST', `/v1/queue/jobs/${l.job.id}/ack`, { leaseId: l.leaseId })),
    );
    expect(acks.every((a) => a.status === 200)).toBe(true);
  });

  it('never overlaps two leases of one job while leases expire under concurrent pulls', async () => {
    const type = 'race.expiry';
    const LEASE_MS = 5_000;
    for (let i = 0; i < 12; i++) await q.enqueue({ type, payload: i, maxAttempts: 100 });
    const grants = new Map<string, Array<{ from: number; to: number; leaseId: string }>>();
    for (let round = 0; round < 8; round++) {
      const pulls = await Promise.all(
        Array.from({ length: 16 }, () => q.pull({ types: [type], limit: 3, leaseSeconds: LEASE_MS / 1000 })),
      );
      for (const l of pulls.flat()) {
        const to = Date.parse(l.leaseExpiresAt);
        const list = grants.get(l.job.id) ?? [];
        list.push({ from: to - LEASE_MS, to, leaseId: l.leaseId });
        grants.set(l.job.id, list);
      }
      // Some rounds before the leases expire, some after.
      advance(round % 2 === 0 ? 2_000 : 4_000);
    }
    expect(grants.size).toBe(12);
    for (const [id, list] of grants) {
      const sorted = [...list].sort((a, b) => a.from - b.from);
      for (let i = 1; i < sorted.length; i++) {
        expect(
          sorted[i]!.from,
          `${id}: lease ${i} began before lease ${i - 1} expired`,
        ).toBeGreaterThanOrEqual(sorted[i - 1]!.to);
      }
    }
    expect([...grants.values()].some((list) => list.length > 1)).toBe(true);
  });

  it('keeps projects apart', async () => {
    const job = await q.enqueue({ type: 'private' });
    const as = (method: string, path: string, body?: unknown) =>
      t.call({ method, path, body, auth: otherSecretKey });
    expect((await as('GET', `/v1/queue/jobs/${job.id}`)).json.code).toBe('queue/not-found');
    expect((await as('POST', `/v1/queue/jobs/${job.id}/cancel`)).json.code).toBe('queue/not-found');
    expect((await as('GET', '/v1/queue/jobs?type=private')).json.data).toEqual([]);
    expect((await as('POST', '/v1/queue/pull', { types: ['private'] })).json.data).toEqual([]);
    const [leased] = await q.pull({ types: ['private'] });
    const ack = await as('POST', `/v1/queue/jobs/${job.id}/ack`, { leaseId: leased!.leaseId });
    expect(ack.json.code).toBe('queue/not-found');
    // An idempotency key is per project.
    const key = `shared-${Date.now()}`;
    const mine = await q.raw('POST', '/v1/queue/jobs', { type: 'k', idempotencyKey: key });
    const theirs = await as('POST', '/v1/queue/jobs', { type: 'k', idempotencyKey: key });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.json.id).not.toBe(mine.json.id);
  });
});
