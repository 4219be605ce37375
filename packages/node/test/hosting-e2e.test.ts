import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningPlatform, startPlatform } from '@aerostack/platform';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../../platform/test/support/backends';
import {
  type AdminClient,
  type AerostackClient,
  createAdminClient,
  createClient,
  scaffoldProject,
} from '../src';
import { linkMcpDependencies } from './support/project-deps';
import { until } from './support/until';

// Issue 10's first acceptance point, end to end against the real platform (on every backend) and
// its real workerd, with nothing but public APIs: scaffold an MCP server with the db, cache and
// storage bindings → add a tool to src/index.ts as a user would → admin.hosting.deploy(projectId,
// dir) → its tools and a manifest are in the catalogue → a workspace adds it by the catalogue URL,
// injecting a workspace secret → the official MCP client calls the tool through the gateway; the
// tool reads the secret from its X-Mcp-Secret header and writes through env.DB, env.CACHE and
// env.STORAGE → the SDK, with the project's secret key, reads the row, the key and the object
// back. The secret shows up in the tool's answer only as its SHA-256; it is not in env, nor in
// the worker's invocation logs, nor in the gateway's call log. The SDK and zod are linked from
// @aerostack/node's own node_modules in place of `npm install` (support/project-deps.ts).

/** What a user adds to the scaffolded server: one tool using the secret and the three stores. */
const CREATE_ORDER = `  server.registerTool(
    'create_order',
    {
      description: 'Records a customer order: a row in the orders table, its status in the cache, its receipt in storage.',
      inputSchema: { order_id: z.string(), item: z.string(), quantity: z.number().int().positive() },
    },
    async ({ order_id, item, quantity }) => {
      const token = workspaceSecret(request, 'ORDERS_TOKEN');
      if (token === null) {
        return { isError: true, content: [{ type: 'text', text: 'Set ORDERS_TOKEN in the workspace.' }] };
      }
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
      const tokenSha256 = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
      await env.DB.prepare(
        'CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, item TEXT NOT NULL, quantity INTEGER NOT NULL)',
      ).run();
      await env.DB.prepare('INSERT INTO orders (id, item, quantity) VALUES (?, ?, ?)').bind(order_id, item, quantity).run();
      await env.CACHE.put(\`order:\${order_id}\`, 'received');
      await env.STORAGE.put(\`receipts/\${order_id}.json\`, JSON.stringify({ order_id, item, quantity }), {
        httpMetadata: { contentType: 'application/json' },
      });
      console.log(\`recorded order \${order_id}\`);
      const secretInEnv = Object.values(env).some((value) => value === token);
      const answer = { recorded: order_id, tokenSha256, secretInEnv, envOrdersToken: env.ORDERS_TOKEN };
      return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
    },
  );
`;

/** Where the tool goes: before the template's `return server;` in createServer. */
const END_OF_SERVER = '  return server;\n}\n';

const ORDERS_TOKEN = 'ot-e2e-7f3a9c-secret';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(BACKENDS)('a scaffolded MCP server, end to end on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let platform: RunningPlatform;
  let admin: AdminClient;
  let sdk: AerostackClient;
  let root: string;
  let mcp: Client | undefined;

  beforeAll(async () => {
    stores = await backend.create();
    root = await mkdtemp(join(tmpdir(), 'aerostack-e2e-test-'));
    platform = await startPlatform({
      dataDir: stores.dataDir,
      ...(stores.databaseUrl ? { databaseUrl: stores.databaseUrl, masterKeys: stores.masterKeys! } : {}),
      ...(stores.redisUrl ? { redisUrl: stores.redisUrl } : {}),
      quiet: true,
      env: { AEROSTACK_AUTH_SCRYPT: '1024:8:1' },
    });
    admin = createAdminClient({ url: platform.url, accountKey: platform.accountKey });
    sdk = createClient({ url: platform.url, secretKey: platform.secretKey });
  }, 120_000);
  afterAll(async () => {
    await mcp?.close();
    await platform?.close();
    await stores?.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  it('scaffold → deploy → catalogue → workspace → MCP client through the gateway → the SDK reads it back', async () => {
    // Scaffold, and write a tool as a user would.
    const dir = join(root, 'orders');
    await scaffoldProject(dir, {
      template: 'mcp-server',
      name: 'orders',
      description: 'Records customer orders and their receipts.',
      bindings: ['db', 'cache', 'storage'],
      secrets: ['ORDERS_TOKEN'],
    });
    await linkMcpDependencies(dir);
    const index = join(dir, 'src/index.ts');
    const source = await readFile(index, 'utf8');
    expect(source.split(END_OF_SERVER)).toHaveLength(2);
    await writeFile(index, source.replace(END_OF_SERVER, `${CREATE_ORDER}${END_OF_SERVER}`));

    // Deploy: the catalogue holds its tools, its config schema and a manifest.
    const deployment = await admin.hosting.deploy(platform.projectId, dir);
    expect(deployment).toMatchObject({ kind: 'mcp-server', worker: 'orders', version: 1, warnings: [] });
    const entry = await admin.hosting.catalog.get(platform.projectId, 'orders');
    expect(entry).toMatchObject({
      deploymentId: deployment.id,
      description: 'Records customer orders and their receipts.',
      secrets: ['ORDERS_TOKEN'],
      configSchema: [{ name: 'ORDERS_TOKEN', primary: true }],
      manifestSource: 'heuristic',
      refresh: { status: 'ok' },
    });
    expect(entry.tools.map((t) => t.name)).toEqual(['hello', 'create_order']);
    expect(entry.manifest).toMatchObject({
      authRequired: 'secret_headers',
      capabilities: expect.arrayContaining(['write']),
      dataTypes: expect.arrayContaining(['orders']),
    });

    // A workspace adds it by the catalogue URL, injecting its ORDERS_TOKEN; a member gets a token.
    const workspace = await admin.workspaces.create({ name: 'Shop', slug: 'shop' });
    await admin.workspaces.servers.create(workspace.id, {
      name: 'Orders',
      slug: 'orders',
      url: entry.url,
      secretHeaders: ['ORDERS_TOKEN'],
    });
    await admin.workspaces.secrets.set(workspace.id, 'ORDERS_TOKEN', ORDERS_TOKEN);
    const member = await admin.workspaces.members.create(workspace.id, { name: 'Dev', role: 'developer' });
    const { secret: token } = await admin.workspaces.tokens.create(workspace.id, { memberId: member.id });

    // The official MCP client, through the gateway.
    mcp = new Client({ name: 'hosting-e2e', version: '1.0.0' });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`/ws/${workspace.slug}`, platform.url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name)).toEqual(['orders__create_order', 'orders__hello']);
    const result = await mcp.callTool({
      name: 'orders__create_order',
      arguments: { order_id: 'A-1001', item: 'teapot', quantity: 2 },
    });
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    const answer = JSON.parse((result.content as { text: string }[])[0]!.text);
    expect(answer).toEqual({
      recorded: 'A-1001',
      tokenSha256: sha256(ORDERS_TOKEN), // the secret arrived, as a header
      secretInEnv: false,
      envOrdersToken: '', // [vars]' empty default: the workspace's value never reaches env
    });

    // The SDK, with the project's secret key, reads what the tool wrote.
    const { rows } = await sdk.db.query('SELECT id, item, quantity FROM orders');
    expect(rows).toEqual([{ id: 'A-1001', item: 'teapot', quantity: 2 }]);
    expect(await sdk.cache.get('order:A-1001')).toMatchObject({ key: 'order:A-1001', value: 'received' });
    const receipt = await sdk.storage.download('receipts/A-1001.json');
    expect(receipt.headers.get('content-type')).toBe('application/json');
    expect(await receipt.json()).toEqual({ order_id: 'A-1001', item: 'teapot', quantity: 2 });

    // The secret is in no log: the worker's invocation logs, the gateway's call log.
    const logs = await until(async () => {
      const page = await admin.hosting.logs.list(platform.projectId, 'orders');
      const text = JSON.stringify(page.data);
      return text.includes('recorded order A-1001') ? text : undefined;
    });
    expect(logs).not.toContain(ORDERS_TOKEN);
    const calls = await until(async () => {
      const page = await admin.workspaces.analytics.calls(workspace.id);
      return page.data.some((c) => c.tool === 'create_order') ? page : undefined;
    });
    expect(JSON.stringify(calls)).not.toContain(ORDERS_TOKEN);
  }, 180_000);
});
