import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindingsOf } from '../src/modules/hosting/bindings/index.js';
import { numberedParams } from '../src/modules/hosting/bindings/stores.js';
import { type BindingCall, createRuntime, type HostedRuntime } from '../src/modules/hosting/runtime/index.js';
import { limits, worker } from './support/hosting-runtime.js';

// The runtime's half of the store bindings (decision 0049), against real workerd with a recording
// handler: who a call is attributed to comes from the process and the invocation, never from the
// worker; calls from cron and queue handlers are inside their invocation too.

const CODE = `export default {
  async fetch(request, env) {
    return Response.json({ cache: await env.CACHE.get('k'), queued: await env.EMAILS.send({ to: 'x' }) ?? null });
  },
  async scheduled(controller, env) {
    await env.DB.prepare('SELECT 1').all();
  },
};`;

describe('hosted runtime bindings', () => {
  let runtime: HostedRuntime;
  const calls: { call: BindingCall; body: unknown }[] = [];

  beforeAll(async () => {
    runtime = createRuntime({
      limits: limits(),
      bindings: async (call, request) => {
        calls.push({ call, body: await request.json() });
        if (call.op === 'kv.get') return Response.json({ found: true, value: `value of ${call.projectId}` });
        if (call.op === 'd1.batch')
          return Response.json([{ rows: [], columns: [], rowsAffected: 0, duration: 0 }]);
        return Response.json(null);
      },
    });
    const bindings = bindingsOf(
      [{ type: 'queues.producers', binding: 'EMAILS', settings: { queue: 'emails' } }],
      {},
    );
    await runtime.ensure('prj_one', [worker('api', CODE, { deploymentId: 'dep_one', bindings })]);
    await runtime.ensure('prj_two', [worker('api', CODE, { deploymentId: 'dep_two', bindings })]);
  });

  afterAll(() => runtime.close());

  it("attributes each call to the calling project, worker and deployment, with the binding's target", async () => {
    const one = await runtime.fetch('prj_one', 'api', new Request('http://fn.local/'));
    expect(await one.json()).toEqual({ cache: 'value of prj_one', queued: null });
    const two = await runtime.fetch('prj_two', 'api', new Request('http://fn.local/'));
    expect(((await two.json()) as { cache: string }).cache).toBe('value of prj_two');
    expect(calls.map((c) => c.call)).toEqual([
      {
        projectId: 'prj_one',
        worker: 'api',
        deploymentId: 'dep_one',
        op: 'kv.get',
        binding: { name: 'CACHE', kind: 'kv', target: '' },
      },
      {
        projectId: 'prj_one',
        worker: 'api',
        deploymentId: 'dep_one',
        op: 'queue.send',
        binding: { name: 'EMAILS', kind: 'queue', target: 'emails' },
      },
      expect.objectContaining({ projectId: 'prj_two', deploymentId: 'dep_two', op: 'kv.get' }),
      expect.objectContaining({ projectId: 'prj_two', op: 'queue.send' }),
    ]);
    expect(calls[1]!.body).toEqual({ messages: [{ body: { to: 'x' }, delaySeconds: 0 }] });
  });

  it('serves the bindings of a cron handler inside its invocation', async () => {
    calls.length = 0;
    expect((await runtime.scheduled('prj_one', 'api', { cron: '* * * * *', scheduledTime: 1 })).outcome).toBe(
      'ok',
    );
    expect(calls).toEqual([
      {
        call: expect.objectContaining({
          projectId: 'prj_one',
          op: 'd1.batch',
          binding: { name: 'DB', kind: 'd1', target: '' },
        }),
        body: { statements: [{ sql: 'SELECT 1', params: [] }] },
      },
    ]);
  });
});

describe('binding helpers', () => {
  it('gives the native names, declared aliases over them, and leaves a var its name', () => {
    const names = (b: ReturnType<typeof bindingsOf>) => b.map((x) => `${x.name}:${x.kind}:${x.target}`);
    expect(names(bindingsOf([], {}))).toEqual([
      'DB:d1:',
      'CACHE:kv:',
      'KV:kv:',
      'STORAGE:r2:',
      'R2:r2:',
      'QUEUE:queue:default',
      'AI:ai:',
      'VECTORIZE:vectorize:default',
    ]);
    const declared = bindingsOf(
      [
        { type: 'queues.producers', binding: 'QUEUE', settings: { queue: 'jobs' } },
        { type: 'vectorize', binding: 'DOCS', settings: { index_name: 'docs' } },
        { type: 'queues.consumers', binding: 'jobs', settings: {} },
        { type: 'services', binding: 'OTHER', settings: {} },
      ],
      { DB: 'a var' },
    );
    expect(names(declared)).toEqual([
      'CACHE:kv:',
      'KV:kv:',
      'STORAGE:r2:',
      'R2:r2:',
      'QUEUE:queue:jobs',
      'AI:ai:',
      'VECTORIZE:vectorize:default',
      'DOCS:vectorize:docs',
    ]);
  });

  it("numbers D1's ? placeholders for PostgreSQL, leaving strings, names and comments alone", () => {
    expect(numberedParams('SELECT ? AS a, ?3 AS c, ? AS d')).toBe('SELECT $1 AS a, $3 AS c, $4 AS d');
    expect(numberedParams(`SELECT '?' AS q, "a?" FROM t -- ?\nWHERE x = ? /* ? */`)).toBe(
      `SELECT '?' AS q, "a?" FROM t -- ?\nWHERE x = $1 /* ? */`,
    );
  });
});
