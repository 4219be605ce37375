import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from '../../core/test/support/platform';
import { rejectionOf as failure } from '../../core/test/support/rejection';
import { type AdminClient, createAdminClient, type WorkerModule } from '../src';

// admin.hosting against the real platform on a port, with its real workerd: deploy, the function
// over HTTP, deployments and rollback, secrets, errors as AerostackErrors with their places.

let platform: RunningPlatform;
let admin: AdminClient;

const toml = (name: string) => `name = "${name}"
main = "src/index.ts"
compatibility_date = "2025-01-01"

[vars]
API_KEY = "default"
`;
const code = (version: string): WorkerModule[] => [
  {
    name: 'src/index.js',
    content: `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    return Response.json({ version: ${JSON.stringify(version)}, path: url.pathname, q: url.searchParams.get('q'), key: env.API_KEY });
  },
};`,
  },
];

beforeAll(async () => {
  platform = await startTestPlatform();
  admin = createAdminClient({ url: platform.url, accountKey: platform.accountKey });
}, 60_000);
afterAll(() => platform?.close());

describe('admin.hosting', () => {
  it('deploys, and the function answers at the worker URL', async () => {
    const deployment = await admin.hosting.deploy(platform.projectId, {
      aerostackToml: toml('sdk-fn'),
      modules: code('v1'),
    });
    expect(deployment).toMatchObject({
      worker: 'sdk-fn',
      version: 1,
      active: true,
      kind: 'function',
      authSecretKey: 'API_KEY',
    });
    const worker = await admin.hosting.workers.get(platform.projectId, 'sdk-fn');
    expect(worker.activeDeploymentId).toBe(deployment.id);
    const res = await fetch(`${worker.url}/hello?q=yes`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ version: 'v1', path: '/hello', q: 'yes', key: 'default' });
  }, 60_000);

  it('lists deployments newest first and rolls back', async () => {
    const v2 = await admin.hosting.deploy(platform.projectId, {
      aerostackToml: toml('sdk-fn'),
      modules: code('v2'),
    });
    expect(v2.version).toBe(2);
    const versions: number[] = [];
    for await (const d of admin.hosting.deployments.listAll(platform.projectId, 'sdk-fn', { pageSize: 1 })) {
      versions.push(d.version);
    }
    expect(versions).toEqual([2, 1]);
    const first = (await admin.hosting.deployments.list(platform.projectId, 'sdk-fn')).data[1]!;
    expect(await admin.hosting.deployments.get(platform.projectId, 'sdk-fn', first.id)).toMatchObject({
      version: 1,
      active: false,
    });
    const back = await admin.hosting.deployments.rollback(platform.projectId, 'sdk-fn', first.id);
    expect(back).toMatchObject({ version: 3, rolledBackFrom: first.id, active: true });
    const worker = await admin.hosting.workers.get(platform.projectId, 'sdk-fn');
    expect((await (await fetch(worker.url)).json()).version).toBe('v1');
  }, 60_000);

  it('sets a secret the function reads in env, lists names only, deletes it', async () => {
    const info = await admin.hosting.secrets.set(platform.projectId, 'API_KEY', 'from-the-vault');
    expect(info.name).toBe('API_KEY');
    const worker = await admin.hosting.workers.get(platform.projectId, 'sdk-fn');
    expect((await (await fetch(worker.url)).json()).key).toBe('from-the-vault');
    const names: string[] = [];
    for await (const secret of admin.hosting.secrets.listAll(platform.projectId)) names.push(secret.name);
    expect(names).toEqual(['API_KEY']);
    await admin.hosting.secrets.delete(platform.projectId, 'API_KEY');
    expect(await failure(admin.hosting.secrets.delete(platform.projectId, 'API_KEY'))).toMatchObject({
      code: 'hosting/secret-not-found',
      status: 404,
    });
  }, 60_000);

  it('a layout problem rejects with its places', async () => {
    const error = await failure(
      admin.hosting.deploy(platform.projectId, {
        aerostackToml: toml('sdk-fn').replace('2025-01-01', '2025-02-30'),
        aerostackJson: '{ "name": "x", "slug": "X" }',
        modules: code('bad'),
      }),
    );
    expect(error).toMatchObject({ code: 'hosting/layout-invalid', status: 422 });
    expect(error.errors?.map((e) => e.location)).toEqual(['aerostack.toml:3:1', 'aerostack.json:1:16']);
  }, 60_000);

  it('an MCP server deploy lands in the catalogue with its tools and manifest', async () => {
    // The smallest Streamable HTTP MCP server: JSON answers to initialize and tools/list at /mcp.
    const mcp = `export default {
  async fetch(request) {
    if (new URL(request.url).pathname !== '/mcp') return new Response('MCP is at /mcp', { status: 404 });
    if (request.method !== 'POST') return new Response(null, { status: 405 });
    const message = await request.json();
    if (message.id === undefined) return new Response(null, { status: 202 });
    const result = message.method === 'initialize'
      ? { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'notes', version: '1.0.0' } }
      : { tools: [{ name: 'list_notes', description: 'Lists the notes.', inputSchema: { type: 'object' } }] };
    return Response.json({ jsonrpc: '2.0', id: message.id, result });
  },
};`;
    const deployment = await admin.hosting.deploy(platform.projectId, {
      aerostackToml: toml('sdk-notes'),
      aerostackJson: '{ "name": "Notes", "slug": "notes", "category": "productivity" }',
      modules: [{ name: 'src/index.js', content: mcp }],
    });
    expect(deployment.kind).toBe('mcp-server');
    const entry = await admin.hosting.catalog.get(platform.projectId, 'notes');
    const worker = await admin.hosting.workers.get(platform.projectId, 'sdk-notes');
    expect(entry).toMatchObject({
      worker: 'sdk-notes',
      url: `${worker.url}/mcp`,
      tools: [{ name: 'list_notes', description: 'Lists the notes.' }],
      configSchema: [{ name: 'API_KEY', primary: true }],
      manifestSource: 'heuristic',
      manifest: { capabilities: ['read'], dataTypes: ['notes'], authRequired: 'secret_headers' },
    });
    expect(entry.kind).toBe('mcp-server');
    const slugs: string[] = [];
    for await (const e of admin.hosting.catalog.listAll(platform.projectId)) slugs.push(e.slug);
    expect(slugs).toEqual(['notes']);
    // The kind filter reaches the platform: no skill here, the MCP server under its own kind.
    expect((await admin.hosting.catalog.list(platform.projectId, { kind: 'skill' })).data).toEqual([]);
    const servers: string[] = [];
    for await (const e of admin.hosting.catalog.listAll(platform.projectId, { kind: 'mcp-server' }))
      servers.push(e.slug);
    expect(servers).toEqual(['notes']);
    expect(await failure(admin.hosting.catalog.get(platform.projectId, 'nope'))).toMatchObject({
      code: 'hosting/catalog-entry-not-found',
      status: 404,
    });
    await admin.hosting.workers.delete(platform.projectId, 'sdk-notes');
  }, 60_000);

  it('deletes a worker: listed no more, its URL answers 404', async () => {
    const worker = await admin.hosting.workers.get(platform.projectId, 'sdk-fn');
    await admin.hosting.workers.delete(platform.projectId, 'sdk-fn');
    const left: string[] = [];
    for await (const w of admin.hosting.workers.listAll(platform.projectId)) left.push(w.name);
    expect(left).toEqual([]);
    const res = await fetch(worker.url);
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe('hosting/function-not-found');
    expect(await failure(admin.hosting.workers.get(platform.projectId, 'sdk-fn'))).toMatchObject({
      code: 'hosting/worker-not-found',
    });
  }, 60_000);
});
