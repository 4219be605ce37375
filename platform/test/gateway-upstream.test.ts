import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, McpError, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gcFunction } from '../src/lib/idle-gc.js';
import { HEALTH_PERSIST_MS, type ServerRecord } from '../src/modules/gateway/servers.js';
import { UpstreamError, type Upstreams } from '../src/modules/gateway/upstream.js';
import { BACKENDS } from './support/backends.js';
import { type Answer, type TestPlatform, testPlatform } from './support/harness.js';
import { startUpstreams, stopUpstreams, type Upstream } from './support/mcp-upstreams.js';

// The upstream pool (decision 0037) against real SDK upstreams on 127.0.0.1: one session reused by
// every call, secrets injected as headers (and never in an error), lists cached until the upstream
// says they changed, a restarted upstream healed by one re-initialize and one retry, timeouts,
// cancellation and progress forwarded, failures mapped to stable codes, health recorded.

const SECRET = 'planted-secret-6Yq2Lw';
const BEARER = 'bearer-secret-Z8kPq4';

interface Observed {
  method: string;
  headers: IncomingHttpHeaders;
}

/**
 * An in-process upstream whose sessions can be forgotten (what a restarted server answers: 404 to
 * a known session id), which records every JSON-RPC method and the headers it came with, and
 * which can answer the next POSTs with an HTTP error echoing the request's Authorization header.
 */
async function recordingUpstream() {
  const seen: Observed[] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const servers = new Set<McpServer>();
  const calls: string[] = [];
  let failNext = 0;
  const newServer = () => {
    const server = new McpServer(
      { name: 'recording', version: '1.0.0' },
      { capabilities: { tools: { listChanged: true } } },
    );
    server.registerTool('note', { inputSchema: { text: z.string() } }, async ({ text }) => {
      calls.push(text);
      return { content: [{ type: 'text', text: `noted ${text}` }] };
    });
    servers.add(server);
    return server;
  };
  const readJson = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  const http: Server = createServer(async (req, res) => {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    for (const m of Array.isArray(body) ? body : [body])
      if (m && typeof m === 'object' && 'method' in m)
        seen.push({ method: String(m.method), headers: req.headers });
    if (req.method === 'POST' && failNext > 0) {
      failNext--;
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`refused ${req.headers.authorization}`);
      return;
    }
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const transport = sessions.get(id);
      if (!transport) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }),
        );
        return;
      }
      await transport.handleRequest(req, res, body);
      return;
    }
    if (!isInitializeRequest(body)) {
      res.writeHead(400).end();
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => {
        sessions.set(sid, transport);
      },
    });
    await newServer().connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    seen,
    calls,
    count: (method: string) => seen.filter((s) => s.method === method).length,
    /** Drops every session without closing its streams, as a restart behind a proxy would. */
    forgetSessions: () => sessions.clear(),
    failNextPosts: (n: number) => {
      failNext = n;
    },
    close: async () => {
      for (const s of servers) await s.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

describe.each(BACKENDS)('upstream pool on $name', (backend) => {
  let t: TestPlatform;
  let up: Record<'echo' | 'slow' | 'crashy' | 'secret' | 'sse', Upstream>;
  let rec: Awaited<ReturnType<typeof recordingUpstream>>;
  let pool: Upstreams;
  let ws: string;

  const call = (method: string, path: string, body?: unknown) =>
    t.call({ method, path, auth: t.keys.accountKey, body });
  const ok = async (res: Promise<Answer>, status = 200) => {
    const answer = await res;
    expect(answer.status, answer.text).toBe(status);
    return answer.json;
  };
  /** Registers a server through the API and answers its record as the endpoint sees it. */
  const register = async (body: object): Promise<ServerRecord> => {
    const created = await ok(call('POST', `/v1/workspaces/${ws}/servers`, body), 201);
    const record = (await t.platform.services.gateway.servers.enabledFor(ws)).find(
      (s) => s.id === created.id,
    );
    if (!record) throw new Error('registered server not enabled');
    return record;
  };
  const setSecret = (name: string, value: string) =>
    ok(call('PUT', `/v1/workspaces/${ws}/secrets/${name}`, { value }));
  const opts = (
    extra: { timeoutMs?: number; signal?: AbortSignal; onprogress?: (p: Progress) => void } = {},
  ) => ({
    signal: extra.signal ?? new AbortController().signal,
    timeoutMs: extra.timeoutMs ?? 10_000,
    ...(extra.onprogress ? { onprogress: extra.onprogress } : {}),
  });
  const text = (result: { content: unknown[] }) => (result.content[0] as { text: string }).text;
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    return error as Error & { code?: string | number };
  };

  beforeAll(async () => {
    [up, rec] = await Promise.all([
      startUpstreams({
        echo: ['echo'],
        slow: ['slow'],
        crashy: ['crashy'],
        secret: ['secret', { secret: SECRET }],
        sse: ['echo-sse'],
      }),
      recordingUpstream(),
    ]);
    t = await testPlatform(backend, { env: { AEROSTACK_GATEWAY_ALLOW_HOSTS: '127.0.0.1' } });
    pool = t.platform.services.gateway.upstreams;
    ws = (await ok(call('POST', '/v1/workspaces', { name: 'Pool' }), 201)).id;
    await setSecret('API_KEY', SECRET);
    await setSecret('TOKEN', BEARER);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await stopUpstreams(up);
    await rec?.close();
  });

  it('reuses one session for many calls, concurrent ones included', async () => {
    const echo = await register({ name: 'echo', url: up.echo.url });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pool.callTool(echo, { name: 'echo', arguments: { text: `n${i}` } }, opts()),
      ),
    );
    expect(results.map(text)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));
    for (let i = 0; i < 5; i++)
      await pool.callTool(echo, { name: 'echo', arguments: { text: 'again' } }, opts());
    expect((await up.echo.state()).sessions).toBe(1);
  });

  it('keeps nothing of a finished call alive on the pooled connection', async () => {
    // A call raced against a promise that lives as long as the connection (Promise.race) leaves a
    // reaction on it holding the call's result: ~1.7 kB per call, until the connection breaks.
    const echo = await register({ name: 'echo-kept', url: up.echo.url });
    await pool.callTool(echo, { name: 'echo', arguments: { text: 'warm' } }, opts());
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < 20; i++)
      refs.push(
        new WeakRef(await pool.callTool(echo, { name: 'echo', arguments: { text: `r${i}` } }, opts())),
      );
    await new Promise((resolve) => setTimeout(resolve, 10)); // WeakRef targets are kept for the job
    gcFunction()!(); // a full collection
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
  });

  it('injects secrets as X-Mcp-Secret-<NAME> and Authorization: Bearer', async () => {
    const secret = await register({ name: 'secret', url: up.secret.url, secretHeaders: ['API_KEY'] });
    expect(text(await pool.callTool(secret, { name: 'whoami', arguments: {} }, opts()))).toBe('authorized');
    expect((await up.secret.state()).secretAccepted).toBeGreaterThan(0);

    const recorded = await register({
      name: 'rec',
      url: rec.url,
      bearerSecret: 'TOKEN',
      secretHeaders: ['API_KEY'],
    });
    await pool.callTool(recorded, { name: 'note', arguments: { text: 'hello' } }, opts());
    const last = rec.seen.at(-1) as Observed;
    expect(last.method).toBe('tools/call');
    expect(last.headers.authorization).toBe(`Bearer ${BEARER}`);
    expect(last.headers['x-mcp-secret-api_key']).toBe(SECRET);
  });

  it('rebuilds the connection when the workspace secrets change, and refuses a missing secret', async () => {
    const recorded = await register({ name: 'rotating', url: rec.url, bearerSecret: 'ROTATING' });
    const error = await failure(pool.callTool(recorded, { name: 'note', arguments: { text: 'x' } }, opts()));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.code).toBe('gateway/upstream-error');
    expect(error.message).toBe('The workspace secret ROTATING is not set.');

    await setSecret('ROTATING', 'first-value');
    await pool.callTool(recorded, { name: 'note', arguments: { text: 'a' } }, opts());
    expect((rec.seen.at(-1) as Observed).headers.authorization).toBe('Bearer first-value');
    await setSecret('ROTATING', 'second-value');
    const initializes = rec.count('initialize');
    await pool.callTool(recorded, { name: 'note', arguments: { text: 'b' } }, opts());
    expect((rec.seen.at(-1) as Observed).headers.authorization).toBe('Bearer second-value');
    expect(rec.count('initialize')).toBe(initializes + 1);
  });

  it('never puts a secret value in an error, even when the upstream echoes it', async () => {
    const recorded = await register({ name: 'echoing', url: rec.url, bearerSecret: 'TOKEN' });
    await pool.callTool(recorded, { name: 'note', arguments: { text: 'warm' } }, opts());
    rec.failNextPosts(1);
    const error = await failure(pool.callTool(recorded, { name: 'note', arguments: { text: 'x' } }, opts()));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.code).toBe('gateway/upstream-error');
    expect(error.message).toContain('500');
    expect(error.message).toContain('[secret]');
    expect(error.message).not.toContain(BEARER);
    const health = (await ok(call('GET', `/v1/workspaces/${ws}/servers/${recorded.id}`))).health;
    expect(health.status).toBe('error');
    expect(JSON.stringify(health)).not.toContain(BEARER);
  });

  it('writes health to the table at most every few seconds, the latest sample at the end of the interval', async () => {
    const recorded = await register({ name: 'measured', url: rec.url });
    const stored = async () =>
      (await t.platform.services.database.db
        .selectFrom('gateway_servers' as never)
        .select(['health_status' as never, 'health_error' as never])
        .where('id' as never, '=', recorded.id as never)
        .executeTakeFirstOrThrow()) as { health_status: string; health_error: string | null };
    await pool.callTool(recorded, { name: 'note', arguments: { text: 'fine' } }, opts());
    await expect.poll(async () => (await stored()).health_status).toBe('ok');
    rec.failNextPosts(1);
    const failedAt = Date.now();
    await failure(pool.callTool(recorded, { name: 'note', arguments: { text: 'x' } }, opts()));
    // This worker knows at once; the table within the interval, not before.
    expect((await ok(call('GET', `/v1/workspaces/${ws}/servers/${recorded.id}`))).health.status).toBe(
      'error',
    );
    expect((await stored()).health_status).toBe('ok');
    await expect
      .poll(async () => (await stored()).health_status, { timeout: 8_000, interval: 200 })
      .toBe('error');
    expect(Date.now() - failedAt).toBeGreaterThan(HEALTH_PERSIST_MS - 1_000);
    expect((await stored()).health_error).toContain('HTTP 500');
  });

  it('caches lists until the upstream announces a change, which reaches the listeners', async () => {
    const recorded = await register({ name: 'listing', url: rec.url });
    const lists = rec.count('tools/list');
    const first = await pool.listTools(recorded, new AbortController().signal);
    const again = await Promise.all(
      [1, 2, 3].map(() => pool.listTools(recorded, new AbortController().signal)),
    );
    expect(first.map((tool) => tool.name)).toEqual(['note']);
    for (const list of again) expect(list).toBe(first);
    expect(rec.count('tools/list')).toBe(lists + 1);

    const echo = (await t.platform.services.gateway.servers.enabledFor(ws)).find((s) => s.slug === 'echo')!;
    expect((await pool.listTools(echo, new AbortController().signal)).map((tool) => tool.name)).not.toContain(
      'fresh',
    );
    const changed = new Promise<[string, string]>((resolve) => {
      const off = pool.onListChanged((server, kind) => {
        if (server.id !== echo.id) return;
        off();
        resolve([server.slug, kind]);
      });
    });
    await pool.callTool(echo, { name: 'add_tool', arguments: { name: 'fresh' } }, opts());
    expect(await changed).toEqual(['echo', 'tools']);
    expect((await pool.listTools(echo, new AbortController().signal)).map((tool) => tool.name)).toContain(
      'fresh',
    );
  });

  it('heals a restarted upstream: the stale session answers 404, one re-initialize, one retry', async () => {
    const recorded = await register({ name: 'forgetful', url: rec.url });
    await pool.callTool(recorded, { name: 'note', arguments: { text: 'before' } }, opts());
    const initializes = rec.count('initialize');
    const notes = rec.calls.length;
    rec.forgetSessions();
    expect(text(await pool.callTool(recorded, { name: 'note', arguments: { text: 'after' } }, opts()))).toBe(
      'noted after',
    );
    expect(rec.count('initialize')).toBe(initializes + 1);
    // The refused attempt never ran: the tool ran once.
    expect(rec.calls.slice(notes)).toEqual(['after']);
  });

  it('heals an upstream process restarted on the same port', async () => {
    const echo = (await t.platform.services.gateway.servers.enabledFor(ws)).find((s) => s.slug === 'echo')!;
    await pool.callTool(echo, { name: 'echo', arguments: { text: 'up' } }, opts());
    await up.echo.restart();
    expect(text(await pool.callTool(echo, { name: 'echo', arguments: { text: 'back' } }, opts()))).toBe(
      'back',
    );
    expect((await up.echo.state()).sessions).toBe(1);
  });

  it('times out, telling the upstream to stop', async () => {
    const slow = await register({ name: 'slow', url: up.slow.url });
    // Connected first, so the deadline falls while the tool runs, not while initializing.
    await pool.callTool(
      slow,
      { name: 'count', arguments: { steps: 1, intervalMs: 1, label: 'warm' } },
      opts(),
    );
    const started = Date.now();
    const error = await failure(
      pool.callTool(
        slow,
        { name: 'count', arguments: { steps: 100, intervalMs: 100, label: 'timed-out' } },
        opts({ timeoutMs: 300 }),
      ),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.code).toBe('gateway/upstream-timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect
      .poll(async () => (await up.slow.state()).cancelled, { timeout: 5_000 })
      .toContain('timed-out');
  });

  it('forwards cancellation and progress', async () => {
    const slow = (await t.platform.services.gateway.servers.enabledFor(ws)).find((s) => s.slug === 'slow')!;
    const progress: Progress[] = [];
    const done = await pool.callTool(
      slow,
      { name: 'count', arguments: { steps: 3, intervalMs: 20, label: 'counted' } },
      opts({ onprogress: (p) => progress.push(p) }),
    );
    expect(text(done)).toBe('counted 3');
    expect(progress.map((p) => [p.progress, p.total])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);

    const controller = new AbortController();
    const reason = new Error('the client went away');
    const pending = pool.callTool(
      slow,
      { name: 'count', arguments: { steps: 100, intervalMs: 50, label: 'cancelled' } },
      opts({ signal: controller.signal }),
    );
    setTimeout(() => controller.abort(reason), 150);
    expect(await failure(pending)).toBe(reason);
    await expect
      .poll(async () => (await up.slow.state()).cancelled, { timeout: 5_000 })
      .toContain('cancelled');
  });

  it('fails fast when the upstream dies mid-call, and says it is unavailable', async () => {
    const crashy = await register({ name: 'crashy', url: up.crashy.url });
    expect(text(await pool.callTool(crashy, { name: 'ok', arguments: {} }, opts()))).toBe('fine');
    const started = Date.now();
    const error = await failure(
      pool.callTool(crashy, { name: 'crash', arguments: {} }, opts({ timeoutMs: 20_000 })),
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.code).toBe('gateway/upstream-unavailable');
    expect(Date.now() - started).toBeLessThan(5_000);
    const health = (await ok(call('GET', `/v1/workspaces/${ws}/servers/${crashy.id}`))).health;
    expect(health).toMatchObject({ status: 'error', error: 'The upstream could not be reached.' });
  });

  it("passes the upstream's own JSON-RPC errors through", async () => {
    const echo = (await t.platform.services.gateway.servers.enabledFor(ws)).find((s) => s.slug === 'echo')!;
    const error = await failure(pool.readResource(echo, { uri: 'echo://nowhere' }, opts()));
    expect(error).toBeInstanceOf(McpError);
    expect(error).not.toBeInstanceOf(UpstreamError);
    // An upstream that answers is up.
    const health = (await ok(call('GET', `/v1/workspaces/${ws}/servers/${echo.id}`))).health;
    expect(health.status).toBe('ok');
  });

  it('refuses at connect time an address the guard refuses', async () => {
    const record: ServerRecord = {
      ...(await t.platform.services.gateway.servers.enabledFor(ws))[0]!,
      id: `srv_${'9'.repeat(20)}`,
      url: `http://127.0.0.2:${up.echo.port}/mcp`,
    };
    const error = await failure(pool.callTool(record, { name: 'echo', arguments: { text: 'x' } }, opts()));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.code).toBe('gateway/url-refused');
    expect(error.message).toContain('loopback');
  });

  it('speaks the legacy HTTP+SSE transport', async () => {
    const sse = await register({ name: 'sse', url: up.sse.url, transport: 'sse' });
    expect((await pool.listTools(sse, new AbortController().signal)).map((tool) => tool.name)).toContain(
      'echo',
    );
    expect(text(await pool.callTool(sse, { name: 'echo', arguments: { text: 'old' } }, opts()))).toBe('old');
    expect(
      (await pool.getPrompt(sse, { name: 'greet', arguments: { name: 'Ann' } }, opts())).messages,
    ).toHaveLength(1);
  });

  it('follows a server moved to another URL on its next call', async () => {
    const moving = await register({ name: 'moving', url: up.echo.url });
    expect((await pool.listTools(moving, new AbortController().signal)).map((tool) => tool.name)).toContain(
      'echo',
    );
    await ok(call('PATCH', `/v1/workspaces/${ws}/servers/${moving.id}`, { url: rec.url }));
    const moved = (await t.platform.services.gateway.servers.enabledFor(ws)).find((s) => s.id === moving.id)!;
    expect((await pool.listTools(moved, new AbortController().signal)).map((tool) => tool.name)).toEqual([
      'note',
    ]);
  });
});
