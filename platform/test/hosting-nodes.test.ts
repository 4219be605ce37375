import { describe, expect, it } from 'vitest';
import { REFRESH_INTERVAL_MS } from '../src/modules/hosting/catalog/refresh.js';
import { callNode, SHARED_BACKENDS, twoNodes } from './support/two-nodes.js';

// Hosted code on two nodes sharing PostgreSQL (and Redis): code is loaded from the shared store,
// and a deploy, a rollback, a secret or a deleted worker on one node applies on the other at its
// next request (the bus drops each node's cached set; without it the 30 s cache would answer
// the old code). The hourly refresh of a hosted MCP server runs on one node per hour.

const TOML = `name = "shared"
main = "index.js"
compatibility_date = "2025-01-01"

[vars]
TOKEN = "from-vars"
`;
/** The smallest Streamable HTTP MCP server: JSON answers to initialize and tools/list at /mcp. */
const MCP = `export default {
  async fetch(request) {
    if (new URL(request.url).pathname !== '/mcp' || request.method !== 'POST') return new Response(null, { status: 405 });
    const message = await request.json();
    if (message.id === undefined) return new Response(null, { status: 202 });
    const result = message.method === 'initialize'
      ? { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'n', version: '1' } }
      : { tools: [{ name: 'ping', inputSchema: { type: 'object' } }] };
    return Response.json({ jsonrpc: '2.0', id: message.id, result });
  },
};`;
const modules = (version: string) => [
  {
    name: 'index.js',
    content: `export default { fetch: (request, env) => Response.json({ version: ${JSON.stringify(version)}, token: env.TOKEN }) };`,
  },
];

describe.each(SHARED_BACKENDS)('hosting on two nodes ($name)', (backend) => {
  const nodes = twoNodes(backend);
  const keys = () => nodes.a.keys!;
  const admin = (node: 'a' | 'b', method: string, path: string, body?: unknown) =>
    callNode(nodes[node], method, `/v1/projects/${keys().projectId}${path}`, keys().accountKey, body);
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  const fn = async (node: 'a' | 'b'): Promise<{ status: number; json: any }> => {
    const res = await nodes[node].app.request(`/fn/${keys().projectId}/shared`);
    return { status: res.status, json: await res.json() };
  };
  /**
   * What the node's function answers once the other node's bus message arrived (delivery between
   * nodes is asynchronous); every answer on the way is a success, old or new.
   */
  const settles = (node: 'a' | 'b', pick: (json: Record<string, string>) => string) =>
    expect.poll(
      async () => {
        const res = await fn(node);
        expect(res.status, JSON.stringify(res.json)).toBe(200);
        return pick(res.json);
      },
      { timeout: 15_000, interval: 50 },
    );

  it('a deploy on one node answers on the other, and so does the next one', async () => {
    const v1 = await admin('a', 'POST', '/deployments', { aerostackToml: TOML, modules: modules('v1') });
    expect(v1.status).toBe(201);
    expect((await fn('b')).json).toEqual({ version: 'v1', token: 'from-vars' });
    expect(
      (await admin('a', 'POST', '/deployments', { aerostackToml: TOML, modules: modules('v2') })).status,
    ).toBe(201);
    await settles('b', (json) => json.version!).toBe('v2');
    const back = await admin('b', 'POST', '/workers/shared/rollback', { deploymentId: v1.json.id });
    expect([back.status, back.json.version]).toEqual([201, 3]);
    await settles('a', (json) => json.version!).toBe('v1');
  }, 120_000);

  it('a secret set on one node reaches the worker running on the other, without failing a request', async () => {
    expect((await fn('b')).json.token).toBe('from-vars');
    expect((await admin('a', 'PUT', '/secrets/TOKEN', { value: 'from-the-vault' })).status).toBe(200);
    await settles('b', (json) => json.token!).toBe('from-the-vault');
    expect((await admin('b', 'DELETE', '/secrets/TOKEN')).status).toBe(204);
    await settles('a', (json) => json.token!).toBe('from-vars');
  }, 120_000);

  it('a worker deleted on one node stops answering on the other', async () => {
    expect((await fn('a')).status).toBe(200);
    expect((await admin('b', 'DELETE', '/workers/shared')).status).toBe(204);
    await expect
      .poll(async () => [(await fn('a')).status, (await fn('a')).json.code], {
        timeout: 15_000,
        interval: 50,
      })
      .toEqual([404, 'hosting/function-not-found']);
  }, 120_000);

  it('the hourly refresh of a hosted MCP server runs on one of the two nodes, once per hour', async () => {
    const deployed = await admin('a', 'POST', '/deployments', {
      aerostackToml: TOML.replace('"shared"', '"pinger"'),
      aerostackJson: '{ "name": "Pinger", "slug": "pinger" }',
      modules: [{ name: 'index.js', content: MCP }],
    });
    expect(deployed.status, JSON.stringify(deployed.json)).toBe(201);
    const due = Date.now() + REFRESH_INTERVAL_MS + 1_000;
    const passes = (at: number) =>
      Promise.all([nodes.a, nodes.b].map((node) => node.services.hosting.catalog.refresh.pass(at)));
    expect((await passes(due)).sort()).toEqual([0, 1]);
    expect(await passes(due + 60_000)).toEqual([0, 0]);
    expect((await passes(due + REFRESH_INTERVAL_MS)).reduce((a, b) => a + b)).toBe(1);
    const entry = await admin('b', 'GET', '/catalog/pinger');
    expect(entry.json.refresh).toMatchObject({ status: 'ok', failures: 0 });
  }, 120_000);
});
