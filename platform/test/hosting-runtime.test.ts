import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../src/http/problem.js';
import { createRuntime, type HostedRuntime } from '../src/modules/hosting/runtime/index.js';
import { MAX_LINE_CHARS, MAX_LINES } from '../src/modules/hosting/runtime/logs.js';
import { limits, logCollector, worker, workerdPids } from './support/hosting-runtime.js';

// The hosted-code runtime (decision 0049) against real workerd: loading, reloading, logs,
// refusals, the process model and what a worker cannot see.

const HELLO = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/redirect') return Response.redirect('https://example.com/elsewhere', 302);
    const body = request.method === 'POST' ? await request.text() : '';
    return Response.json({ path: url.pathname, greeting: env.GREETING, body, header: request.headers.get('x-test') });
  },
};`;

const CANARY = `canary-${process.pid}-${Date.now()}`;

describe('hosted runtime', () => {
  let runtime: HostedRuntime;
  const logs = logCollector();

  beforeAll(() => {
    process.env.AEROSTACK_TEST_CANARY = CANARY;
    runtime = createRuntime({ limits: limits() });
    runtime.onLog(logs.listener);
  });

  afterAll(async () => {
    await runtime.close();
    delete process.env.AEROSTACK_TEST_CANARY;
  });

  it('answers a request with the worker, its vars in env, method, body and headers passed on', async () => {
    await runtime.ensure('prj_a', [worker('api', HELLO, { vars: { GREETING: 'hello' } })]);
    const response = await runtime.fetch(
      'prj_a',
      'api',
      new Request('http://fn.local/things?x=1', {
        method: 'POST',
        body: 'payload',
        headers: { 'x-test': 'yes' },
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      path: '/things',
      greeting: 'hello',
      body: 'payload',
      header: 'yes',
    });
  });

  it('hands a compressed answer on decoded, without a Content-Encoding that no longer holds', async () => {
    await runtime.ensure('prj_gzip', [
      worker(
        'gzip',
        `export default {
          fetch() {
            // As on Cloudflare, workerd compresses a body whose response names an encoding.
            return new Response('compressed text', { headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain' } });
          },
        };`,
      ),
    ]);
    const response = await runtime.fetch(
      'prj_gzip',
      'gzip',
      new Request('http://fn.local/', { headers: { 'accept-encoding': 'gzip' } }),
    );
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('mf-content-encoding')).toBeNull();
    expect(await response.text()).toBe('compressed text');
  });

  it('runs a WorkerEntrypoint class as the default export', async () => {
    await runtime.ensure('prj_class', [
      worker(
        'entry',
        `import { WorkerEntrypoint } from 'cloudflare:workers';
        export default class extends WorkerEntrypoint {
          async fetch(request) {
            return new Response('class ' + this.env.GREETING + ' ' + new URL(request.url).pathname);
          }
        }`,
        { vars: { GREETING: 'hi' } },
      ),
    ]);
    const response = await runtime.fetch('prj_class', 'entry', new Request('http://fn.local/path'));
    expect(await response.text()).toBe('class hi /path');
  });

  it("hands a worker's redirect on instead of following it", async () => {
    const response = await runtime.fetch('prj_a', 'api', new Request('http://fn.local/redirect'));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://example.com/elsewhere');
  });

  it("runs a project's workers in one workerd, and each project in its own", async () => {
    const running = workerdPids().length; // prj_a's, and those of the tests before
    await runtime.ensure('prj_a', [
      worker('api', HELLO),
      worker('other', 'export default { fetch() { return new Response("other") } }'),
    ]);
    await runtime.ensure('prj_b', [worker('api', HELLO)]);
    const before = new Set(workerdPids());
    expect(await (await runtime.fetch('prj_a', 'other', new Request('http://fn.local/'))).text()).toBe(
      'other',
    );
    expect((await runtime.fetch('prj_a', 'api', new Request('http://fn.local/'))).status).toBe(200);
    expect((await runtime.fetch('prj_b', 'api', new Request('http://fn.local/'))).status).toBe(200);
    expect(new Set(workerdPids())).toEqual(before);
    expect(before.size).toBe(running + 1); // prj_a's replaced, prj_b's new
  });

  it('delivers console lines and an uncaught error to onLog with the deployment id, and hides the stack from the caller', async () => {
    const deployment = worker(
      'noisy',
      `export default {
        async fetch(request) {
          console.log('first', { n: 1 });
          console.warn('second');
          if (new URL(request.url).pathname === '/boom') throw new Error('kaboom');
          return new Response('quiet');
        },
      };`,
    );
    await runtime.ensure('prj_logs', [deployment]);
    expect(await (await runtime.fetch('prj_logs', 'noisy', new Request('http://fn.local/'))).text()).toBe(
      'quiet',
    );
    const ok = await logs.next((p, l) => p === 'prj_logs' && l.outcome === 'ok');
    expect(ok.deploymentId).toBe(deployment.deploymentId);
    expect(ok.worker).toBe('noisy');
    expect(ok.lines.map((l) => [l.level, l.message])).toEqual([
      ['log', 'first {"n":1}'],
      ['warn', 'second'],
    ]);

    const failed = await runtime.fetch('prj_logs', 'noisy', new Request('http://fn.local/boom'));
    expect(failed.status).toBe(500);
    const body = await failed.text();
    expect(body).not.toContain('kaboom');
    expect(body).not.toContain('index.js');
    const exception = await logs.next((p, l) => p === 'prj_logs' && l.outcome === 'exception');
    expect(exception.deploymentId).toBe(deployment.deploymentId);
    expect(exception.lines.at(-1)?.level).toBe('error');
    expect(exception.lines.at(-1)?.message).toContain('kaboom');
  });

  it('bounds what one invocation logs: lines clipped, the count capped', async () => {
    const deployment = worker(
      'chatty',
      `export default {
        fetch() {
          console.log('x'.repeat(10_000));
          for (let i = 0; i < 2_000; i++) console.log('line', i);
          return new Response('done');
        },
      };`,
    );
    await runtime.ensure('prj_chatty', [deployment]);
    expect(await (await runtime.fetch('prj_chatty', 'chatty', new Request('http://fn.local/'))).text()).toBe(
      'done',
    );
    const log = await logs.next((p) => p === 'prj_chatty');
    expect(log.lines.length).toBe(MAX_LINES + 1);
    expect(log.lines[0]?.message.length).toBe(MAX_LINE_CHARS + 1);
    expect(log.lines[1]?.message).toBe('line 0');
    expect(log.lines.at(-1)?.message).toBe(`${2_001 - MAX_LINES} more lines were dropped`);

    // Past 256 KB per request workerd itself stops recording, as Cloudflare does, and says so.
    await runtime.ensure('prj_chatty', [
      worker(
        'chatty',
        `export default { fetch() { console.log('x'.repeat(1_000_000)); return new Response('done'); } };`,
      ),
    ]);
    await runtime.fetch('prj_chatty', 'chatty', new Request('http://fn.local/'));
    const capped = await logs.next(
      (p, l) => p === 'prj_chatty' && l.deploymentId !== deployment.deploymentId,
    );
    expect(capped.lines).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('Log size limit exceeded') }),
    ]);
  });

  it('attributes each line to its own invocation when requests run concurrently', async () => {
    const deployment = worker(
      'echo',
      `export default {
        async fetch(request) {
          const path = new URL(request.url).pathname;
          console.log('before', path);
          await new Promise((resolve) => setTimeout(resolve, 20));
          console.log('after', path);
          return new Response(path);
        },
      };`,
    );
    await runtime.ensure('prj_concurrent', [deployment]);
    const paths = Array.from({ length: 20 }, (_, i) => `/r${i}`);
    const answers = await Promise.all(
      paths.map(async (path) =>
        (await runtime.fetch('prj_concurrent', 'echo', new Request(`http://fn.local${path}`))).text(),
      ),
    );
    expect(answers).toEqual(paths);
    for (const path of paths) {
      const log = await logs.next(
        (p, l) => p === 'prj_concurrent' && l.lines.some((line) => line.message === `before ${path}`),
      );
      expect(log.lines.map((l) => l.message)).toEqual([`before ${path}`, `after ${path}`]);
    }
  });

  it('loads a new set once when two ensure calls race', async () => {
    const pids = workerdPids().length;
    const set = [worker('api', HELLO)];
    await Promise.all([runtime.ensure('prj_race', set), runtime.ensure('prj_race', set)]);
    expect(workerdPids().length).toBe(pids + 1);
  });

  it.each([
    [
      'a malformed compatibility date',
      [worker('api', HELLO, { compatibilityDate: '2025-13-45x' })],
      'not a YYYY-MM-DD date',
    ],
    ['two workers of one name', [worker('api', HELLO), worker('api', HELLO)], 'Two workers are named api'],
    ['a worker without modules', [worker('api', HELLO, { modules: [] })], 'has no module'],
    ['a name of the platform’s', [worker('__aerostack-tail', HELLO)], 'names starting with __aerostack'],
  ])('refuses %s before starting anything', async (_, set, message) => {
    const pids = workerdPids().length;
    const error = await runtime.ensure('prj_refused', set).catch((e: unknown) => e);
    expect((error as ApiError).code).toBe('hosting/worker-invalid');
    expect((error as ApiError).detail).toContain(message);
    expect(workerdPids().length).toBe(pids);
  });

  it('refuses a compatibility date newer than its workerd, naming the newest it supports', async () => {
    expect(runtime.maxCompatibilityDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const error = await runtime
      .ensure('prj_date', [worker('api', HELLO, { compatibilityDate: '2099-01-01' })])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('hosting/compatibility-date-unsupported');
    expect((error as ApiError).detail).toContain(runtime.maxCompatibilityDate);
  });

  it.each([
    ['a syntax error', 'export default { fetch( {', 'SyntaxError'],
    ['no default export', 'export const handler = 1;', 'no default export'],
    [
      'a missing import',
      'import x from "./nope.js"; export default { fetch() { return new Response(x) } }',
      'nope.js',
    ],
  ])(
    'refuses code with %s as worker-invalid with workerd’s message, and keeps the running deployment',
    async (_, code, message) => {
      await runtime.ensure('prj_invalid', [worker('api', HELLO, { vars: { GREETING: 'still here' } })]);
      const error = await runtime.ensure('prj_invalid', [worker('api', code)]).catch((e: unknown) => e);
      expect((error as ApiError).code).toBe('hosting/worker-invalid');
      expect((error as ApiError).detail).toContain(message);
      const response = await runtime.fetch('prj_invalid', 'api', new Request('http://fn.local/'));
      expect(((await response.json()) as { greeting: string }).greeting).toBe('still here');
    },
  );

  it('reloads on a new deployment id, and does nothing when the set is unchanged', async () => {
    const first = worker('api', 'export default { fetch() { return new Response("v1") } }');
    await runtime.ensure('prj_reload', [first]);
    expect(await (await runtime.fetch('prj_reload', 'api', new Request('http://fn.local/'))).text()).toBe(
      'v1',
    );
    const pids = workerdPids();
    await runtime.ensure('prj_reload', [first]);
    expect(workerdPids()).toEqual(pids);

    await runtime.ensure('prj_reload', [
      worker('api', 'export default { fetch() { return new Response("v2") } }'),
    ]);
    expect(await (await runtime.fetch('prj_reload', 'api', new Request('http://fn.local/'))).text()).toBe(
      'v2',
    );
    expect(workerdPids().length).toBe(pids.length); // the old process went
  });

  it('stops the project’s workerd when its set becomes empty', async () => {
    await runtime.ensure('prj_empty', [worker('api', HELLO)]);
    const pids = workerdPids().length;
    await runtime.ensure('prj_empty', []);
    expect(workerdPids().length).toBe(pids - 1);
    const error = await runtime
      .fetch('prj_empty', 'api', new Request('http://fn.local/'))
      .catch((e: unknown) => e);
    expect((error as ApiError).code).toBe('hosting/function-not-found');
  });

  it('answers function-not-found for a worker the project does not have', async () => {
    const error = await runtime
      .fetch('prj_a', 'nope', new Request('http://fn.local/'))
      .catch((e: unknown) => e);
    expect((error as ApiError).code).toBe('hosting/function-not-found');
    const unknown = await runtime
      .fetch('prj_none', 'api', new Request('http://fn.local/'))
      .catch((e: unknown) => e);
    expect((unknown as ApiError).code).toBe('hosting/function-not-found');
  });

  it("gives workerd none of the platform's environment, and the worker no view of it or of the files", async () => {
    await runtime.ensure('prj_env', [
      worker(
        'snoop',
        `import fs from 'node:fs';
        export default {
          async fetch() {
            const read = (path) => { try { return fs.readFileSync(path, 'utf8'); } catch (e) { return 'refused: ' + e.message; } };
            return Response.json({
              env: JSON.stringify(process.env),
              environ: read('/proc/self/environ'),
              passwd: read('/etc/passwd'),
              source: read(${JSON.stringify(new URL(import.meta.url).pathname)}),
            });
          },
        };`,
        {
          compatibilityDate: '2026-01-01',
          compatibilityFlags: ['nodejs_compat', 'nodejs_compat_populate_process_env'],
        },
      ),
    ]);
    const seen = (await (
      await runtime.fetch('prj_env', 'snoop', new Request('http://fn.local/'))
    ).json()) as Record<string, string>;
    expect(JSON.stringify(seen)).not.toContain(CANARY);
    expect(seen.passwd).toMatch(/^refused/);
    expect(seen.environ).toMatch(/^refused/);
    expect(seen.source).toMatch(/^refused/);
    // And the process itself never had it.
    for (const pid of workerdPids())
      expect(readFileSync(`/proc/${pid}/environ`, 'latin1')).not.toContain(CANARY);
  });
});

describe('hosted runtime lifecycle', () => {
  it('stops an idle project and starts it again on its next request', async () => {
    const runtime = createRuntime({ limits: limits({ idleMs: 300 }) });
    try {
      await runtime.ensure('prj_idle', [
        worker('api', 'export default { fetch() { return new Response("up") } }'),
      ]);
      expect(await (await runtime.fetch('prj_idle', 'api', new Request('http://fn.local/'))).text()).toBe(
        'up',
      );
      expect(workerdPids().length).toBe(1);
      const deadline = Date.now() + 20_000;
      while (workerdPids().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(workerdPids()).toEqual([]);
      expect(await (await runtime.fetch('prj_idle', 'api', new Request('http://fn.local/'))).text()).toBe(
        'up',
      );
      expect(workerdPids().length).toBe(1);
    } finally {
      await runtime.close();
    }
  });

  it('unload stops one project; close() leaves no workerd process', async () => {
    const runtime = createRuntime({ limits: limits() });
    const code = 'export default { fetch() { return new Response("up") } }';
    await runtime.ensure('prj_1', [worker('api', code)]);
    await runtime.ensure('prj_2', [worker('api', code)]);
    expect(workerdPids().length).toBe(2);
    await runtime.unload('prj_1');
    expect(workerdPids().length).toBe(1);
    const gone = await runtime
      .fetch('prj_1', 'api', new Request('http://fn.local/'))
      .catch((e: unknown) => e);
    expect((gone as ApiError).code).toBe('hosting/function-not-found');
    await runtime.close();
    expect(workerdPids()).toEqual([]);
  });
});
