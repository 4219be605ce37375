import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../src/db/database.js';
import type { QueueResult } from '../src/modules/hosting/runtime/contract.js';
import { type Consumer, retryDelayOf } from '../src/modules/hosting/triggers/consumers.js';
import type { TriggerTables } from '../src/modules/hosting/triggers/store.js';
import { createPlatform, type Platform } from '../src/platform.js';
import { BACKENDS } from './support/backends.js';
import { configFor } from './support/harness.js';
import { callNode } from './support/two-nodes.js';

// Cron triggers and queue consumers of hosted workers, against the real platform and workerd, on
// every backend, with two platforms (two nodes) on one store. Cron: the test's clock drives both
// schedulers; a tick runs once however many passes of both nodes see it at once, a tick before
// the deployment never runs, a tick missed by more than the catch-up window is skipped and only
// the latest missed one runs late. Queues: jobs enqueued through the queue API reach the worker's
// `queue` handler in batches of `max_batch_size`; acked ones succeed, retried ones come back and,
// past `max_retries`, go to the dead letter with a copy in `dead_letter_queue`.

const CRON_TOML = `name = "clock"
main = "index.js"
compatibility_date = "2025-01-01"

[triggers]
crons = ["0 0 1 1 *", "30 0 1 1 *"]
`;
const CRON_CODE = `export default {
  async scheduled(controller) {
    console.log('tick ' + controller.cron + ' ' + new Date(controller.scheduledTime).toISOString());
  },
  fetch: () => new Response('ok'),
};`;

const QUEUE_TOML = `name = "mailer"
main = "index.js"
compatibility_date = "2025-01-01"

[[queues.consumers]]
queue = "emails"
max_batch_size = 3
max_retries = 1
dead_letter_queue = "emails-dlq"
`;
const QUEUE_CODE = `export default {
  async queue(batch) {
    console.log('batch ' + batch.queue + ' ' + batch.messages.length);
    for (const message of batch.messages) {
      if (message.body.silent) continue;
      if (message.body.retry) message.retry();
      else message.ack();
    }
    if (batch.messages.some((m) => m.body.throw)) throw new Error('the batch failed');
  },
  fetch: () => new Response('ok'),
};`;

const LATER_TOML = `name = "later"
main = "index.js"
compatibility_date = "2025-01-01"

[[queues.consumers]]
queue = "later"
retry_delay = 600
`;
const LATER_CODE = `export default {
  async queue(batch) {
    for (const message of batch.messages) {
      if (message.body.all !== undefined) batch.retryAll({ delaySeconds: message.body.all });
      else message.retry(message.body.delay === undefined ? undefined : { delaySeconds: message.body.delay });
    }
  },
  fetch: () => new Response('ok'),
};`;

const REPORTS_TOML = `name = "reports"
main = "index.js"
compatibility_date = "2025-01-01"

[[queues.producers]]
binding = "REPORTS"
queue = "reports"

[[queues.consumers]]
queue = "reports"
`;
const REPORTS_CODE = `export default {
  async fetch(request, env) {
    const n = Number(new URL(request.url).searchParams.get('n'));
    await env.REPORTS.send({ n });
    await env.REPORTS.sendBatch([{ body: { n: n + 1 } }, { body: { n: n + 2 } }]);
    return new Response('sent');
  },
  async queue(batch) {
    for (const message of batch.messages) console.log('report ' + message.body.n);
  },
};`;

const at = (iso: string) => Date.parse(iso);

describe.each(BACKENDS)('hosting triggers on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let a: Platform;
  let b: Platform;
  beforeAll(async () => {
    stores = await backend.create();
    const config = configFor(stores);
    a = await createPlatform(config);
    b = await createPlatform(config);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await stores?.cleanup();
  });

  const keys = () => a.keys!;
  const admin = (method: string, path: string, body?: unknown) =>
    callNode(a, method, `/v1/projects/${keys().projectId}${path}`, keys().accountKey, body);
  const deploy = async (aerostackToml: string, content: string) => {
    const res = await admin('POST', '/deployments', {
      aerostackToml,
      modules: [{ name: 'index.js', content }],
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return res.json.id as string;
  };
  /** Every log line of the worker so far, oldest first. */
  const lines = async (worker: string) => {
    await a.services.hosting.logs.flush();
    await b.services.hosting.logs.flush();
    const res = await admin('GET', `/workers/${worker}/logs?limit=100`);
    expect(res.status).toBe(200);
    return (res.json.data as Array<{ lines: Array<{ message: string }> }>)
      .flatMap((log) => log.lines.map((line) => line.message))
      .reverse();
  };
  /** Both nodes pass at `now` (twice each, at once); the ticks claimed. */
  const passBoth = async (now: number) => {
    const claimed = await Promise.all([
      a.services.hosting.triggers.pass(now),
      b.services.hosting.triggers.pass(now),
      a.services.hosting.triggers.pass(now),
      b.services.hosting.triggers.pass(now),
    ]);
    await Promise.all([a.services.hosting.triggers.settle(), b.services.hosting.triggers.settle()]);
    return claimed.flat().map((run) => `${run.cron} ${new Date(Number(run.tick)).toISOString()}`);
  };

  it('runs each tick once across both nodes, never one before the deployment', async () => {
    await deploy(CRON_TOML, CRON_CODE);
    // This year's ticks are before the deployment.
    expect(await passBoth(Date.now())).toEqual([]);
    expect(await passBoth(at('2027-01-01T00:00:00.400Z'))).toEqual(['0 0 1 1 * 2027-01-01T00:00:00.000Z']);
    expect(await passBoth(at('2027-01-01T00:10:00Z'))).toEqual([]);
    expect(await passBoth(at('2027-01-01T00:30:01Z'))).toEqual(['30 0 1 1 * 2027-01-01T00:30:00.000Z']);
    await expect
      .poll(() => lines('clock'), { timeout: 15_000, interval: 100 })
      .toEqual(['tick 0 0 1 1 * 2027-01-01T00:00:00.000Z', 'tick 30 0 1 1 * 2027-01-01T00:30:00.000Z']);
    const runs = await tables<TriggerTables>(a.services.database)
      .selectFrom('hosting_cron_runs')
      .select(['cron', 'outcome', 'node'])
      .orderBy('tick')
      .execute();
    expect(runs.map((r) => [r.cron, r.outcome])).toEqual([
      ['0 0 1 1 *', 'ok'],
      ['30 0 1 1 *', 'ok'],
    ]);
  }, 120_000);

  it('skips ticks missed by more than the catch-up window and runs only the latest missed one late', async () => {
    // 20 minutes late: 2028's ticks are skipped.
    expect(await passBoth(at('2028-01-01T00:20:00Z'))).toEqual([]);
    expect(await passBoth(at('2028-01-01T00:50:00Z'))).toEqual([]);
    // Ten minutes late, after two years without a pass: 2029's first tick runs, 2028's never.
    expect(await passBoth(at('2029-01-01T00:10:00Z'))).toEqual(['0 0 1 1 * 2029-01-01T00:00:00.000Z']);
    await expect
      .poll(async () => (await lines('clock')).slice(2), { timeout: 15_000, interval: 100 })
      .toEqual(['tick 0 0 1 1 * 2029-01-01T00:00:00.000Z']);
  }, 120_000);

  it('marks a run whose process stopped as interrupted, and does not run it again', async () => {
    const db = tables<TriggerTables>(a.services.database);
    const [deployment] = await db
      .selectFrom('hosting_deployments')
      .select('id')
      .where('worker', '=', 'clock')
      .execute();
    const tick = at('2030-01-01T00:00:00Z');
    // What a node killed between its claim and the run's end leaves behind.
    await db
      .insertInto('hosting_cron_runs')
      .values({
        project_id: keys().projectId,
        worker: 'clock',
        cron: '0 0 1 1 *',
        tick,
        deployment_id: deployment!.id,
        node: 'gone',
        claimed_at: tick + 1_000,
        finished_at: null,
        outcome: null,
      })
      .execute();
    expect(await passBoth(tick + 2_000)).toEqual([]);
    const wallMs = a.services.config.hosting.runtime.wallMs;
    await a.services.hosting.triggers.sweep(tick + 1_000 + wallMs);
    const row = () =>
      db
        .selectFrom('hosting_cron_runs')
        .select(['outcome'])
        .where('tick', '=', tick)
        .executeTakeFirstOrThrow();
    expect((await row()).outcome).toBeNull();
    await Promise.all([
      a.services.hosting.triggers.sweep(tick + 62_000 + wallMs),
      b.services.hosting.triggers.sweep(tick + 62_000 + wallMs),
    ]);
    expect((await row()).outcome).toBe('interrupted');
    await a.services.hosting.logs.flush();
    await b.services.hosting.logs.flush();
    const logs = await admin('GET', '/workers/clock/logs?limit=100');
    const interrupted = logs.json.data.filter((l: { outcome: string }) => l.outcome === 'interrupted');
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0].lines[0].message).toBe(
      'The cron run "0 0 1 1 *" of 2030-01-01T00:00:00.000Z did not finish: its platform process stopped. It is not run again.',
    );
  }, 120_000);

  it('feeds queued jobs to the consumer in batches and settles each as the handler decided', async () => {
    await deploy(QUEUE_TOML, QUEUE_CODE);
    const send = async (payload: unknown) => {
      const res = await callNode(b, 'POST', '/v1/queue/jobs', keys().secretKey, {
        type: 'emails',
        payload,
        backoffSeconds: 0,
      });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      return res.json.id as string;
    };
    const ok = [await send({ to: 1 }), await send({ to: 2 }), await send({ to: 3 }), await send({ to: 4 })];
    const retried = await send({ to: 5, retry: true });
    const job = async (id: string) =>
      (await callNode(a, 'GET', `/v1/queue/jobs/${id}`, keys().secretKey)).json;
    // Both nodes' timers pass every second: each job is leased by one of them at a time.
    await expect
      .poll(async () => Promise.all([...ok, retried].map(async (id) => (await job(id)).status)), {
        timeout: 60_000,
        interval: 200,
      })
      .toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'dead']);
    const dead = await job(retried);
    expect(dead.attempts).toBe(2); // the first delivery and one retry (max_retries = 1)
    const letters = await callNode(a, 'GET', '/v1/queue/jobs?type=emails-dlq', keys().secretKey);
    expect(letters.json.data.map((j: { payload: unknown }) => j.payload)).toEqual([{ to: 5, retry: true }]);
    const batches = (await lines('mailer')).filter((line) => line.startsWith('batch '));
    expect(batches.every((line) => /^batch emails [123]$/.test(line))).toBe(true);
    // Four jobs at least in one batch with the fifth's first delivery, then its retry alone.
    const delivered = batches.reduce((n, line) => n + Number(line.split(' ')[2]), 0);
    expect(delivered).toBe(6);
  }, 120_000);

  it('retries the messages of a batch whose handler throws unless it acked them; a returning handler acks the rest', async () => {
    const send = async (payload: unknown) => {
      const res = await callNode(b, 'POST', '/v1/queue/jobs', keys().secretKey, {
        type: 'emails',
        payload,
        backoffSeconds: 0,
      });
      expect(res.status).toBe(201);
      return res.json.id as string;
    };
    // One at a time, so each is its own batch.
    const settled = async (id: string) => {
      await expect
        .poll(async () => (await callNode(a, 'GET', `/v1/queue/jobs/${id}`, keys().secretKey)).json.status, {
          timeout: 60_000,
          interval: 200,
        })
        .toMatch(/^(succeeded|dead)$/);
      return (await callNode(a, 'GET', `/v1/queue/jobs/${id}`, keys().secretKey)).json;
    };
    // Acked explicitly before the throw: the ack stands.
    expect(await settled(await send({ to: 6, throw: true }))).toMatchObject({
      status: 'succeeded',
      attempts: 1,
    });
    // Neither acked nor retried, and the handler threw: retried, then dead.
    expect(await settled(await send({ to: 7, throw: true, silent: true }))).toMatchObject({
      status: 'dead',
      attempts: 2,
    });
    // Neither, and the handler returned: acknowledged.
    expect(await settled(await send({ to: 8, silent: true }))).toMatchObject({
      status: 'succeeded',
      attempts: 1,
    });
  }, 180_000);

  it('brings a retried message back after its retry({ delaySeconds }), retryAll delay or the consumer retry_delay', async () => {
    const id = await deploy(LATER_TOML, LATER_CODE);
    // A consumer is wired: the platform runs it (it never is in env, as on Cloudflare).
    expect((await admin('GET', `/workers/later/deployments/${id}`)).json.bindings).toEqual([
      { type: 'queues.consumers', binding: 'later', wired: true },
    ]);
    const send = async (payload: unknown) => {
      const res = await callNode(b, 'POST', '/v1/queue/jobs', keys().secretKey, {
        type: 'later',
        payload,
        backoffSeconds: 0,
      });
      expect(res.status).toBe(201);
      return res.json.id as string;
    };
    /** Once the first delivery was retried: how long after that it becomes available, in seconds. */
    const delayOf = async (id: string) => {
      await expect
        .poll(async () => (await callNode(a, 'GET', `/v1/queue/jobs/${id}`, keys().secretKey)).json.status, {
          timeout: 60_000,
          interval: 200,
        })
        .toBe('failed');
      const job = (await callNode(a, 'GET', `/v1/queue/jobs/${id}`, keys().secretKey)).json;
      expect(job.attempts).toBe(1);
      return Math.round((Date.parse(job.availableAt) - Date.parse(job.updatedAt)) / 1000);
    };
    // One at a time, so each is its own batch.
    expect(await delayOf(await send({ delay: 120 }))).toBe(120);
    expect(await delayOf(await send({ all: 300 }))).toBe(300);
    expect(await delayOf(await send({}))).toBe(600); // retry_delay
  }, 180_000);

  it('consumes what a worker sends through env.<producer>.send and sendBatch', async () => {
    await deploy(REPORTS_TOML, REPORTS_CODE);
    const res = await a.app.request(`/fn/${keys().projectId}/reports/?n=10`);
    expect([res.status, await res.text()]).toEqual([200, 'sent']);
    await expect
      .poll(async () => (await lines('reports')).filter((line) => line.startsWith('report ')).sort(), {
        timeout: 60_000,
        interval: 200,
      })
      .toEqual(['report 10', 'report 11', 'report 12']);
    const jobs = await callNode(a, 'GET', '/v1/queue/jobs?type=reports', keys().secretKey);
    expect(jobs.json.data.map((j: { status: string }) => j.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
  }, 120_000);
});

describe('a retried message’s delay', () => {
  const consumer = (retryDelaySeconds: number | null): Consumer => ({
    projectId: 'prj_x',
    worker: 'w',
    queue: 'q',
    maxBatchSize: 10,
    maxRetries: 3,
    deadLetterQueue: null,
    retryDelaySeconds,
  });
  const result = (over: Partial<QueueResult>): QueueResult => ({
    outcome: 'ok',
    ackAll: false,
    retryBatch: { retry: false },
    explicitAcks: [],
    retryMessages: [],
    ...over,
  });

  it('is the message’s own, else the batch’s, else retry_delay, else the queue’s backoff (null)', () => {
    const both = result({
      retryBatch: { retry: true, delaySeconds: 30 },
      retryMessages: [{ msgId: 'a', delaySeconds: 0 }, { msgId: 'b' }],
    });
    expect(retryDelayOf(both, 'a', consumer(600))).toBe(0);
    expect(retryDelayOf(both, 'b', consumer(600))).toBe(30);
    expect(retryDelayOf(result({ retryMessages: [{ msgId: 'a' }] }), 'a', consumer(600))).toBe(600);
    // A run that failed (no result) takes retry_delay too, as a throwing handler's batch does.
    expect(retryDelayOf(null, 'a', consumer(600))).toBe(600);
    expect(retryDelayOf(null, 'a', consumer(null))).toBeNull();
    // Cloudflare's bound: 12 hours.
    expect(
      retryDelayOf(result({ retryMessages: [{ msgId: 'a', delaySeconds: 99_999 }] }), 'a', consumer(null)),
    ).toBe(43_200);
  });
});
