import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from './support/backends.js';
import {
  type AdminApi,
  addServer,
  adminApi,
  expectStatus,
  type GatewayPlatform,
  memberToken,
  startGatewayPlatform,
} from './support/gateway-admin.js';
import { startUpstream, type Upstream } from './support/mcp-upstreams.js';
import { fresh } from './support/process.js';

// The gateway on two worker processes (AEROSTACK_WORKERS=2). Every request goes on a fresh
// connection, which the primary hands to the workers in turn, and each answer names its worker:
// a cancellation, a legacy SSE message and a list change must reach the worker that holds the
// request or the stream, and the rate limit must hold across both.

interface Frame {
  event: string;
  data: string;
}

/** A request on a fresh connection whose event-stream answer is read frame by frame. */
function openStream(url: string, o: { method?: string; headers: Record<string, string>; body?: string }) {
  return new Promise<{
    status: number;
    worker: string;
    next(match: (f: Frame) => boolean, ms?: number): Promise<Frame>;
    close(): void;
  }>((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      const frames: Frame[] = [];
      let buffer = '';
      let wake: (() => void) | null = null;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) frames.push({ event, data });
        }
        wake?.();
      });
      let read = 0;
      resolve({
        status: res.statusCode!,
        worker: res.headers['x-aerostack-worker'] as string,
        async next(match, ms = 5_000) {
          const until = Date.now() + ms;
          for (;;) {
            while (read < frames.length) {
              const frame = frames[read++]!;
              if (match(frame)) return frame;
            }
            if (Date.now() > until)
              throw new Error(`no matching frame in ${ms} ms: ${JSON.stringify(frames)}`);
            await new Promise<void>((r) => {
              wake = r;
              setTimeout(r, 50);
            });
          }
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const isMessage = (test: (m: { id?: unknown; method?: string }) => boolean) => (f: Frame) =>
  f.event === 'message' && test(JSON.parse(f.data));

describe.each(BACKENDS)('gateway endpoint on two workers on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let platform: GatewayPlatform;
  let api: AdminApi;
  let echo: Upstream;
  let slow: Upstream;
  let token: string;
  let workspaceId: string;

  const headers = (extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...extra,
  });
  const rpc = (message: object, secret = token, slug = 'duo') =>
    fresh(`${platform.url}/ws/${slug}`, {
      method: 'POST',
      headers: headers({ authorization: `Bearer ${secret}` }),
      body: JSON.stringify({ jsonrpc: '2.0', ...message }),
    });
  /** Free requests (notifications) until `worker` answers one: the next connection goes to the other. */
  const after = async (worker: string) => {
    for (let i = 0; i < 10; i++) {
      const probe = await rpc({ method: 'notifications/initialized' });
      if (probe.headers['x-aerostack-worker'] === worker) return;
    }
    throw new Error(`worker ${worker} never answered`);
  };

  beforeAll(async () => {
    [echo, slow] = await Promise.all([startUpstream('echo'), startUpstream('slow')]);
    stores = await backend.create();
    platform = await startGatewayPlatform(stores, { AEROSTACK_WORKERS: '2' });
    api = adminApi(platform.url, platform.accountKey);
    const workspace = await expectStatus(
      api('POST', '/v1/workspaces', { name: 'Duo', slug: 'duo', limits: { requestsPerMinute: 60 } }),
      201,
    );
    workspaceId = workspace.id;
    await addServer(api, workspaceId, { slug: 'alpha', url: echo.url });
    await addServer(api, workspaceId, { slug: 'count', url: slow.url });
    token = (await memberToken(api, workspaceId, 'developer')).secret;
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
    await Promise.all([echo?.stop(), slow?.stop()]);
    await stores?.cleanup();
  });

  it('a cancellation that lands on the other worker stops the call and its upstream request', async () => {
    let crossed = false;
    for (let attempt = 0; attempt < 5 && !crossed; attempt++) {
      const label = `across-${attempt}`;
      const call = await openStream(`${platform.url}/ws/duo`, {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: {
            name: 'count__count',
            arguments: { steps: 500, intervalMs: 20, label },
            _meta: { progressToken: 'p' },
          },
        }),
      });
      expect(call.status).toBe(200);
      await call.next(isMessage((m) => m.method === 'notifications/progress'));
      await after(call.worker);
      const cancel = await rpc({
        method: 'notifications/cancelled',
        params: { requestId: 7, reason: 'enough' },
      });
      expect(cancel.status).toBe(202);
      crossed = cancel.headers['x-aerostack-worker'] !== call.worker;
      // the call answers (an error the client ignores) and its stream ends
      const answer = JSON.parse((await call.next(isMessage((m) => m.id === 7))).data);
      expect(answer.error.data.code).toBe('gateway/cancelled');
      await expect.poll(async () => (await slow.state()).cancelled, { timeout: 5_000 }).toContain(label);
      call.close();
    }
    expect(crossed).toBe(true);
  });

  it('a legacy SSE message posted to the other worker is answered on the session stream', async () => {
    const session = await openStream(`${platform.url}/ws/duo/sse`, { headers: headers() });
    expect(session.status).toBe(200);
    const endpoint = (await session.next((f) => f.event === 'endpoint')).data;
    expect(endpoint).toMatch(/^\/ws\/duo\/messages\?sessionId=[0-9A-Za-z]{32}$/);
    const post = (message: object, secret = token) =>
      fresh(`${platform.url}${endpoint}`, {
        method: 'POST',
        headers: headers({ authorization: `Bearer ${secret}` }),
        body: JSON.stringify({ jsonrpc: '2.0', ...message }),
      });
    let crossed = false;
    for (let id = 1; id <= 5 && !crossed; id++) {
      await after(session.worker);
      const accepted = await post({
        id,
        method: 'tools/call',
        params: { name: 'alpha__echo', arguments: { text: `m${id}` } },
      });
      expect(accepted.status).toBe(202);
      crossed = accepted.headers['x-aerostack-worker'] !== session.worker;
      const answer = JSON.parse((await session.next(isMessage((m) => m.id === id))).data);
      expect(answer.result.content[0].text).toBe(`m${id}`);
    }
    expect(crossed).toBe(true);
    // another token of the workspace cannot talk into this session, on either worker
    const intruder = (await memberToken(api, workspaceId, 'developer', 'intruder')).secret;
    for (let i = 0; i < 2; i++) {
      const refused = await post({ id: 100 + i, method: 'ping' }, intruder);
      expect([202, 404]).toContain(refused.status);
    }
    await expect(
      session.next(
        isMessage((m) => m.id === 100 || m.id === 101),
        500,
      ),
    ).rejects.toThrow(/no matching frame/);
    session.close();
  });

  it("an upstream's list change reaches a notification stream held by the other worker", async () => {
    const stream = await openStream(`${platform.url}/ws/duo`, { headers: headers() });
    expect(stream.status).toBe(200);
    await after(stream.worker);
    const added = await rpc({
      id: 1,
      method: 'tools/call',
      params: { name: 'alpha__add_tool', arguments: { name: 'late' } },
    });
    expect(added.status).toBe(200);
    expect(added.headers['x-aerostack-worker']).not.toBe(stream.worker);
    await stream.next(isMessage((m) => m.method === 'notifications/tools/list_changed'));
    stream.close();
  });

  it('the rate limit holds across both workers', async () => {
    const limited = await expectStatus(
      api('POST', '/v1/workspaces', { name: 'Tight', slug: 'tight', limits: { requestsPerMinute: 4 } }),
      201,
    );
    const secret = (await memberToken(api, limited.id, 'developer', 'tight')).secret;
    const answers = [];
    for (let id = 1; id <= 5; id++) answers.push(await rpc({ id, method: 'ping' }, secret, 'tight'));
    expect(new Set(answers.map((a) => a.headers['x-aerostack-worker'])).size).toBe(2);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429]);
  });
});
