import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningPlatform } from '@aerostack/platform';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_NAME } from '../../../platform/src/modules/hosting/layout/json';
import { WORKER_NAME } from '../../../platform/src/modules/hosting/layout/toml';
import { startTestPlatform } from '../../core/test/support/platform';
import { rejectionOf } from '../../core/test/support/rejection';
import {
  type AdminClient,
  createAdminClient,
  SECRET_NAME_PATTERN,
  scaffoldFiles,
  scaffoldProject,
  WORKER_NAME_PATTERN,
} from '../src';
import { linkMcpDependencies } from './support/project-deps';

// scaffoldProject (decision 0055): each template, written into a fresh directory, deploys
// unchanged with admin.hosting.deploy(projectId, dir) to the real platform and its real workerd,
// and answers: the MCP server's tools are in the catalogue and answer the official MCP client,
// the function answers at /fn/…, the skill is called as an MCP tool. Bad options and a non-empty
// directory are refused with nothing written. The MCP template's dependencies are linked from
// @aerostack/node's own node_modules in place of `npm install` (support/project-deps.ts).

let root: string;
let n = 0;
const freshDir = () => join(root, `project-${++n}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aerostack-scaffold-test-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('scaffoldProject without a platform', () => {
  it("writes seed 004's layout and answers the paths written", async () => {
    const dir = freshDir();
    const files = await scaffoldProject(dir, { template: 'mcp-server', name: 'orders' });
    expect(files).toEqual([
      'src/index.ts',
      'aerostack.json',
      'aerostack.toml',
      'package.json',
      'tsconfig.json',
      'README.md',
      '.gitignore',
    ]);
    expect((await readdir(dir)).sort()).toEqual(
      files
        .filter((f) => !f.includes('/'))
        .concat('src')
        .sort(),
    );
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toEqual({ '@modelcontextprotocol/sdk': '1.32.2', zod: '4.6.7' });
    const json = JSON.parse(await readFile(join(dir, 'aerostack.json'), 'utf8'));
    expect(json).toMatchObject({ kind: 'mcp-server', name: 'orders', slug: 'orders', version: '0.1.0' });
    expect(await readFile(join(dir, 'src/index.ts'), 'utf8')).toContain('new McpServer(');
  });

  it('declares each binding as the table the platform wires, and secrets as [vars] in order', () => {
    const files = scaffoldFiles({
      template: 'function',
      name: 'all-stores',
      bindings: ['ai', 'vector', 'queue', 'storage', 'cache', 'db'],
      secrets: ['API_TOKEN', 'OTHER_KEY'],
    });
    const toml = files.find((f) => f.path === 'aerostack.toml')!.content;
    expect(toml).toMatch(/\[vars\]\nAPI_TOKEN = ""\nOTHER_KEY = ""\nGREETING = "Hello"\n/);
    // In a fixed order, whatever order they were asked in.
    const tables = [...toml.matchAll(/^\[\[?[a-z0-9_.]+\]\]?$/gm)].map((m) => m[0]);
    expect(tables).toEqual([
      '[vars]',
      '[[d1_databases]]',
      '[[kv_namespaces]]',
      '[[r2_buckets]]',
      '[[queues.producers]]',
      '[[vectorize]]',
      '[ai]',
    ]);
    const index = files.find((f) => f.path === 'src/index.ts')!.content;
    for (const line of ['DB: D1Database;', 'CACHE: KVNamespace;', 'STORAGE: R2Bucket;', 'AI: Ai;']) {
      expect(index).toContain(line);
    }
  });

  it("names follow the platform's own rules (one rule, held to the platform's copy)", () => {
    expect(WORKER_NAME_PATTERN.source).toBe(WORKER_NAME.source);
    expect(SECRET_NAME_PATTERN.source).toBe(SECRET_NAME.source);
  });

  it('refuses bad options with every problem located, and writes nothing', async () => {
    const dir = freshDir();
    const error = await rejectionOf(
      scaffoldProject(dir, {
        template: 'mcp-server',
        name: 'My Server',
        slug: '-orders',
        description: 'x'.repeat(501),
        bindings: ['db', 'redis' as 'db', 'db'],
        secrets: ['OK', 'lower'],
      }),
    );
    expect(error).toMatchObject({ code: 'hosting/layout-invalid', status: 0 });
    expect(error.errors?.map((e) => e.location)).toEqual([
      'options.name',
      'options.slug',
      'options.description',
      'options.bindings[1]',
      'options.bindings[2]',
      'options.secrets[1]',
    ]);
    expect(error.errors?.[4]?.message).toBe('"db" is listed twice.');
    expect(error.message).toContain('options.name must be lower-case letters');
    const template = await rejectionOf(scaffoldProject(dir, { template: 'worker' as 'skill', name: 'ok' }));
    expect(template.errors).toEqual([
      { location: 'options.template', message: 'must be one of mcp-server, function, skill.' },
    ]);
    expect(await readdir(root)).not.toContain(dir.split('/').pop());
  });

  it('refuses a directory that is not empty, and writes nothing into it', async () => {
    const dir = freshDir();
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const error = await scaffoldProject(dir, { template: 'function', name: 'fn' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ENOTEMPTY', path: dir });
    expect((error as Error).message).toContain('is not empty');
    expect(await readdir(dir)).toEqual(['notes.txt']);
    // An empty existing directory is fine.
    const empty = freshDir();
    await mkdir(empty);
    expect(await scaffoldProject(empty, { template: 'function', name: 'fn' })).toContain('src/index.ts');
  });
});

describe('each template deploys to the real platform and answers', () => {
  let platform: RunningPlatform;
  let admin: AdminClient;
  const clients: Client[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform();
    admin = createAdminClient({ url: platform.url, accountKey: platform.accountKey });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await platform?.close();
  });

  /** The official MCP client, straight at a catalogue URL (a function URL needs no credential). */
  async function mcpClient(url: string): Promise<Client> {
    const client = new Client({ name: 'scaffold-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    clients.push(client);
    return client;
  }

  it('mcp-server: its tools are in the catalogue with a manifest, and answer', async () => {
    const dir = freshDir();
    await scaffoldProject(dir, { template: 'mcp-server', name: 'greeter', secrets: ['GREETER_TOKEN'] });
    await linkMcpDependencies(dir);
    const deployment = await admin.hosting.deploy(platform.projectId, dir);
    expect(deployment).toMatchObject({
      kind: 'mcp-server',
      worker: 'greeter',
      warnings: [],
      vars: ['GREETER_TOKEN'],
      authSecretKey: 'GREETER_TOKEN',
    });
    const entry = await admin.hosting.catalog.get(platform.projectId, 'greeter');
    expect(entry.tools.map((t) => t.name)).toEqual(['hello']);
    expect(entry.configSchema).toEqual([{ name: 'GREETER_TOKEN', primary: true }]);
    expect(entry.manifest.authRequired).toBe('secret_headers');
    const client = await mcpClient(entry.url);
    const result = await client.callTool({ name: 'hello', arguments: { name: 'Ada' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Hello, Ada!' }]);
  }, 120_000);

  it('function: every binding wired, and it answers at /fn/…', async () => {
    const dir = freshDir();
    await scaffoldProject(dir, {
      template: 'function',
      name: 'hello-fn',
      bindings: ['db', 'cache', 'storage', 'queue', 'ai', 'vector'],
    });
    const deployment = await admin.hosting.deploy(platform.projectId, dir);
    expect(deployment).toMatchObject({ kind: 'function', warnings: [], vars: ['GREETING'] });
    expect(deployment.bindings.map((b) => [b.binding, b.wired])).toEqual([
      ['DB', true],
      ['CACHE', true],
      ['STORAGE', true],
      ['QUEUE', true],
      ['VECTORIZE', true],
      ['AI', true],
    ]);
    const worker = await admin.hosting.workers.get(platform.projectId, 'hello-fn');
    const res = await fetch(`${worker.url}/?name=Grace`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Hello, Grace!' });
    expect((await fetch(`${worker.url}/elsewhere`)).status).toBe(404);
  }, 120_000);

  it('skill: its declared tool is called as an MCP tool, arguments checked by the platform', async () => {
    const dir = freshDir();
    await scaffoldProject(dir, { template: 'skill', name: 'word-count' });
    const deployment = await admin.hosting.deploy(platform.projectId, dir);
    expect(deployment).toMatchObject({ kind: 'skill', warnings: [] });
    const entry = await admin.hosting.catalog.get(platform.projectId, 'word-count');
    expect(entry.tools.map((t) => t.name)).toEqual(['word_count']);
    const client = await mcpClient(entry.url);
    const result = await client.callTool({ name: 'word_count', arguments: { text: 'to be or not' } });
    expect(result).toMatchObject({ content: [{ type: 'text', text: '12 characters, 4 words' }] });
    expect(result.isError).toBeFalsy();
    const refused = await client
      .callTool({ name: 'word_count', arguments: { text: 42 } })
      .catch((e: unknown) => e as Error);
    expect(String((refused as Error).message ?? refused)).toContain('Invalid arguments for word_count');
  }, 120_000);
});
