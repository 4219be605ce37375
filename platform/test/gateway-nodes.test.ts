import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../src/modules/gateway/upstream.js';
import { createPlatform, type Platform } from '../src/platform.js';
import { BACKENDS } from './support/backends.js';
import { configFor } from './support/harness.js';
import { startUpstreams, stopUpstreams, type Upstream } from './support/mcp-upstreams.js';

// Two nodes on one PostgreSQL (with and without Redis): what one node changes about a workspace's
// servers or secrets, the other applies on its next request — its server list, its upstream
// connections (rebuilt with the new secret) — and an upstream's list change announced to one
// node's connection reaches the other node's listeners (decision 0037).

const BOUND_MS = 2_000;
const SECRET = 'node-secret-4Jd8Qa';

describe.each(BACKENDS.filter((b) => b.name !== 'sqlite'))('gateway on two nodes, $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let a: Platform;
  let b: Platform;
  let up: Record<'echo' | 'secret', Upstream>;
  let ws: string;

  const call = async (node: Platform, method: string, path: string, body?: unknown) => {
    const res = await node.app.request(path, {
      method,
      headers: { authorization: `Bearer ${a.keys!.accountKey}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    expect(res.status, text).toBeLessThan(300);
    return text ? JSON.parse(text) : null;
  };
  const within = async (check: () => Promise<boolean>) => {
    const started = Date.now();
    while (!(await check())) {
      expect(Date.now() - started).toBeLessThan(BOUND_MS);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const opts = () => ({ signal: new AbortController().signal, timeoutMs: 10_000 });

  beforeAll(async () => {
    up = await startUpstreams({ echo: ['echo'], secret: ['secret', { secret: SECRET }] });
    stores = await backend.create();
    const config = configFor(stores, { env: { AEROSTACK_GATEWAY_ALLOW_HOSTS: '127.0.0.1' } });
    a = await createPlatform(config);
    b = await createPlatform(config);
    ws = (await call(a, 'POST', '/v1/workspaces', { name: 'Two nodes' })).id;
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await stores?.cleanup();
    await stopUpstreams(up);
  });

  it(`shows a server added, disabled or removed on one node to the other within ${BOUND_MS} ms`, async () => {
    const slugs = async () => (await b.services.gateway.servers.enabledFor(ws)).map((s) => s.slug);
    expect(await slugs()).toEqual([]); // node B caches the empty list
    const s = await call(a, 'POST', `/v1/workspaces/${ws}/servers`, { name: 'echo', url: up.echo.url });
    await within(async () => (await slugs()).includes('echo'));
    await call(a, 'PATCH', `/v1/workspaces/${ws}/servers/${s.id}`, { enabled: false });
    await within(async () => (await slugs()).length === 0);
    await call(a, 'PATCH', `/v1/workspaces/${ws}/servers/${s.id}`, { enabled: true });
    await within(async () => (await slugs()).includes('echo'));
  });

  it('rebuilds the other node’s upstream connection when a secret changes', async () => {
    await call(a, 'PUT', `/v1/workspaces/${ws}/secrets/API_KEY`, { value: SECRET });
    await call(a, 'POST', `/v1/workspaces/${ws}/servers`, {
      name: 'secret',
      url: up.secret.url,
      secretHeaders: ['API_KEY'],
    });
    let server = (await b.services.gateway.servers.enabledFor(ws)).find((s) => s.slug === 'secret');
    await within(async () => {
      server = (await b.services.gateway.servers.enabledFor(ws)).find((s) => s.slug === 'secret');
      return server !== undefined;
    });
    const whoami = () =>
      b.services.gateway.upstreams.callTool(server!, { name: 'whoami', arguments: {} }, opts());
    expect((await whoami()).content).toEqual([{ type: 'text', text: 'authorized' }]);

    await call(a, 'PUT', `/v1/workspaces/${ws}/secrets/API_KEY`, { value: 'a-wrong-value' });
    await within(async () => {
      const error = await whoami().then(
        () => null,
        (e: unknown) => e,
      );
      return error instanceof UpstreamError && error.code === 'gateway/upstream-error';
    });
    const error = (await whoami().catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('401');
    expect(error.message).not.toContain('a-wrong-value');
  });

  it('tells the other node’s listeners when an upstream’s tools change', async () => {
    const echo = (await a.services.gateway.servers.enabledFor(ws)).find((s) => s.slug === 'echo')!;
    // Connected first: the upstream says list_changed on the session's GET stream, which the SDK
    // opens after initialize without waiting; a first call racing it would go unheard.
    await a.services.gateway.upstreams.listTools(echo, new AbortController().signal);
    const heard = new Promise<string>((resolve) => {
      const off = b.services.gateway.upstreams.onListChanged((server, kind) => {
        off();
        resolve(`${server.slug} ${kind}`);
      });
    });
    await a.services.gateway.upstreams.callTool(
      echo,
      { name: 'add_tool', arguments: { name: 'from_a' } },
      opts(),
    );
    expect(await heard).toBe('echo tools');
  });
});
