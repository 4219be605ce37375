import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Server } from '../src/server.js';
import { BACKENDS } from './support/backends.js';
import { configFor } from './support/harness.js';
import { openSse, type SseStream } from './support/sse.js';
import { callNode, SHARED_BACKENDS, twoNodes } from './support/two-nodes.js';

// Invocation logs of hosted code, over real HTTP against the real platform and workerd, on every
// backend: what a function prints and throws is listed per worker, newest first, with a cursor and
// per deployment; each deployment keeps its newest N; a huge log is clipped; another project's
// worker is a 404; a deleted worker's logs do not come back with a new worker of that name. A tail
// over SSE sees each invocation as it ends, at most 10 tails of a worker are open at once, and on
// two nodes a tail on one sees what the other ran.

const KEEP = 4;
const TOML = `name = "talker"
main = "index.js"
compatibility_date = "2025-01-01"
`;
const CODE = `export default {
  async fetch(request) {
    const url = new URL(request.url);
    const n = url.searchParams.get('n') ?? '0';
    console.log('call', n);
    if (url.pathname === '/warn') console.warn('careful', n);
    if (url.pathname === '/boom') throw new Error('boom ' + n);
    if (url.pathname === '/flood') for (let i = 0; i < 200; i++) console.log(String(i).padEnd(1000, '.'));
    return new Response('ok ' + n);
  },
};`;
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
type Answer = { status: number; json: any };
const modules = (code = CODE) => [{ name: 'index.js', content: code }];

describe.each(BACKENDS)('hosting logs on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let server: Server;
  let keys: NonNullable<Server['platform']['keys']>;
  let deployment: string;
  const tails: SseStream[] = [];

  beforeAll(async () => {
    stores = await backend.create();
    const config = configFor(stores, { env: { AEROSTACK_HOSTING_LOGS_PER_DEPLOYMENT: String(KEEP) } });
    server = await listen({ ...config, port: 0, heartbeatMs: 200 });
    keys = server.platform.keys!;
  }, 60_000);
  afterAll(async () => {
    for (const tail of tails) tail.close();
    await server?.close(1_000);
    await stores?.cleanup();
  });

  async function admin(
    method: string,
    path: string,
    body?: unknown,
    project = keys.projectId,
  ): Promise<Answer> {
    const res = await fetch(`${server.url}/v1/projects${project ? `/${project}` : ''}${path}`, {
      method,
      headers: { authorization: `Bearer ${keys.accountKey}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }
  const call = async (path: string) => {
    const res = await fetch(`${server.url}/fn/${keys.projectId}/talker${path}`);
    return { status: res.status, text: await res.text() };
  };
  const tail = async () => {
    const stream = await openSse(`${server.url}/v1/projects/${keys.projectId}/workers/talker/logs/tail`, {
      authorization: `Bearer ${keys.accountKey}`,
    });
    tails.push(stream);
    return stream;
  };
  /** The listed logs once `count` are there (they are written in batches, off the answer). */
  const listed = async (count: number, query = '') => {
    let json: { data: Array<Record<string, unknown>>; nextCursor: string | null } = {
      data: [],
      nextCursor: null,
    };
    await expect
      .poll(
        async () => {
          const res = await admin('GET', `/workers/talker/logs${query}`);
          expect(res.status, JSON.stringify(res.json)).toBe(200);
          json = res.json;
          return json.data.length;
        },
        { timeout: 15_000, interval: 50 },
      )
      .toBeGreaterThanOrEqual(count);
    return json;
  };

  it('keeps what an invocation printed and threw, newest first, with a cursor', async () => {
    const deployed = await admin('POST', '/deployments', { aerostackToml: TOML, modules: modules() });
    expect(deployed.status, JSON.stringify(deployed.json)).toBe(201);
    deployment = deployed.json.id;
    expect(await call('/warn?n=1')).toEqual({ status: 200, text: 'ok 1' });
    expect((await call('/boom?n=2')).status).toBe(500);

    const { data } = await listed(2);
    expect(data.map((log) => log.outcome)).toEqual(['exception', 'ok']);
    const [boom, warn] = data as Array<
      { lines: Array<{ level: string; message: string }> } & Record<string, unknown>
    >;
    expect(warn).toMatchObject({ worker: 'talker', deploymentId: deployment });
    expect(warn!.lines.map((l) => [l.level, l.message])).toEqual([
      ['log', 'call 1'],
      ['warn', 'careful 1'],
    ]);
    expect(boom!.lines[0]).toMatchObject({ level: 'log', message: 'call 2' });
    expect(boom!.lines.some((l) => l.level === 'error' && l.message.includes('boom 2'))).toBe(true);

    const first = await admin('GET', '/workers/talker/logs?limit=1');
    expect(first.json.data[0].id).toBe(boom!.id);
    const second = await admin('GET', `/workers/talker/logs?limit=1&cursor=${first.json.nextCursor}`);
    expect(second.json.data.map((l: { id: string }) => l.id)).toEqual([warn!.id]);
  }, 120_000);

  it(`keeps the newest ${KEEP} invocations of each deployment`, async () => {
    for (let n = 10; n < 10 + KEEP + 3; n++) expect((await call(`/?n=${n}`)).status).toBe(200);
    await expect
      .poll(
        async () => {
          const res = await admin('GET', '/workers/talker/logs');
          return res.json.data.map((l: { lines: Array<{ message: string }> }) => l.lines[0]!.message);
        },
        { timeout: 15_000, interval: 50 },
      )
      .toEqual(['call 16', 'call 15', 'call 14', 'call 13']);

    const v2 = await admin('POST', '/deployments', {
      aerostackToml: TOML,
      modules: modules(`${CODE}\n// v2`),
    });
    expect(v2.status).toBe(201);
    expect((await call('/?n=20')).status).toBe(200);
    const { data } = await listed(KEEP + 1);
    expect(data.map((l) => l.deploymentId)).toEqual([v2.json.id, ...Array(KEEP).fill(deployment)]);
    const one = await admin('GET', `/workers/talker/logs?deploymentId=${v2.json.id}`);
    expect(one.json.data).toHaveLength(1);
  }, 120_000);

  it('clips an invocation to 64 KiB of lines and says so', async () => {
    expect((await call('/flood?n=30')).status).toBe(200);
    await expect
      .poll(
        async () => {
          const res = await admin('GET', '/workers/talker/logs?limit=1');
          return res.json.data[0].lines[0].message;
        },
        { timeout: 15_000, interval: 50 },
      )
      .toBe('call 30');
    const [log] = (await admin('GET', '/workers/talker/logs?limit=1')).json.data;
    const last = log.lines[log.lines.length - 1];
    expect(last.level).toBe('warn');
    expect(last.message).toMatch(/^\d+ more line\(s\) not kept: an invocation keeps 64 KiB of log\.$/);
    const kept = log.lines
      .slice(0, -1)
      .reduce((n: number, l: { message: string }) => n + l.message.length, 0);
    expect(kept).toBeLessThanOrEqual(64 * 1024);
    expect(kept).toBeGreaterThan(60 * 1024);
  }, 120_000);

  it('tails each invocation live, large ones too', async () => {
    const stream = await tail();
    expect(stream.status).toBe(200);
    await call('/?n=40');
    await call('/flood?n=41');
    const [small, large] = await stream.take('log', 2, 15_000);
    expect(small!.data.lines[0].message).toBe('call 40');
    expect(small!.data.id).toBe(small!.id);
    expect(large!.data.lines[0].message).toBe('call 41');
    expect(large!.data.lines.length).toBeGreaterThan(60);
    stream.close();
  }, 120_000);

  it('refuses an eleventh tail of one worker until one closes', async () => {
    const open: SseStream[] = [];
    for (let i = 0; i < 10; i++) open.push(await tail());
    expect(open.map((s) => s.status)).toEqual(Array(10).fill(200));
    const refused = await tail();
    expect(refused.status).toBe(429);
    expect(JSON.parse(await refused.text()).code).toBe('hosting/too-many-tails');
    open[0]!.close();
    await expect.poll(async () => (await tail()).status, { timeout: 10_000, interval: 100 }).toBe(200);
    for (const stream of tails) stream.close();
  }, 120_000);

  it('answers 404 for another project, an unknown worker, and refuses a foreign cursor', async () => {
    const other = await admin('POST', '', { name: 'Other' }, '');
    expect(other.status).toBe(201);
    const otherId = other.json.project.id as string;
    expect((await admin('GET', '/workers/talker/logs', undefined, otherId)).json.code).toBe(
      'hosting/worker-not-found',
    );
    expect((await admin('GET', '/workers/nobody/logs')).json.code).toBe('hosting/worker-not-found');
    const tailOther = await openSse(`${server.url}/v1/projects/${otherId}/workers/talker/logs/tail`, {
      authorization: `Bearer ${keys.accountKey}`,
    });
    expect(tailOther.status).toBe(404);
    expect((await admin('GET', '/workers/talker/logs?cursor=nope')).status).toBe(400);
    expect((await admin('GET', '/workers/talker/logs?deploymentId=x')).status).toBe(400);
  }, 120_000);

  it('a batch holding the last logs of a deleted project still stores the other projects’ logs', async () => {
    const logs = server.platform.services.hosting.logs;
    const entry = (worker: string, message: string) => ({
      deploymentId: deployment,
      worker,
      at: Date.now(),
      outcome: 'ok' as const,
      lines: [{ level: 'log' as const, message, at: Date.now() }],
    });
    // prj_… of no project (deleted as its last invocations were flushed), then a live one.
    logs.record('prj_gone0000000000000000', entry('talker', 'from a deleted project'));
    logs.record(keys.projectId, entry('talker', 'kept beside it'));
    await logs.flush();
    const listed = await admin('GET', '/workers/talker/logs?limit=1');
    expect(listed.json.data[0].lines.map((l: { message: string }) => l.message)).toEqual(['kept beside it']);
  }, 60_000);

  it('does not show a deleted worker’s logs under a new worker of the same name', async () => {
    expect((await admin('DELETE', '/workers/talker')).status).toBe(204);
    expect((await admin('POST', '/deployments', { aerostackToml: TOML, modules: modules() })).status).toBe(
      201,
    );
    expect((await admin('GET', '/workers/talker/logs')).json.data).toEqual([]);
    await server.platform.services.hosting.logs.deleteOrphans();
    const rows = await server.platform.services.database.db
      .selectFrom('hosting_logs' as never)
      .select('id' as never)
      .execute();
    expect(rows).toEqual([]);
  }, 120_000);
});

describe.each(SHARED_BACKENDS)('hosting logs on two nodes ($name)', (backend) => {
  const nodes = twoNodes(backend);

  it('a tail on one node sees what the other node ran', async () => {
    const keys = nodes.a.keys!;
    const deployed = await callNode(
      nodes.a,
      'POST',
      `/v1/projects/${keys.projectId}/deployments`,
      keys.accountKey,
      {
        aerostackToml: TOML,
        modules: modules(),
      },
    );
    expect(deployed.status).toBe(201);
    const res = await nodes.b.app.request(`/v1/projects/${keys.projectId}/workers/talker/logs/tail`, {
      headers: { authorization: `Bearer ${keys.accountKey}` },
    });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect(await (await nodes.a.app.request(`/fn/${keys.projectId}/talker/?n=7`)).text()).toBe('ok 7');
    let text = '';
    while (!text.includes('event: log')) text += (await reader.read()).value ?? '';
    expect(text).toContain('"message":"call 7"');
    await reader.cancel();
  }, 120_000);
});
