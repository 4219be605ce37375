import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type HostedRuntime } from '../src/modules/hosting/runtime/index.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';
import { limits, logCollector, worker } from './support/hosting-runtime.js';

// Service bindings between a project's workers (`[[services]]`, decision 0054), over HTTP against
// the real platform and its real workerd, on every backend: `env.X.fetch()` reaches the named
// worker of the same project (never another project's worker of that name), a named entrypoint's
// RPC methods answer, the callee's invocation is logged under its own deployment, each call counts
// as a subrequest, an A → B → A recursion ends with a clear error, the CPU watchdog still stops a
// loop behind a binding, a redeploy of the target is seen by the next call, a missing target is
// refused at deploy (located) and a deleted one is a clear error at the call.

const toml = (name: string, tables = '') => `name = "${name}"
main = "index.js"
compatibility_date = "2025-01-01"

[vars]
WHO = "${name}-vars"
${tables}`;

/** The target: a default fetch that shows what it received, and a named entrypoint with RPC methods. */
const greeter = (version: string) => `import { WorkerEntrypoint } from 'cloudflare:workers';
export class Admin extends WorkerEntrypoint {
  add(a, b) {
    console.log('adding ' + a + ' and ' + b);
    return { sum: a + b, version: ${JSON.stringify(version)}, who: this.env.WHO };
  }
  fail() {
    throw new RangeError('no such thing');
  }
  // What arrived, with the types structured clone keeps, sent back as it came.
  echo(value) {
    const types = Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, v === undefined ? 'undefined' : v?.constructor?.name ?? typeof v]),
    );
    return { value, types };
  }
  giveFunction() {
    return { f() {} };
  }
  nothing_() {}
  async fetch(request) {
    return new Response('admin fetch ' + new URL(request.url).pathname);
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/loop') for (;;) {}
    console.log('greeter got ' + url.pathname);
    return Response.json({
      version: ${JSON.stringify(version)},
      who: env.WHO,
      url: request.url,
      method: request.method,
      hello: request.headers.get('x-hello'),
      own: [request.headers.get('x-aerostack-entrypoint'), request.headers.get('x-aerostack-service')],
      body: request.method === 'POST' ? await request.text() : null,
    });
  },
};`;

/** The caller: each path exercises one way through its bindings; errors come back as text. */
const FRONT = `const safe = async (f) => {
  try { return await f(); } catch (e) { return { error: e.name + ': ' + e.message }; }
};
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === '/call') {
      const r = await env.GREETER.fetch('https://greeter.internal/hello?x=1', {
        method: 'POST',
        headers: { 'x-hello': 'there', 'x-aerostack-entrypoint': 'Admin', 'x-aerostack-event': 'rpc' },
        body: 'payload',
      });
      return Response.json({ status: r.status, greeter: await r.json() });
    }
    if (path === '/rpc')
      return Response.json({
        add: await safe(() => env.ADMIN.add(2, 3)),
        fail: await safe(() => env.ADMIN.fail()),
        missing: await safe(() => env.ADMIN.nothing()),
        reserved: await safe(() => env.ADMIN.constructor()),
        viaFetch: await (await env.ADMIN.fetch('https://admin/p')).text(),
        defaultRpc: await safe(() => env.GREETER.add(1, 1)),
        sendFunction: await safe(() => env.ADMIN.echo({ f() {} })),
        getFunction: await safe(() => env.ADMIN.giveFunction()),
        noResult: String(await env.ADMIN.nothing_()),
        ghostRpc: await safe(() => env.GHOST.add(1, 1)),
        ghostFetch: (await env.GHOST.fetch('https://ghost/')).status,
      });
    if (path === '/clone') {
      const sent = {
        date: new Date(1700000000000), big: 12345678901234567890n, inf: -Infinity, nan: NaN, gone: undefined,
        map: new Map([['k', new Set([1, 2])]]), bytes: new Uint8Array([0, 1, 254, 255]),
        floats: new Float64Array([1.5, -2]), buffer: new Uint8Array([9, 8]).buffer, error: new TypeError('inner'),
        list: [1, undefined, 'x'], plain: { a: { b: [true, null] } },
      };
      const { value, types } = await env.ADMIN.echo(sent);
      return Response.json({
        types,
        back: Object.fromEntries(Object.keys(value).map((k) => [k, value[k]?.constructor?.name ?? String(value[k])])),
        same: {
          date: value.date.getTime() === 1700000000000,
          big: value.big === 12345678901234567890n,
          inf: value.inf === -Infinity && Number.isNaN(value.nan),
          gone: 'gone' in value && value.gone === undefined,
          map: [...value.map.get('k')].join(','),
          bytes: [...value.bytes].join(','),
          floats: [...value.floats].join(','),
          buffer: [...new Uint8Array(value.buffer)].join(','),
          error: value.error.name + ': ' + value.error.message,
          list: value.list.length === 3 && value.list[1] === undefined,
          plain: JSON.stringify(value.plain),
        },
      });
    }
    if (path === '/many') {
      const out = [];
      for (let i = 0; i < 13; i++) out.push(await safe(async () => (await env.GREETER.fetch('https://g/n')).status));
      return Response.json(out);
    }
    if (path === '/loop') return env.GREETER.fetch('https://g/loop');
    return Response.json(await safe(async () => (await env.GREETER.fetch('https://g/again')).json()));
  },
};`;

/** Calls the next worker one level deeper until a call is refused; the refusal travels back up. */
const RECURSIVE = `export default {
  async fetch(request, env) {
    const depth = Number(new URL(request.url).searchParams.get('d') ?? '0');
    try {
      const r = await env.NEXT.fetch('https://next/?d=' + (depth + 1));
      return new Response(await r.text(), { status: r.status });
    } catch (e) {
      return new Response('depth ' + depth + ': ' + e.message, { status: 508 });
    }
  },
};`;

const FRONT_TABLES = `
[[services]]
binding = "GREETER"
service = "greeter"
environment = "production"

[[services]]
binding = "ADMIN"
service = "greeter"
entrypoint = "Admin"

[[services]]
binding = "GHOST"
service = "greeter"
entrypoint = "Nope"
`;

describe.each(BACKENDS)('hosting service bindings on $name', (backend) => {
  let t: TestPlatform;
  let project: string;
  let other: string;
  const ids: Record<string, string> = {};

  const admin = (method: string, path: string, body?: unknown, projectId = project) =>
    t.call({ method, path: `/v1/projects/${projectId}${path}`, auth: t.keys.accountKey, body });
  const deploy = (name: string, code: string, tables = '', projectId = project) =>
    admin(
      'POST',
      '/deployments',
      { aerostackToml: toml(name, tables), modules: [{ name: 'index.js', content: code }] },
      projectId,
    );
  const fn = (worker: string, path: string, projectId = project) =>
    t.call({ method: 'GET', path: `/fn/${projectId}/${worker}${path}` });

  /** The worker's listed logs once one matches (they are written in batches, off the answer). */
  async function logOf(worker: string, match: (log: { lines: { message: string }[] }) => boolean) {
    for (let i = 0; i < 100; i++) {
      const res = await admin('GET', `/workers/${worker}/logs`);
      const found = (res.json.data as { lines: { message: string }[]; deploymentId: string }[]).find(match);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no matching log of ${worker}`);
  }

  beforeAll(async () => {
    t = await testPlatform(backend, {
      env: { AEROSTACK_HOSTING_MAX_SUBREQUESTS: '12', AEROSTACK_HOSTING_CPU_MS: '3000' },
    });
    project = t.keys.projectId;
    other = (
      await t.call({ method: 'POST', path: '/v1/projects', auth: t.keys.accountKey, body: { name: 'Other' } })
    ).json.project.id;
  }, 60_000);
  afterAll(() => t?.close());

  it('refuses a [[services]] table without a worker name, located at its key', async () => {
    const tables = `
[[services]]
binding = "GREETER"
entrypoint = "not a name"

[[services]]
binding = "OTHER"
service = true
`;
    const res = await deploy('front', FRONT, tables);
    expect(res.status).toBe(422);
    expect(res.json.code).toBe('hosting/layout-invalid');
    expect(res.json.errors).toEqual([
      { location: 'aerostack.toml:8:1', message: '`services[0].service` is required.' },
      {
        location: 'aerostack.toml:10:1',
        message:
          '`services[0].entrypoint` must be the name of an export of the target worker; it is "not a name".',
      },
      {
        location: 'aerostack.toml:14:1',
        message: '`services[1].service` must be a string or a number, not a boolean.',
      },
    ]);
  });

  it('refuses a binding to a worker the project does not have, at the binding, and stores nothing', async () => {
    const res = await deploy('front', FRONT, FRONT_TABLES);
    expect(res.status).toBe(422);
    expect(res.json.code).toBe('hosting/service-not-found');
    const message =
      'The service binding GREETER names the worker greeter, which this project does not have; deploy it first.';
    expect(res.json.errors).toEqual([
      { location: 'aerostack.toml:8:1', message },
      { location: 'aerostack.toml:13:1', message: message.replace('GREETER', 'ADMIN') },
      { location: 'aerostack.toml:18:1', message: message.replace('GREETER', 'GHOST') },
    ]);
    expect(res.json.detail).toBe(`aerostack.toml:8:1 ${message}`);
    expect((await admin('GET', '/workers')).json.data).toEqual([]);
  });

  it('deploys a caller once its target exists: the bindings are wired, `environment` is a warning', async () => {
    const target = await deploy('greeter', greeter('v1'));
    expect(target.status, target.text).toBe(201);
    ids.greeterV1 = target.json.id;
    const res = await deploy('front', FRONT, FRONT_TABLES);
    expect(res.status, res.text).toBe(201);
    ids.front = res.json.id;
    expect(res.json.bindings).toEqual([
      { type: 'services', binding: 'GREETER', wired: true },
      { type: 'services', binding: 'ADMIN', wired: true },
      { type: 'services', binding: 'GHOST', wired: true },
    ]);
    expect(res.json.warnings).toEqual([
      {
        location: 'aerostack.toml:11:1',
        message:
          "`services[0].environment` is ignored: a service binding reaches the target worker's active deployment.",
      },
    ]);
  });

  it('fetch reaches the target with its method, URL, headers and body; the platform’s headers are not forwarded', async () => {
    const res = await fn('front', '/call');
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      status: 200,
      greeter: {
        version: 'v1',
        who: 'greeter-vars',
        url: 'https://greeter.internal/hello?x=1',
        method: 'POST',
        hello: 'there',
        own: [null, null],
        body: 'payload',
      },
    });
  });

  it('a named entrypoint answers RPC calls and its fetch; errors are thrown at the caller', async () => {
    const res = await fn('front', '/rpc');
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({
      add: { sum: 5, version: 'v1', who: 'greeter-vars' },
      fail: { error: 'RangeError: no such thing' },
      missing: { error: 'TypeError: The RPC receiver does not implement the method "nothing".' },
      reserved: { error: 'TypeError: The RPC receiver does not implement the method "constructor".' },
      viaFetch: 'admin fetch /p',
      // The default export is an object, not a WorkerEntrypoint class: it has no RPC methods.
      defaultRpc: { error: 'TypeError: The RPC receiver does not implement the method "add".' },
      sendFunction: {
        error: 'DataCloneError: Could not serialize a function: RPC through this platform carries data only.',
      },
      getFunction: {
        error: 'DataCloneError: Could not serialize a function: RPC through this platform carries data only.',
      },
      noResult: 'undefined',
      // An entrypoint the target does not export: an error at the call (the fetch's is the target's 500).
      ghostRpc: { error: 'TypeError: index.js exports no entrypoint Nope' },
      ghostFetch: 500,
    });
  });

  it('RPC keeps the values structured clone keeps: dates, bigints, maps, sets, bytes, errors, undefined', async () => {
    const res = await fn('front', '/clone');
    expect(res.status, res.text).toBe(200);
    const types = {
      date: 'Date',
      big: 'BigInt',
      inf: 'Number',
      nan: 'Number',
      gone: 'undefined',
      map: 'Map',
      bytes: 'Uint8Array',
      floats: 'Float64Array',
      buffer: 'ArrayBuffer',
      error: 'TypeError',
      list: 'Array',
      plain: 'Object',
    };
    // As the target received them, and as the caller got them back.
    expect(res.json.types).toEqual(types);
    expect(res.json.back).toEqual(types);
    expect(res.json.same).toEqual({
      date: true,
      big: true,
      inf: true,
      gone: true,
      map: '1,2',
      bytes: '0,1,254,255',
      floats: '1.5,-2',
      buffer: '9,8',
      error: 'TypeError: inner',
      list: true,
      plain: '{"a":{"b":[true,null]}}',
    });
  });

  it("logs the callee's invocation under its own deployment, apart from the caller's", async () => {
    const got = await logOf('greeter', (log) => log.lines.some((l) => l.message === 'greeter got /hello'));
    expect(got).toMatchObject({ deploymentId: ids.greeterV1, worker: 'greeter', outcome: 'ok' });
    const rpc = await logOf('greeter', (log) => log.lines.some((l) => l.message === 'adding 2 and 3'));
    expect(rpc).toMatchObject({ deploymentId: ids.greeterV1, outcome: 'ok' });
    const failed = await logOf('greeter', (log) =>
      log.lines.some((l) => l.message.includes('no such thing')),
    );
    expect(failed).toMatchObject({ outcome: 'exception' });
    const front = (await admin('GET', '/workers/front/logs')).json.data as {
      deploymentId: string;
      lines: { message: string }[];
    }[];
    expect(front.length).toBeGreaterThan(0);
    expect(front.every((log) => log.deploymentId === ids.front)).toBe(true);
    expect(front.flatMap((log) => log.lines).some((l) => l.message.startsWith('greeter got'))).toBe(false);
  });

  it("sees the target's redeploy on the next call", async () => {
    expect((await deploy('greeter', greeter('v2'))).status).toBe(201);
    expect((await fn('front', '/call')).json.greeter.version).toBe('v2');
    expect((await fn('front', '/rpc')).json.add.version).toBe('v2');
  });

  it('counts each call as a subrequest of the caller (AEROSTACK_HOSTING_MAX_SUBREQUESTS = 12)', async () => {
    const res = await fn('front', '/many');
    expect(res.json).toEqual([
      ...Array(12).fill(200),
      { error: 'Error: Too many subrequests: one request may make 12 (AEROSTACK_HOSTING_MAX_SUBREQUESTS).' },
    ]);
  });

  it('ends an A → B → A recursion at 32 invocations with a clear error', async () => {
    // Each needs the other deployed first: ping is deployed without its binding, then again with it.
    expect((await deploy('ping', RECURSIVE)).status).toBe(201);
    const next = (service: string) => `\n[[services]]\nbinding = "NEXT"\nservice = "${service}"\n`;
    expect((await deploy('pong', RECURSIVE, next('ping'))).status).toBe(201);
    expect((await deploy('ping', RECURSIVE, next('pong'))).status).toBe(201);
    const res = await fn('ping', '/');
    expect(res.status).toBe(508);
    expect(res.text).toBe(
      'depth 31: Too many Worker invocations: one request may invoke at most 32 Workers through service bindings (is ping calling itself back?).',
    );
    // Chains are counted apart: concurrent requests each get their own 32 invocations.
    const concurrent = await Promise.all([1, 2, 3].map(() => fn('pong', '/')));
    expect(concurrent.map((r) => r.text)).toEqual(
      [1, 2, 3].map(() => expect.stringMatching(/^depth 31: Too many Worker invocations: .*is pong calling/)),
    );
    // The project's process is fine afterwards.
    expect((await fn('front', '/call')).status).toBe(200);
  });

  it('lets a worker bind to itself from its first deploy (it is in the set it joins)', async () => {
    const res = await deploy('solo', RECURSIVE, '\n[[services]]\nbinding = "NEXT"\nservice = "solo"\n');
    expect(res.status, res.text).toBe(201);
    const answer = await fn('solo', '/');
    expect(answer.status).toBe(508);
    expect(answer.text).toMatch(
      /^depth 31: Too many Worker invocations: .*is solo calling itself back\?\)\.$/,
    );
  });

  it("resolves a name inside the project only: another project's worker of that name is never reached", async () => {
    expect((await deploy('greeter', greeter('other project'), '', other)).status).toBe(201);
    expect((await deploy('front', FRONT, FRONT_TABLES, other)).status).toBe(201);
    expect((await fn('front', '/call')).json.greeter.version).toBe('v2');
    expect((await fn('front', '/call', other)).json.greeter.version).toBe('other project');
    // `pong` exists in the first project only: the other project cannot bind to it.
    const res = await deploy(
      'caller',
      RECURSIVE,
      '\n[[services]]\nbinding = "NEXT"\nservice = "pong"\n',
      other,
    );
    expect(res.status).toBe(422);
    expect(res.json.code).toBe('hosting/service-not-found');
  });

  it('still stops a loop behind a binding with the CPU limit; the next call works again', async () => {
    const res = await fn('front', '/loop');
    expect(res.status).toBe(503);
    expect(res.json.code).toBe('hosting/cpu-limit-exceeded');
    expect((await fn('front', '/call')).json.greeter.version).toBe('v2');
  }, 60_000);

  it('a deleted target is a clear error at the call (never a hang), and the caller cannot be deployed again', async () => {
    expect((await admin('DELETE', '/workers/greeter')).status).toBe(204);
    const res = await fn('front', '/');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      error:
        'Error: The service binding GREETER names the worker greeter, which is not deployed in this project.',
    });
    // The other project's greeter is still there, and was not reached.
    expect((await fn('front', '/call', other)).json.greeter.version).toBe('other project');
    const again = await deploy('front', FRONT, FRONT_TABLES);
    expect(again.json.code).toBe('hosting/service-not-found');
    const rollback = await admin('POST', '/workers/front/rollback', { deploymentId: ids.front });
    expect(rollback.status).toBe(422);
    expect(rollback.json.code).toBe('hosting/service-not-found');
    expect(rollback.json.errors[0].location).toBe('aerostack.toml:8:1');
  });
});

// The runtime's half: a cron handler and a queue consumer call through their bindings inside their
// own invocation (a service call needs one), and the target answers them as it answers requests.
describe('service bindings from cron and queue handlers', () => {
  let runtime: HostedRuntime;
  const logs = logCollector();
  const TARGET = `export default {
  async fetch(request) {
    console.log('target got ' + new URL(request.url).pathname);
    return new Response('ok ' + new URL(request.url).pathname);
  },
};`;
  const HANDLERS = `export default {
  async scheduled(controller, env) {
    console.log('cron heard ' + (await (await env.TARGET.fetch('https://t/cron')).text()));
  },
  async queue(batch, env) {
    for (const m of batch.messages) {
      if ((await (await env.TARGET.fetch('https://t/' + m.body)).text()) === 'ok /' + m.body) m.ack();
    }
  },
};`;

  beforeAll(async () => {
    runtime = createRuntime({ limits: limits() });
    runtime.onLog(logs.listener);
    await runtime.ensure('prj_events', [
      worker('target', TARGET, { deploymentId: 'dep_target' }),
      worker('handlers', HANDLERS, {
        deploymentId: 'dep_handlers',
        services: [{ name: 'TARGET', service: 'target' }],
      }),
    ]);
  });
  afterAll(() => runtime.close());

  it('serves a cron handler’s call, logged under each worker’s deployment', async () => {
    const result = await runtime.scheduled('prj_events', 'handlers', { cron: '* * * * *', scheduledTime: 1 });
    expect(result.outcome).toBe('ok');
    const cron = await logs.next((_, l) => l.deploymentId === 'dep_handlers');
    expect(cron.lines.map((l) => l.message)).toEqual(['cron heard ok /cron']);
    const target = await logs.next((_, l) => l.deploymentId === 'dep_target');
    expect(target.lines.map((l) => l.message)).toEqual(['target got /cron']);
  });

  it('serves a queue consumer’s calls', async () => {
    const messages = ['a', 'b'].map((body, i) => ({ id: `m${i}`, body, attempts: 1, timestamp: 1 }));
    const result = await runtime.queue('prj_events', 'handlers', { queue: 'jobs', messages });
    expect(result).toMatchObject({ outcome: 'ok', explicitAcks: ['m0', 'm1'] });
  });
});
