import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../src/db/database.js';
import type { GatewayTables } from '../src/modules/gateway/store.js';
import { listen, type Server } from '../src/server.js';
import { BACKENDS } from './support/backends.js';
import { type AdminApi, adminApi, expectStatus, memberToken } from './support/gateway-admin.js';
import { configFor } from './support/harness.js';
import { LONG_TOOL_NAME, startUpstream, type Upstream } from './support/mcp-upstreams.js';

// The gateway endpoint (/ws/{workspace}) against real SDK upstream servers, each its own process
// on 127.0.0.1, and the official SDK clients on a platform listening on a real port.

const DEADLINE_MS = 400;
/** Event streams one token may hold open (each SDK client holds one: tests use their own tokens). */
const MAX_STREAMS = 3;
/** Scheduling on a busy 2-core machine. */
const SLACK_MS = 400;

type Token = Awaited<ReturnType<typeof memberToken>>;

async function connect(url: string, slug: string, secret: string): Promise<Client> {
  const client = new Client({ name: 'gateway-endpoint-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`/ws/${slug}`, url), {
      requestInit: { headers: { authorization: `Bearer ${secret}` } },
    }),
  );
  return client;
}

/** A raw JSON-RPC POST (or notification without `id`) to `/ws/{slug}`. */
async function post(url: string, slug: string, secret: string | null, message: unknown) {
  const res = await fetch(new URL(`/ws/${slug}`, url), {
    method: 'POST',
    headers: {
      ...(secret ? { authorization: `Bearer ${secret}` } : {}),
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify(message),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });
const firstText = (result: unknown) => (result as { content: { text: string }[] }).content[0]?.text;

async function rpcError(promise: Promise<unknown>): Promise<McpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof McpError) return error;
    throw error;
  }
  throw new Error('expected a JSON-RPC error');
}

describe.each(BACKENDS)('gateway endpoint on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let server: Server;
  let api: AdminApi;
  let echo: Upstream;
  let echo2: Upstream;
  let slow: Upstream;
  let hung: Upstream;
  let team: { id: string; slug: string };
  let other: { id: string; slug: string };
  let dev: Token;
  let reader: Token;
  let outsider: Token;

  const addServer = (workspaceId: string, body: object) =>
    expectStatus(api('POST', `/v1/workspaces/${workspaceId}/servers`, body), 201);

  beforeAll(async () => {
    [echo, echo2, slow, hung] = await Promise.all([
      startUpstream('echo'),
      startUpstream('echo'),
      startUpstream('slow'),
      startUpstream('echo', { listDelayMs: -1 }),
    ]);
    stores = await backend.create();
    server = await listen(
      configFor(stores, {
        env: {
          AEROSTACK_GATEWAY_ALLOW_HOSTS: '127.0.0.1',
          AEROSTACK_GATEWAY_LIST_DEADLINE_MS: String(DEADLINE_MS),
          AEROSTACK_GATEWAY_MAX_STREAMS_PER_TOKEN: String(MAX_STREAMS),
        },
        overrides: () => ({ port: 0, host: '127.0.0.1', logLevel: 'error' }),
      }),
    );
    api = adminApi(server.url, server.platform.keys!.accountKey);
    team = await expectStatus(api('POST', '/v1/workspaces', { name: 'Team', slug: 'team' }), 201);
    other = await expectStatus(api('POST', '/v1/workspaces', { name: 'Other', slug: 'other' }), 201);
    await addServer(team.id, { name: 'Alpha', slug: 'alpha', url: echo.url });
    // A slug long enough that the 60-character tool needs shortening.
    await addServer(team.id, { name: 'Beta', slug: 'beta-with-a-long-slug', url: echo2.url });
    await addServer(team.id, { name: 'Count', slug: 'count', url: slow.url });
    await addServer(team.id, { name: 'Hung', slug: 'hung', url: hung.url });
    // Connect the pool now (initialize + tools/list): a cold upstream process may take longer than
    // the list deadline to answer its very first request.
    const servers = await expectStatus(api('GET', `/v1/workspaces/${team.id}/servers`), 200);
    for (const s of servers.data) {
      if (s.slug !== 'hung')
        await expectStatus(api('POST', `/v1/workspaces/${team.id}/servers/${s.id}/check`), 200);
    }
    [dev, reader, outsider] = await Promise.all([
      memberToken(api, team.id, 'developer', 'dev'),
      memberToken(api, team.id, 'read-only', 'reader'),
      memberToken(api, other.id, 'developer', 'outsider'),
    ]);
  }, 60_000);

  afterAll(async () => {
    await server?.close(0);
    await Promise.all([echo, echo2, slow, hung].map((u) => u?.stop()));
    await stores?.cleanup();
  });

  it('merges the tools of every upstream, namespaced and sorted, and names the hung one skipped within its deadline', async () => {
    const client = await connect(server.url, 'team', dev.secret);
    try {
      const started = Date.now();
      const { tools, _meta } = await client.listTools();
      expect(Date.now() - started).toBeLessThan(DEADLINE_MS + SLACK_MS);
      const names = tools.map((t) => t.name);
      expect(names).toContain('alpha__echo');
      expect(names).toContain('count__count');
      expect(names.filter((n) => n.startsWith('hung__'))).toEqual([]);
      // server slug, then tool name
      const alpha = names.filter((n) => n.startsWith('alpha__'));
      expect(alpha).toEqual([...alpha].sort());
      expect(names.indexOf('alpha__echo')).toBeLessThan(names.indexOf('count__count'));
      expect(_meta).toEqual({
        'aerostack/skipped': [{ server: 'hung', reason: 'gateway/upstream-timeout' }],
      });
      for (const name of names) expect(name.length).toBeLessThanOrEqual(64);
    } finally {
      await client.close();
    }
  });

  it('shortens a name past 64 characters and calls it through the shortened name', async () => {
    const client = await connect(server.url, 'team', dev.secret);
    try {
      const { tools } = await client.listTools();
      const long = tools.find((t) => t.name.startsWith('beta-with-a-long-slug__a_tool'))!;
      expect(long.name).toHaveLength(64);
      // 64 - 21 (slug) - 2 (`__`) - 1 (`_`) - 8 (hash) = 32 characters of the tool's name
      const hash = createHash('sha256').update(LONG_TOOL_NAME).digest('hex').slice(0, 8);
      expect(long.name).toBe(`beta-with-a-long-slug__${LONG_TOOL_NAME.slice(0, 32)}_${hash}`);
      expect(firstText(await client.callTool({ name: long.name }))).toBe('long');
    } finally {
      await client.close();
    }
  });

  it('forwards a call and records it in analytics (never its arguments)', async () => {
    const client = await connect(server.url, 'team', dev.secret);
    try {
      const result = await client.callTool({ name: 'alpha__echo', arguments: { text: 'hello-planted-arg' } });
      expect(firstText(result)).toBe('hello-planted-arg');
    } finally {
      await client.close();
    }
    await server.platform.services.analytics.flush();
    const calls = await expectStatus(
      api('GET', `/v1/workspaces/${team.id}/analytics/calls?server=alpha&tool=echo`),
      200,
    );
    expect(calls.data[0]).toMatchObject({
      memberId: dev.memberId,
      tokenId: dev.tokenId,
      server: 'alpha',
      tool: 'echo',
      status: 'ok',
      errorCode: null,
    });
    expect(JSON.stringify(calls)).not.toContain('hello-planted-arg');
  });

  it('lets a read-only token list everything but call only readOnlyHint tools', async () => {
    const client = await connect(server.url, 'team', reader.secret);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('alpha__write');
      expect(firstText(await client.callTool({ name: 'alpha__echo', arguments: { text: 'r' } }))).toBe('r');
      const error = await rpcError(client.callTool({ name: 'alpha__write', arguments: { text: 'w' } }));
      expect(error.code).toBe(-32001);
      expect(error.data).toEqual({ code: 'gateway/forbidden' });
    } finally {
      await client.close();
    }
    await server.platform.services.analytics.flush();
    const calls = await expectStatus(
      api('GET', `/v1/workspaces/${team.id}/analytics/calls?tool=write&status=error`),
      200,
    );
    expect(calls.data[0]).toMatchObject({ memberId: reader.memberId, errorCode: 'gateway/forbidden' });
  });

  it('answers -32602 for an unknown tool, a name without a server and a disabled tool', async () => {
    const client = await connect(server.url, 'team', dev.secret);
    try {
      for (const name of ['alpha__nope', 'nope__echo', 'echo', '__echo', 'alpha__']) {
        const error = await rpcError(client.callTool({ name }));
        expect(error.code, name).toBe(-32602);
        expect(error.data, name).toEqual({ code: 'gateway/unknown-tool' });
      }
      const alpha = (
        await expectStatus(api('GET', `/v1/workspaces/${team.id}/servers?limit=100`), 200)
      ).data.find((s: { slug: string }) => s.slug === 'alpha');
      await expectStatus(
        api('PATCH', `/v1/workspaces/${team.id}/servers/${alpha.id}`, { disabledTools: ['write'] }),
        200,
      );
      try {
        const names = (await client.listTools()).tools.map((t) => t.name);
        expect(names).toContain('alpha__echo');
        expect(names).not.toContain('alpha__write');
        const error = await rpcError(client.callTool({ name: 'alpha__write', arguments: { text: 'w' } }));
        expect(error.code).toBe(-32602);
      } finally {
        await expectStatus(
          api('PATCH', `/v1/workspaces/${team.id}/servers/${alpha.id}`, { disabledTools: [] }),
          200,
        );
      }
    } finally {
      await client.close();
    }
  });

  it('refuses unknown workspaces, other workspaces, missing and revoked tokens before any JSON-RPC', async () => {
    const rows = [
      { slug: 'team', secret: null, status: 401, code: 'auth/missing-credentials' },
      { slug: 'team', secret: `mwt_${'x'.repeat(40)}`, status: 401, code: 'auth/invalid-credentials' },
      {
        slug: 'team',
        secret: server.platform.keys!.secretKey,
        status: 403,
        code: 'auth/wrong-credential-type',
      },
      { slug: 'team', secret: outsider.secret, status: 404, code: 'workspaces/not-found' },
      { slug: 'nowhere', secret: dev.secret, status: 404, code: 'workspaces/not-found' },
    ];
    for (const row of rows) {
      const res = await post(server.url, row.slug, row.secret, ping(1));
      expect(res.status, row.code).toBe(row.status);
      expect(res.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { data: { code: row.code } } });
      expect(res.json.error.data.requestId).toBe(res.headers.get('x-request-id'));
    }
    const doomed = await memberToken(api, team.id, 'developer', 'doomed');
    const client = await connect(server.url, 'team', doomed.secret);
    expect(await client.ping()).toEqual({});
    await expectStatus(api('DELETE', `/v1/workspaces/${team.id}/tokens/${doomed.tokenId}`), 204);
    const res = await post(server.url, 'team', doomed.secret, ping(2));
    expect(res.status).toBe(401);
    expect(res.json.error.data.code).toBe('auth/invalid-credentials');
    await client.close();
  });

  it('answers a body that is not JSON with -32700 and one over 4 MiB with 413, declared or chunked', async () => {
    const url = new URL('/ws/team', server.url);
    const headers = {
      authorization: `Bearer ${dev.secret}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const bad = await fetch(url, { method: 'POST', headers, body: '{"jsonrpc":' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: -32700, data: { code: 'request/invalid-json' } },
    });

    const declared = await fetch(url, {
      method: 'POST',
      headers,
      body: Buffer.alloc(4 * 1024 * 1024 + 1, 32),
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: { data: { code: 'request/body-too-large' } } });

    // Chunked: no Content-Length, so the limit is counted as the body arrives.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: { ...headers, 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (error) => (req.writableEnded ? undefined : reject(error)));
      const chunk = Buffer.alloc(1024 * 1024, 32);
      for (let i = 0; i < 5; i++) req.write(chunk);
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.data.code).toBe('request/body-too-large');
  });

  it('rate limits each token: requests cost one, notifications nothing, then 429 with Retry-After', async () => {
    const limited = await expectStatus(
      api('POST', '/v1/workspaces', { name: 'Limited', slug: 'limited', limits: { requestsPerMinute: 3 } }),
      201,
    );
    const a = await memberToken(api, limited.id, 'developer', 'a');
    const b = await memberToken(api, limited.id, 'developer', 'b');
    const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };
    for (let i = 0; i < 5; i++)
      expect((await post(server.url, 'limited', a.secret, initialized)).status).toBe(202);
    for (let i = 1; i <= 3; i++) {
      const ok = await post(server.url, 'limited', a.secret, ping(i));
      expect(ok.status).toBe(200);
      expect(ok.headers.get('ratelimit-remaining')).toBe(String(3 - i));
    }
    const refused = await post(server.url, 'limited', a.secret, ping(4));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit-limit')).toBe('3');
    expect(refused.json.error.data.code).toBe('gateway/rate-limited');
    // a batch costs one per request in it; one larger than the limit can never pass
    const tooBig = await post(server.url, 'limited', b.secret, [ping(1), ping(2), ping(3), ping(4)]);
    expect(tooBig.status).toBe(429);
    expect(tooBig.headers.get('retry-after')).toBeNull();
    expect((await post(server.url, 'limited', b.secret, [ping(1), ping(2)])).status).toBe(200);
    const spent = await post(server.url, 'limited', b.secret, [ping(3), ping(4)]);
    expect(spent.status).toBe(429);
    expect(spent.headers.get('retry-after')).not.toBeNull();
  });

  it('streams progress and forwards cancellation to the upstream', async () => {
    const client = await connect(server.url, 'team', dev.secret);
    try {
      const progress: number[] = [];
      const result = await client.callTool(
        { name: 'count__count', arguments: { steps: 3, intervalMs: 20, label: 'full' } },
        undefined,
        { onprogress: (p) => progress.push(p.progress) },
      );
      expect(firstText(result)).toBe('counted 3');
      expect(progress).toEqual([1, 2, 3]);

      const controller = new AbortController();
      const seen: number[] = [];
      const call = client.callTool(
        { name: 'count__count', arguments: { steps: 1000, intervalMs: 20, label: 'cancel-me' } },
        undefined,
        {
          signal: controller.signal,
          onprogress: (p) => {
            seen.push(p.progress);
            if (seen.length === 2) controller.abort('enough');
          },
        },
      );
      await expect(call).rejects.toThrow();
      await expect
        .poll(async () => (await slow.state()).cancelled, { timeout: 5_000 })
        .toContain('cancel-me');
      expect(seen.length).toBeLessThan(10);
    } finally {
      await client.close();
    }
    await server.platform.services.analytics.flush();
    const calls = await expectStatus(
      api('GET', `/v1/workspaces/${team.id}/analytics/calls?server=count`),
      200,
    );
    expect(calls.data.map((c: { errorCode: string | null }) => c.errorCode)).toContain('gateway/cancelled');
  });

  it('tells a connected client when an upstream list changes', async () => {
    const client = await connect(server.url, 'team', dev.secret);
    const changed = new Promise<void>((resolve) =>
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    try {
      // The client opens its GET stream after initialize, in the background: add tools until
      // one change arrives over it.
      let added = 0;
      for (let done = false; !done && added < 20; ) {
        await client.callTool({ name: 'alpha__add_tool', arguments: { name: `fresh${++added}` } });
        done = await Promise.race([
          changed.then(() => true),
          new Promise<boolean>((r) => setTimeout(r, 250, false)),
        ]);
      }
      await changed;
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain(`alpha__fresh${added}`);
    } finally {
      await client.close();
    }
  });

  it('tells open streams when the servers change, and ends them when their token is revoked or the workspace deleted', async () => {
    const scratch = await expectStatus(
      api('POST', '/v1/workspaces', { name: 'Scratch', slug: 'scratch' }),
      201,
    );
    const [first, second] = [
      await memberToken(api, scratch.id, 'developer', 'first'),
      await memberToken(api, scratch.id, 'developer', 'second'),
    ];
    const open = async (secret: string) => {
      const res = await fetch(new URL('/ws/scratch', server.url), {
        headers: { authorization: `Bearer ${secret}`, accept: 'text/event-stream' },
      });
      expect(res.status).toBe(200);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      return {
        /** Reads until `pattern` shows up; false when the stream ends first. */
        async until(pattern: RegExp): Promise<boolean> {
          while (!pattern.test(text)) {
            const { value, done } = await reader.read();
            if (done) return false;
            text += value;
          }
          return true;
        },
      };
    };
    const a = await open(first.secret);
    const b = await open(second.secret);
    await addServer(scratch.id, { name: 'Echo', slug: 'echo', url: echo.url });
    for (const stream of [a, b]) {
      for (const kind of ['tools', 'resources', 'prompts']) {
        expect(await stream.until(new RegExp(`notifications/${kind}/list_changed`))).toBe(true);
      }
    }
    await expectStatus(api('DELETE', `/v1/workspaces/${scratch.id}/tokens/${first.tokenId}`), 204);
    expect(await a.until(/never/)).toBe(false);
    await expectStatus(api('DELETE', `/v1/workspaces/${scratch.id}`), 204);
    expect(await b.until(/never/)).toBe(false);
  });

  it('composes a workspace into another: namespaced twice, callable, roles and analytics on both levels', async () => {
    const outer = await expectStatus(api('POST', '/v1/workspaces', { name: 'Outer', slug: 'outer' }), 201);
    await addServer(outer.id, { name: 'Team', slug: 'team', kind: 'workspace', workspaceId: team.id });
    const owner = await memberToken(api, outer.id, 'developer', 'owner');
    const client = await connect(server.url, 'outer', owner.secret);
    try {
      const { tools, _meta } = await client.listTools();
      const names = tools.map((t) => t.name);
      expect(names).toContain('team__alpha__echo');
      expect(_meta).toEqual({
        'aerostack/skipped': [{ server: 'team/hung', reason: 'gateway/upstream-timeout' }],
      });
      const result = await client.callTool({ name: 'team__alpha__echo', arguments: { text: 'deep' } });
      expect(firstText(result)).toBe('deep');
    } finally {
      await client.close();
    }
    await server.platform.services.analytics.flush();
    const outerCalls = await expectStatus(api('GET', `/v1/workspaces/${outer.id}/analytics/calls`), 200);
    expect(outerCalls.data[0]).toMatchObject({
      server: 'team',
      tool: 'alpha__echo',
      memberId: owner.memberId,
    });
    const innerCalls = await expectStatus(
      api('GET', `/v1/workspaces/${team.id}/analytics/calls?server=alpha`),
      200,
    );
    expect(innerCalls.data[0]).toMatchObject({
      server: 'alpha',
      tool: 'echo',
      memberId: null,
      tokenId: null,
    });
  });

  it('merges resources and prompts: URIs kept and routed to their server, prompts namespaced', async () => {
    const client = await connect(server.url, 'team', reader.secret);
    try {
      const { resources, _meta } = await client.listResources();
      // two echo upstreams list echo://readme: the first by slug serves it
      expect(resources.filter((r) => r.uri === 'echo://readme')).toHaveLength(1);
      expect(_meta).toEqual({
        'aerostack/skipped': [{ server: 'hung', reason: 'gateway/upstream-timeout' }],
      });
      const read = await client.readResource({ uri: 'echo://readme' });
      expect(read.contents[0]).toMatchObject({ uri: 'echo://readme', text: 'the echo upstream' });
      // a URI no server lists, but a template matches
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('echo://items/{id}');
      expect((await client.readResource({ uri: 'echo://items/7' })).contents[0]).toMatchObject({
        text: 'item 7',
      });
      const unknown = await rpcError(client.readResource({ uri: 'nothing://here' }));
      expect([unknown.code, unknown.data]).toEqual([-32602, { code: 'gateway/unknown-resource' }]);

      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(['alpha__greet', 'beta-with-a-long-slug__greet']);
      const prompt = await client.getPrompt({ name: 'alpha__greet', arguments: { name: 'Ada' } });
      expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Hello, Ada' });
      const none = await rpcError(client.getPrompt({ name: 'alpha__nope' }));
      expect([none.code, none.data]).toEqual([-32602, { code: 'gateway/unknown-prompt' }]);
    } finally {
      await client.close();
    }
  });

  it("maps upstream failures: a crash mid-call, a timeout, the upstream's own JSON-RPC error unchanged", async () => {
    const crashy = await startUpstream('crashy');
    const flaky = await expectStatus(api('POST', '/v1/workspaces', { name: 'Flaky', slug: 'flaky' }), 201);
    await addServer(flaky.id, { name: 'Crashy', slug: 'crashy', url: crashy.url });
    await addServer(flaky.id, { name: 'Slow', slug: 'slow', url: slow.url, timeoutMs: 300 });
    await addServer(flaky.id, { name: 'Echo', slug: 'echo', url: echo.url });
    const token = await memberToken(api, flaky.id, 'developer', 'flaky');
    const client = await connect(server.url, 'flaky', token.secret);
    try {
      expect(firstText(await client.callTool({ name: 'crashy__ok' }))).toBe('fine');
      const crashed = await rpcError(client.callTool({ name: 'crashy__crash' }));
      expect([crashed.code, crashed.data]).toEqual([-32002, { code: 'gateway/upstream-unavailable' }]);
      const late = await rpcError(
        client.callTool({ name: 'slow__count', arguments: { steps: 100, intervalMs: 50, label: 'late' } }),
      );
      expect([late.code, late.data]).toEqual([-32003, { code: 'gateway/upstream-timeout' }]);
      // the upstream refuses the arguments itself: its error comes through as it sent it
      const direct = new Client({ name: 'direct', version: '1.0.0' });
      await direct.connect(new StreamableHTTPClientTransport(new URL(echo.url)));
      const expected = await rpcError(direct.callTool({ name: 'echo', arguments: { text: 42 } })).catch(
        (e) => e,
      );
      await direct.close();
      const relayed = await client.callTool({ name: 'echo__echo', arguments: { text: 42 } }).then(
        (result) => ({ result }),
        (error: McpError) => ({ code: error.code, message: error.message, data: error.data }),
      );
      if (expected instanceof McpError) {
        expect(relayed).toEqual({ code: expected.code, message: expected.message, data: expected.data });
      } else {
        expect(relayed).toMatchObject({ result: { isError: true } });
      }
    } finally {
      await client.close();
      await crashy.stop();
    }
    await server.platform.services.analytics.flush();
    const calls = await expectStatus(
      api('GET', `/v1/workspaces/${flaky.id}/analytics/calls?status=error`),
      200,
    );
    expect(calls.data.map((c: { tool: string; errorCode: string }) => `${c.tool} ${c.errorCode}`)).toEqual(
      expect.arrayContaining(['crash gateway/upstream-unavailable', 'count gateway/upstream-timeout']),
    );
  });

  it('refuses calls past the monthly limit with -32004 (lists still work)', async () => {
    const capped = await expectStatus(
      api('POST', '/v1/workspaces', { name: 'Capped', slug: 'capped', limits: { callsPerMonth: 2 } }),
      201,
    );
    await addServer(capped.id, { name: 'Echo', slug: 'echo', url: echo.url });
    const token = await memberToken(api, capped.id, 'developer', 'capped');
    const client = await connect(server.url, 'capped', token.secret);
    try {
      for (const text of ['1', '2'])
        expect(firstText(await client.callTool({ name: 'echo__echo', arguments: { text } }))).toBe(text);
      const over = await rpcError(client.callTool({ name: 'echo__echo', arguments: { text: '3' } }));
      expect([over.code, over.data]).toEqual([-32004, { code: 'gateway/monthly-limit' }]);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
    const usage = await expectStatus(api('GET', `/v1/workspaces/${capped.id}/analytics/usage`), 200);
    expect(usage).toMatchObject({ calls: 2, limit: 2 });
  });

  it('never recurses into a composition loop that reached the database', async () => {
    const ringA = await expectStatus(api('POST', '/v1/workspaces', { name: 'Ring A', slug: 'ring-a' }), 201);
    const ringB = await expectStatus(api('POST', '/v1/workspaces', { name: 'Ring B', slug: 'ring-b' }), 201);
    await addServer(ringA.id, { name: 'B', slug: 'b', kind: 'workspace', workspaceId: ringB.id });
    await addServer(ringB.id, { name: 'Echo', slug: 'echo', url: echo.url });
    // The admin API refuses the loop (422 gateway/composition-loop); one that slipped past it (two
    // concurrent updates, a restore) is written straight to the table.
    const refused = await api('POST', `/v1/workspaces/${ringB.id}/servers`, {
      name: 'A',
      slug: 'a',
      kind: 'workspace',
      workspaceId: ringA.id,
    });
    expect(refused.json?.code).toBe('gateway/composition-loop');
    const now = new Date().toISOString();
    await tables<GatewayTables>(server.platform.services.database)
      .insertInto('gateway_servers')
      .values({
        id: 'srv_loopbackintoringa00',
        workspace_id: ringB.id,
        slug: 'a',
        name: 'A',
        kind: 'workspace',
        url: null,
        transport: 'streamable-http',
        target_workspace_id: ringA.id,
        secret_headers: '[]',
        bearer_secret: null,
        enabled: 1,
        disabled_tools: '[]',
        timeout_ms: null,
        health_status: 'unknown',
        health_checked_at: null,
        health_latency_ms: null,
        health_error: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await server.platform.services.bus.publish('gateway.servers-changed', { workspaceId: ringB.id });
    const token = await memberToken(api, ringA.id, 'developer', 'ring');
    const client = await connect(server.url, 'ring-a', token.secret);
    try {
      const { tools, _meta } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('b__echo__echo');
      expect(tools.filter((t) => t.name.startsWith('b__a__'))).toEqual([]);
      expect(_meta).toEqual({ 'aerostack/skipped': [{ server: 'b/a', reason: 'gateway/composition-loop' }] });
      const error = await rpcError(
        client.callTool({ name: 'b__a__b__echo__echo', arguments: { text: 'x' } }),
      );
      expect(error.code).toBe(-32602);
      expect(firstText(await client.callTool({ name: 'b__echo__echo', arguments: { text: 'ok' } }))).toBe(
        'ok',
      );
    } finally {
      await client.close();
    }
  });

  it('caps the event streams one token holds open, notification streams and legacy sessions together', async () => {
    const capped = await memberToken(api, team.id, 'developer', 'streams');
    const auth = { authorization: `Bearer ${capped.secret}` };
    const open = (path: string) =>
      fetch(new URL(path, server.url), { headers: { ...auth, accept: 'text/event-stream' } });
    const held = [await open('/ws/team'), await open('/ws/team'), await open('/ws/team/sse')];
    for (const res of held) expect(res.status).toBe(200);
    for (const path of ['/ws/team', '/ws/team/sse']) {
      const refused = await open(path);
      expect(refused.status).toBe(429);
      const body = (await refused.json()) as { error: { message: string; data: { code: string } } };
      expect(body.error.data.code).toBe('gateway/too-many-streams');
      expect(body.error.message).toContain(`${MAX_STREAMS} open event streams`);
    }
    // Another token of the same workspace has streams of its own.
    const second = await memberToken(api, team.id, 'developer', 'streams-2');
    const other = await fetch(new URL('/ws/team', server.url), {
      headers: { authorization: `Bearer ${second.secret}`, accept: 'text/event-stream' },
    });
    expect(other.status).toBe(200);
    await other.body!.cancel();
    // A stream that ends gives its place back (its record goes once the platform sees it end).
    await held.pop()!.body!.cancel();
    let again: Response | undefined;
    for (let i = 0; i < 50 && again?.status !== 200; i++) {
      await again?.body?.cancel();
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      again = await open('/ws/team/sse');
    }
    expect(again!.status).toBe(200);
    await again!.body!.cancel();
    for (const res of held) await res.body!.cancel();
  });

  it('answers DELETE (no session to end) and refuses a session id it never issued', async () => {
    const res = await fetch(new URL('/ws/team', server.url), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${dev.secret}` },
    });
    expect(res.status).toBe(200);
    const lost = await fetch(new URL(`/ws/team/messages?sessionId=${'x'.repeat(32)}`, server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${dev.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(ping(1)),
    });
    // No worker or node holds such a session: refused, where a 202 would leave the client waiting.
    expect(lost.status).toBe(404);
    expect(((await lost.json()) as { error: { data: { code: string } } }).error.data.code).toBe(
      'gateway/session-not-found',
    );
    const bad = await fetch(new URL('/ws/team/messages?sessionId=nope', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${dev.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(ping(1)),
    });
    expect(bad.status).toBe(404);
    expect(((await bad.json()) as { error: { data: { code: string } } }).error.data.code).toBe(
      'gateway/session-not-found',
    );
  });

  it('serves legacy HTTP+SSE clients', async () => {
    const headers = { authorization: `Bearer ${dev.secret}` };
    const client = new Client({ name: 'legacy', version: '1.0.0' });
    await client.connect(
      new SSEClientTransport(new URL('/ws/team/sse', server.url), {
        requestInit: { headers },
        eventSourceInit: {
          fetch: (url, init) =>
            fetch(url, {
              ...init,
              headers: { ...Object.fromEntries(new Headers(init?.headers)), ...headers },
            }),
        },
      }),
    );
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('alpha__echo');
      expect(firstText(await client.callTool({ name: 'alpha__echo', arguments: { text: 'old' } }))).toBe(
        'old',
      );
    } finally {
      await client.close();
    }
  });
});
