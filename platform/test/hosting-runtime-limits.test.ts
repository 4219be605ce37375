import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError } from '../src/http/problem.js';
import type { Resolver } from '../src/lib/ssrf.js';
import { createRuntime, type HostedRuntime } from '../src/modules/hosting/runtime/index.js';
import { limits, logCollector, worker, workerdPids } from './support/hosting-runtime.js';

// Isolation and limits of hosted code (decision 0049), against real workerd: a loop and a memory
// bomb are stopped and reported while another project keeps answering; a request that never
// answers meets the wall limit; outbound fetch is guarded and counted.

const HELLO = 'export default { fetch() { return new Response("hello") } }';
const ATTACKS = `export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    console.log('starting', path);
    if (path === '/loop') for (;;) {}
    if (path === '/memory') {
      const kept = [];
      for (;;) kept.push(new Array(1 << 16).fill(kept.length));
    }
    if (path === '/hang') await new Promise((resolve) => setTimeout(resolve, 3_600_000));
    if (path === '/stream') {
      // One chunk, then open and idle (a timer keeps workerd from ending it) until the caller goes.
      const body = new ReadableStream({
        start(c) { c.enqueue(new TextEncoder().encode('open')); },
        pull: () => new Promise((resolve) => setTimeout(resolve, 3_600_000)),
      });
      return new Response(body);
    }
    if (path === '/loop-in-stream') {
      // The first chunk goes out with the answer; the loop starts when workerd pulls the next.
      const body = new ReadableStream({
        start(c) { c.enqueue(new TextEncoder().encode('open')); },
        pull() { for (;;) {} },
      });
      return new Response(body);
    }
    if (path === '/work') {
      let sum = 0;
      for (let i = 0; i < 30_000_000; i++) sum += i;
      return new Response(sum > 0 ? 'worked' : 'no');
    }
    return new Response('fine');
  },
};`;

/** The first non-empty chunk of a body, as text ('' when it ends first). */
async function firstText(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return '';
    const text = new TextDecoder().decode(value);
    if (text !== '') return text;
  }
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Answers of the bystander project, each timed, while `during` runs. */
async function timedAnswers(runtime: HostedRuntime, during: Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  let done = false;
  void during.finally(() => {
    done = true;
  });
  while (!done) {
    const started = performance.now();
    const response = await runtime.fetch('prj_bystander', 'api', new Request('http://fn.local/'));
    expect(await response.text()).toBe('hello');
    times.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 50));
  }
  return times;
}

describe('hosted runtime limits', () => {
  const attacker = worker('attack', ATTACKS);

  // The CPU limit is far below the wall limit where the CPU limit is tested: on a loaded machine a
  // loop gets a fraction of a core, and must not meet the wall limit first.
  it.each([
    ['/loop', 'an infinite loop', { cpuMs: 1_000 }, 'hosting/cpu-limit-exceeded', 503, 'cpu-limit'],
    [
      '/memory',
      'a memory bomb',
      { memoryBytes: 64 * 1024 * 1024 },
      'hosting/memory-limit-exceeded',
      503,
      'memory-limit',
    ],
    [
      '/hang',
      'a request that never answers',
      { wallMs: 2_000 },
      'hosting/wall-limit-exceeded',
      504,
      'wall-limit',
    ],
  ] as const)(
    'stops %s (%s), reports it, and the other project answers within a second during and after',
    async (path, _, limit, code, status, outcome) => {
      const runtime = createRuntime({ limits: limits({ cpuMs: 60_000, wallMs: 120_000, ...limit }) });
      const logs = logCollector();
      runtime.onLog(logs.listener);
      try {
        // Started at once: each process must still be told apart (the watchdog kills by pid).
        await Promise.all([
          runtime.ensure('prj_attacker', [attacker]),
          runtime.ensure('prj_bystander', [worker('api', HELLO)]),
        ]);
        const pidsBefore = workerdPids();
        const attack = runtime.fetch('prj_attacker', 'attack', new Request(`http://fn.local${path}`)).then(
          () => null,
          (e: unknown) => e as ApiError,
        );
        const during = await timedAnswers(runtime, attack);
        const error = await attack;
        expect(error?.code).toBe(code);
        expect(error?.status).toBe(status);
        expect(during.length).toBeGreaterThan(0);
        expect(Math.max(...during)).toBeLessThan(1_000);

        const log = await logs.next((p, l) => p === 'prj_attacker' && l.outcome === outcome);
        expect(log.deploymentId).toBe(attacker.deploymentId);
        // The attacker's workerd was killed; the bystander's was not.
        await until(() => workerdPids().length === pidsBefore.length - 1);
        expect(logs.logs.filter((l) => l.projectId === 'prj_bystander' && l.log.outcome !== 'ok')).toEqual(
          [],
        );

        const after = performance.now();
        const answer = await runtime.fetch('prj_bystander', 'api', new Request('http://fn.local/'));
        expect(await answer.text()).toBe('hello');
        expect(performance.now() - after).toBeLessThan(1_000);
        // The next request starts the attacker's project again.
        const again = await runtime.fetch('prj_attacker', 'attack', new Request('http://fn.local/ok'));
        expect(await again.text()).toBe('fine');
        expect(workerdPids().length).toBe(pidsBefore.length);
      } finally {
        await runtime.close();
      }
    },
  );
});

describe('hosted runtime crash', () => {
  it('answers worker-crashed when workerd dies under a request, reports it, and starts again', async () => {
    const runtime = createRuntime({ limits: limits() });
    const logs = logCollector();
    runtime.onLog(logs.listener);
    try {
      const deployment = worker('slow', ATTACKS);
      await runtime.ensure('prj_crash', [deployment]);
      const [pid] = workerdPids();
      const pending = runtime
        .fetch('prj_crash', 'slow', new Request('http://fn.local/hang'))
        .catch((e: unknown) => e);
      // Whether the request has reached workerd yet or is still connecting, it meets a dead process.
      process.kill(pid as number, 'SIGKILL');
      const error = (await pending) as ApiError;
      expect(error.code).toBe('hosting/worker-crashed');
      expect(error.status).toBe(502);
      const log = await logs.next((p, l) => p === 'prj_crash' && l.outcome === 'crashed');
      expect(log.deploymentId).toBe(deployment.deploymentId);
      expect(await (await runtime.fetch('prj_crash', 'slow', new Request('http://fn.local/ok'))).text()).toBe(
        'fine',
      );
    } finally {
      await runtime.close();
    }
  });
});

describe('hosted runtime abort', () => {
  it("ends a request when its caller's signal aborts, without stopping the project", async () => {
    const runtime = createRuntime({ limits: limits() });
    const logs = logCollector();
    runtime.onLog(logs.listener);
    try {
      await runtime.ensure('prj_abort', [worker('attack', ATTACKS)]);
      const pids = workerdPids();
      const controller = new AbortController();
      const pending = runtime
        .fetch('prj_abort', 'attack', new Request('http://fn.local/hang', { signal: controller.signal }))
        .catch((e: unknown) => e as Error);
      controller.abort();
      expect(((await pending) as Error).name).toBe('AbortError');
      expect(
        await (await runtime.fetch('prj_abort', 'attack', new Request('http://fn.local/ok'))).text(),
      ).toBe('fine');
      expect(workerdPids()).toEqual(pids);
      expect(logs.logs.filter((l) => l.log.outcome !== 'ok')).toEqual([]);
    } finally {
      await runtime.close();
    }
  });
});

describe('hosted runtime CPU accounting', () => {
  it('charges nothing to a request that never reached the worker', async () => {
    // Each /work uses a few tens of ms of CPU; together they pass the limit. A request aborted
    // before it was sent has no trace to end it: were it charged, that work would stop the project.
    const runtime = createRuntime({ limits: limits({ cpuMs: 200 }) });
    try {
      await runtime.ensure('prj_work', [worker('attack', ATTACKS)]);
      const aborted = await runtime
        .fetch('prj_work', 'attack', new Request('http://fn.local/ok', { signal: AbortSignal.abort() }))
        .catch((e: unknown) => e as Error);
      expect((aborted as Error).name).toBe('AbortError');
      for (let i = 0; i < 12; i++) {
        const response = await runtime.fetch('prj_work', 'attack', new Request('http://fn.local/work'));
        expect(await response.text()).toBe('worked');
      }
    } finally {
      await runtime.close();
    }
  });

  it("charges a long-lived stream nothing for the project's other requests", async () => {
    const runtime = createRuntime({ limits: limits({ cpuMs: 200 }) });
    try {
      await runtime.ensure('prj_stream', [worker('attack', ATTACKS)]);
      const stream = await runtime.fetch('prj_stream', 'attack', new Request('http://fn.local/stream'));
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      expect(await firstText(reader)).toBe('open');
      for (let i = 0; i < 12; i++) {
        const response = await runtime.fetch('prj_stream', 'attack', new Request('http://fn.local/work'));
        expect(await response.text()).toBe('worked');
      }
      await reader.cancel();
    } finally {
      await runtime.close();
    }
  });

  it('stops a loop that runs after the answer, in the body stream', async () => {
    const runtime = createRuntime({ limits: limits({ cpuMs: 500 }) });
    const logs = logCollector();
    runtime.onLog(logs.listener);
    try {
      await runtime.ensure('prj_late_loop', [worker('attack', ATTACKS)]);
      const response = await runtime.fetch(
        'prj_late_loop',
        'attack',
        new Request('http://fn.local/loop-in-stream'),
      );
      await (response.body as ReadableStream<Uint8Array>)
        .getReader()
        .read()
        .catch(() => null);
      await logs.next((p, l) => p === 'prj_late_loop' && l.outcome === 'cpu-limit');
      expect(
        await (await runtime.fetch('prj_late_loop', 'attack', new Request('http://fn.local/ok'))).text(),
      ).toBe('fine');
    } finally {
      await runtime.close();
    }
  });
});

describe('hosted runtime outbound fetch', () => {
  let runtime: HostedRuntime;
  let upstream: Server;
  let upstreamPort: number;
  let hits = 0;

  const FETCHER = `export default {
    async fetch(request) {
      const { urls } = await request.json();
      const results = [];
      for (const url of urls) {
        try {
          const response = await fetch(url);
          results.push('ok ' + response.status + ' ' + (await response.text()));
        } catch (error) {
          results.push('refused ' + error.message);
        }
      }
      return Response.json(results);
    },
  };`;

  async function fetchAll(project: string, urls: string[]): Promise<string[]> {
    const response = await runtime.fetch(
      project,
      'fetcher',
      new Request('http://fn.local/', { method: 'POST', body: JSON.stringify({ urls }) }),
    );
    return (await response.json()) as string[];
  }

  const resolve: Resolver = async (host) => {
    if (host === 'metadata.test') return [{ address: '169.254.169.254', family: 4 }];
    if (host === 'intranet.test') return [{ address: '10.1.2.3', family: 4 }];
    if (host === 'allowed.test') return [{ address: '127.0.0.1', family: 4 }];
    throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  };

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      hits += 1;
      res.end(`upstream ${req.url} ${req.headers['x-aerostack-invocation'] ?? 'no-id'}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamPort = (upstream.address() as AddressInfo).port;
    runtime = createRuntime({ limits: limits({ maxSubrequests: 5, allowHosts: ['allowed.test'] }), resolve });
    await runtime.ensure('prj_out', [worker('fetcher', FETCHER)]);
  });

  afterAll(async () => {
    await runtime.close();
    await new Promise((r) => upstream.close(r));
  });

  it('refuses loopback, the platform’s own port, private and metadata addresses', async () => {
    const results = await fetchAll('prj_out', [
      'http://127.0.0.2/',
      `http://127.0.0.1:${upstreamPort}/`,
      'http://[::1]/',
      'http://metadata.test/latest/meta-data/',
      'http://intranet.test/',
    ]);
    expect(results).toEqual([
      expect.stringMatching(/^refused .*loopback address/),
      expect.stringMatching(/^refused .*loopback address/),
      expect.stringMatching(/^refused .*loopback address/),
      expect.stringMatching(/^refused .*cloud metadata address/),
      expect.stringMatching(/^refused .*private address/),
    ]);
    expect(results.join()).toContain('AEROSTACK_HOSTING_ALLOW_HOSTS');
    expect(hits).toBe(0);
  });

  it('gives TCP sockets (cloudflare:sockets connect) no way around the outbound path', async () => {
    await runtime.ensure('prj_socket', [
      worker(
        'socket',
        `import { connect } from 'cloudflare:sockets';
        export default {
          async fetch() {
            try {
              const socket = connect({ hostname: '127.0.0.1', port: ${upstreamPort} });
              const writer = socket.writable.getWriter();
              await writer.write(new TextEncoder().encode('GET / HTTP/1.0\\r\\n\\r\\n'));
              const { value } = await socket.readable.getReader().read();
              return new Response('connected ' + new TextDecoder().decode(value));
            } catch (error) {
              return new Response('refused ' + error.message);
            }
          },
        };`,
      ),
    ]);
    const before = hits;
    const answer = await (
      await runtime.fetch('prj_socket', 'socket', new Request('http://fn.local/'))
    ).text();
    expect(answer).toMatch(/^refused /);
    expect(hits).toBe(before);
  });

  it('reaches an allowed host, without the invocation header, and counts subrequests per request', async () => {
    const url = `http://allowed.test:${upstreamPort}/x`;
    const results = await fetchAll('prj_out', Array(6).fill(url));
    expect(results.slice(0, 5)).toEqual(Array(5).fill('ok 200 upstream /x no-id'));
    expect(results[5]).toMatch(/^refused Too many subrequests: one request may make 5/);
    expect(hits).toBe(5);
    // The count is per request: the next one starts again.
    expect(await fetchAll('prj_out', [url])).toEqual(['ok 200 upstream /x no-id']);
  });

  it('replaces an invocation id the worker forges with its request’s own', async () => {
    await runtime.ensure('prj_forge', [
      worker(
        'fetcher',
        `const platformFetch = globalThis.fetch;
        export default {
          async fetch() {
            // Captured before the runtime's wrapper? It is not: the preamble runs first. Forge an id instead.
            const response = await platformFetch('http://allowed.test:${upstreamPort}/forged', {
              headers: { 'x-aerostack-invocation': 'not-a-real-invocation' },
            });
            return new Response(String(response.status));
          },
        };`,
      ),
    ]);
    const before = hits;
    const response = await runtime.fetch('prj_forge', 'fetcher', new Request('http://fn.local/'));
    // The wrapper replaces the forged id with the real one: the fetch is counted and goes out.
    expect(await response.text()).toBe('200');
    expect(hits).toBe(before + 1);
  });
});
