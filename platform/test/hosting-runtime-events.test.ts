import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Resolver } from '../src/lib/ssrf.js';
import { createRuntime, type HostedRuntime } from '../src/modules/hosting/runtime/index.js';
import { limits, logCollector, worker } from './support/hosting-runtime.js';

// Cron events and queue batches through the hosted runtime (decision 0049): the worker's
// `scheduled` and `queue` handlers run under the limits, logs and outbound rules of a request.

const SCHEDULED = `export default {
  async scheduled(controller, env, ctx) {
    console.log('tick ' + controller.cron + ' ' + controller.scheduledTime);
    if (controller.cron === 'throw') throw new Error('cron broke');
    if (controller.cron === 'loop') for (;;) {}
    if (controller.cron === 'noretry') controller.noRetry();
    if (controller.cron === 'fetch') {
      const answer = await fetch('http://upstream.test:' + env.PORT + '/from-cron');
      console.log('fetched ' + (await answer.text()));
    }
  },
  async fetch(request) {
    return new Response('event header ' + request.headers.get('x-aerostack-event'));
  },
};`;

const QUEUE = `export default {
  async queue(batch) {
    console.log('batch ' + batch.queue + ' ' + batch.messages.map((m) => m.id + ':' + m.attempts + ':' + JSON.stringify(m.body) + ':' + (m.timestamp instanceof Date)).join(' '));
    for (const m of batch.messages) {
      if (m.body.do === 'ack') m.ack();
      if (m.body.do === 'retry') m.retry({ delaySeconds: 5 });
      if (m.body.do === 'both') { m.ack(); m.retry(); }
    }
    if (batch.queue === 'ack-all') batch.ackAll();
    if (batch.queue === 'retry-all') batch.retryAll({ delaySeconds: 30 });
    if (batch.queue === 'throw') throw new Error('consumer broke');
  },
};`;

const message = (id: string, body: unknown) => ({
  id,
  body,
  attempts: 1,
  timestamp: new Date(1_700_000_000_000),
});

describe('hosted runtime events', () => {
  let runtime: HostedRuntime;
  let upstream: Server;
  let port = 0;
  const logs = logCollector();
  const resolve: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];

  beforeAll(async () => {
    upstream = createServer((req, res) => res.end(`upstream ${req.url}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    runtime = createRuntime({ limits: limits({ cpuMs: 1_000, allowHosts: ['upstream.test'] }), resolve });
    runtime.onLog(logs.listener);
    await runtime.ensure('prj_cron', [
      worker('cron', SCHEDULED, { deploymentId: 'dep_cron', vars: { PORT: String(port) } }),
      worker('consumer', QUEUE, { deploymentId: 'dep_consumer' }),
    ]);
  });

  afterAll(async () => {
    await runtime.close();
    await new Promise((r) => upstream.close(r));
  });

  const logOf = (text: string) =>
    logs.next((p, l) => p === 'prj_cron' && l.lines.some((line) => line.message.includes(text)));

  it('runs the scheduled handler with the cron and the time, logged under its deployment', async () => {
    expect(
      await runtime.scheduled('prj_cron', 'cron', { cron: '*/5 * * * *', scheduledTime: 1_700_000_000_000 }),
    ).toEqual({
      outcome: 'ok',
      noRetry: false,
    });
    const log = await logOf('tick */5 * * * * 1700000000000');
    expect(log).toMatchObject({ deploymentId: 'dep_cron', worker: 'cron', outcome: 'ok' });
  });

  it('answers noRetry, and an uncaught exception as the outcome with its stack in the log', async () => {
    expect(await runtime.scheduled('prj_cron', 'cron', { cron: 'noretry', scheduledTime: 1 })).toEqual({
      outcome: 'ok',
      noRetry: true,
    });
    expect(await runtime.scheduled('prj_cron', 'cron', { cron: 'throw', scheduledTime: 2 })).toEqual({
      outcome: 'exception',
      noRetry: false,
    });
    const log = await logOf('cron broke');
    expect(log.outcome).toBe('exception');
  });

  it('lets a scheduled handler fetch: it runs inside an invocation like a request', async () => {
    expect((await runtime.scheduled('prj_cron', 'cron', { cron: 'fetch', scheduledTime: 3 })).outcome).toBe(
      'ok',
    );
    await logOf('fetched upstream /from-cron');
  });

  it('answers a worker without the handler as an exception', async () => {
    const result = await runtime.queue('prj_cron', 'cron', { queue: 'q', messages: [message('m1', {})] });
    expect(result).toMatchObject({ outcome: 'exception', explicitAcks: [], ackAll: false });
    await logOf('exports no queue handler');
  });

  it('reports which messages were acked and retried, the first decision of a message winning', async () => {
    const result = await runtime.queue('prj_cron', 'consumer', {
      queue: 'jobs',
      messages: [
        message('a', { do: 'ack' }),
        message('r', { do: 'retry' }),
        message('b', { do: 'both' }),
        message('n', { do: 'nothing' }),
      ],
    });
    expect(result).toEqual({
      outcome: 'ok',
      ackAll: false,
      retryBatch: { retry: false },
      explicitAcks: ['a', 'b'],
      retryMessages: [{ msgId: 'r', delaySeconds: 5 }],
    });
    await logOf('batch jobs a:1:{"do":"ack"}:true');
  });

  it('reports ackAll and retryAll, and keeps explicit acks of a handler that threw', async () => {
    expect(
      (await runtime.queue('prj_cron', 'consumer', { queue: 'ack-all', messages: [message('x', {})] }))
        .ackAll,
    ).toBe(true);
    expect(
      (await runtime.queue('prj_cron', 'consumer', { queue: 'retry-all', messages: [message('y', {})] }))
        .retryBatch,
    ).toEqual({ retry: true, delaySeconds: 30 });
    const thrown = await runtime.queue('prj_cron', 'consumer', {
      queue: 'throw',
      messages: [message('k', { do: 'ack' }), message('l', {})],
    });
    expect(thrown).toMatchObject({ outcome: 'exception', explicitAcks: ['k'] });
    await logOf('consumer broke');
  });

  it('does not let an HTTP caller pass a request off as an event', async () => {
    const response = await runtime.fetch(
      'prj_cron',
      'cron',
      new Request('http://fn.local/', { headers: { 'x-aerostack-event': 'scheduled' } }),
    );
    expect(await response.text()).toBe('event header null');
  });

  it('stops a looping cron run at the CPU limit and answers the limit as the outcome', async () => {
    expect(await runtime.scheduled('prj_cron', 'cron', { cron: 'loop', scheduledTime: 4 })).toEqual({
      outcome: 'cpu-limit',
      noRetry: false,
    });
    const log = await logs.next((p, l) => p === 'prj_cron' && l.outcome === 'cpu-limit');
    expect(log.deploymentId).toBe('dep_cron');
    // The project's workerd starts again for the next event.
    expect((await runtime.scheduled('prj_cron', 'cron', { cron: 'again', scheduledTime: 5 })).outcome).toBe(
      'ok',
    );
  });

  it('throws function-not-found for a worker the project does not have', async () => {
    await expect(
      runtime.scheduled('prj_cron', 'nope', { cron: 'x', scheduledTime: 1 }),
    ).rejects.toMatchObject({
      code: 'hosting/function-not-found',
    });
  });
});
