import { join } from 'node:path';
import { build } from 'esbuild';
import { HttpResponse } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESH_INTERVAL_MS, RETRY_AFTER_MS } from '../src/modules/hosting/catalog/refresh.js';
import { listen, type Server } from '../src/server.js';
import { type AiProviders, aiProviders, fixture, OPENAI } from './support/ai-providers.js';
import { BACKENDS } from './support/backends.js';
import { adminApi, expectStatus, memberToken } from './support/gateway-admin.js';
import { configFor } from './support/harness.js';
import { mcpClients } from './support/mcp-client.js';

// Hosted MCP servers end to end (decision 0051), over HTTP against a listening platform and its
// real workerd: an MCP server written with the official SDK and bundled with esbuild is deployed;
// its tools/list, fetched from the running code, lands in the project's catalogue with a
// manifest; a workspace adds it by its catalogue URL and the official MCP client calls a tool
// through /ws/{slug}, the tool seeing the workspace's secret as an X-Mcp-Secret header and not in
// env; a redeploy whose tools/list fails is refused after its two retries and the previous one
// keeps serving; the hourly refresh runs once per server per hour and pauses a server that stays
// unreachable.

let bundled = '';

const toml = (name: string, vars: Record<string, string>) => `name = "${name}"
main = "src/index.ts"
compatibility_date = "2025-06-01"
compatibility_flags = ["nodejs_compat"]

[vars]
${Object.entries(vars)
  .map(([k, v]) => `${k} = "${v}"`)
  .join('\n')}
`;

const TICKETS_JSON = JSON.stringify({
  name: 'Tickets',
  slug: 'tickets',
  version: '1.0.0',
  description: 'Support tickets for your help desk.',
  category: 'support',
  tags: ['helpdesk'],
  secrets: ['TICKETS_TOKEN'],
  visibility: 'team',
  readme: '# Tickets\nRead and write tickets.',
  license: 'MIT',
});
const WEATHER_JSON = JSON.stringify({
  name: 'Weather',
  slug: 'weather',
  category: 'weather',
  tags: ['forecast'],
});

beforeAll(async () => {
  const result = await build({
    entryPoints: [join(import.meta.dirname, 'fixtures/hosting/mcp-server.js')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    nodePaths: [join(import.meta.dirname, '../node_modules')],
    write: false,
    logLevel: 'error',
  });
  bundled = result.outputFiles[0]!.text;
}, 60_000);

describe.each(BACKENDS)('hosted MCP servers on $name', (backend) => {
  let stores: Awaited<ReturnType<typeof backend.create>>;
  let server: Server;
  let api: ReturnType<typeof adminApi>;
  let project: string;
  let workspaceId: string;
  let token: string;
  const slept: number[] = [];
  const clients = mcpClients('hosting-mcp-test');
  const hosting = () => server.platform.services.hosting;

  const deploy = (name: string, json: string, vars: Record<string, string>) =>
    api('POST', `/v1/projects/${project}/deployments`, {
      aerostackToml: toml(name, vars),
      aerostackJson: json,
      modules: [{ name: 'src/index.js', content: bundled }],
    });

  const gatewayClient = () =>
    clients.connect(new URL('/ws/hosted', server.url), { authorization: `Bearer ${token}` });

  beforeAll(async () => {
    stores = await backend.create();
    const config = configFor(stores, {});
    config.port = 0;
    // The catalogue's URLs name the platform as its public URL says: the port it is bound to.
    config.publicUrl = 'http://127.0.0.1:0';
    server = await listen(config);
    api = adminApi(server.url, server.platform.keys!.accountKey);
    project = server.platform.keys!.projectId;
    // The deploy's retry delays are recorded instead of slept.
    hosting().catalog.retry.sleep = async (ms) => {
      slept.push(ms);
    };
    workspaceId = (await expectStatus(api('POST', '/v1/workspaces', { name: 'Hosted', slug: 'hosted' }), 201))
      .id;
    token = (await memberToken(api, workspaceId, 'developer')).secret;
    await expectStatus(
      api('PUT', `/v1/workspaces/${workspaceId}/secrets/TICKETS_TOKEN`, { value: 'tk-123' }),
      200,
    );
  }, 120_000);
  afterAll(async () => {
    await clients.closeAll();
    await server?.close(1_000);
    await stores?.cleanup();
  });

  it('deploys an MCP server: its tools and a manifest are in the catalogue, its [vars] the config schema', async () => {
    const res = await deploy('tickets', TICKETS_JSON, {
      API_KEY: 'default',
      FLAVOR: 'tickets',
      VERSION: 'v1',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json.kind).toBe('mcp-server');
    const entry = await expectStatus(api('GET', `/v1/projects/${project}/catalog/tickets`), 200);
    expect(entry).toMatchObject({
      slug: 'tickets',
      worker: 'tickets',
      kind: 'mcp-server',
      name: 'Tickets',
      description: 'Support tickets for your help desk.',
      category: 'support',
      tags: ['helpdesk'],
      visibility: 'team',
      version: '1.0.0',
      license: 'MIT',
      secrets: ['TICKETS_TOKEN'],
      url: `${server.platform.services.config.publicUrl}/fn/${project}/tickets/mcp`,
      deploymentId: res.json.id,
      manifestSource: 'heuristic',
      configSchema: [
        { name: 'API_KEY', primary: true },
        { name: 'FLAVOR', primary: false },
        { name: 'VERSION', primary: false },
      ],
      refresh: { status: 'ok', failures: 0, lastError: null },
    });
    expect(entry.tools.map((t: { name: string }) => t.name)).toEqual([
      'get_ticket',
      'create_ticket',
      'delete_ticket',
    ]);
    expect(entry.tools[0]).toMatchObject({
      description: expect.stringContaining('Reads a support ticket'),
      inputSchema: { type: 'object', properties: { ticket_id: { type: 'string' } } },
    });
    expect(entry.manifest).toMatchObject({
      capabilities: expect.arrayContaining(['crud', 'read', 'write', 'delete']),
      dataTypes: expect.arrayContaining(['tickets', 'customers']),
      authRequired: 'secret_headers',
      pairsWith: ['slack-mcp', 'email-mcp'],
    });
    expect(slept).toEqual([]);
  });

  it('a second server gets its own entry and a different manifest; the list pages with a cursor', async () => {
    const res = await deploy('weather', WEATHER_JSON, { FLAVOR: 'weather' });
    expect(res.status, res.text).toBe(201);
    const first = await expectStatus(api('GET', `/v1/projects/${project}/catalog?limit=1`), 200);
    expect(first.data.map((e: { slug: string }) => e.slug)).toEqual(['tickets']);
    const second = await expectStatus(
      api('GET', `/v1/projects/${project}/catalog?limit=1&cursor=${first.nextCursor}`),
      200,
    );
    expect(second.data.map((e: { slug: string }) => e.slug)).toEqual(['weather']);
    expect(second.nextCursor).toBeNull();
    const [tickets, weather] = [first.data[0], second.data[0]];
    expect(weather.tools.map((t: { name: string }) => t.name)).toEqual(['search_forecasts']);
    expect(weather.manifest).not.toEqual(tickets.manifest);
    expect(weather.manifest).toMatchObject({ capabilities: ['search'], authRequired: 'secret_headers' });
  });

  it('the official MCP client calls the hosted tool through the gateway; the secret arrives as a header, never in env', async () => {
    const added = await api('POST', `/v1/workspaces/${workspaceId}/servers`, {
      name: 'Tickets',
      slug: 'tickets',
      url: `${server.platform.services.config.publicUrl}/fn/${project}/tickets/mcp`,
      secretHeaders: ['TICKETS_TOKEN'],
    });
    expect(added.status, added.text).toBe(201);
    const client = await gatewayClient();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'tickets__create_ticket',
      'tickets__delete_ticket',
      'tickets__get_ticket',
    ]);
    const result = await client.callTool({ name: 'tickets__get_ticket', arguments: { ticket_id: 'T-1' } });
    const answer = JSON.parse((result.content as { text: string }[])[0]!.text);
    expect(answer).toEqual({ ticket: 'T-1', version: 'v1', header: 'tk-123', inEnv: null });
  });

  it('another account can neither add the server to its workspace nor read the catalogue, whatever the guard would say', async () => {
    const { account, keys, database } = server.platform.services;
    const accountId = (await account.create(database.db, 'Intruder')).id;
    const intruder = adminApi(
      server.url,
      (await keys.issue(database.db, { accountId, projectId: null }, 'account')).key,
    );
    const theirs = (await expectStatus(intruder('POST', '/v1/workspaces', { name: 'Theirs' }), 201)).id;
    const url = `${server.platform.services.config.publicUrl}/fn/${project}/tickets/mcp`;
    const refused = await intruder('POST', `/v1/workspaces/${theirs}/servers`, { name: 'Stolen', url });
    expect([refused.status, refused.json.code]).toEqual([422, 'gateway/url-refused']);
    // Updating a server of theirs to the URL is refused alike.
    const own = await expectStatus(
      intruder('POST', `/v1/workspaces/${theirs}/servers`, { name: 'Decoy', url: 'https://1.1.1.1/mcp' }),
      201,
    );
    const updated = await intruder('PATCH', `/v1/workspaces/${theirs}/servers/${own.id}`, { url });
    expect([updated.status, updated.json.code]).toEqual([422, 'gateway/url-refused']);
    const read = await intruder('GET', `/v1/projects/${project}/catalog/tickets`);
    expect([read.status, read.json.code]).toEqual([404, 'projects/not-found']);
  });

  it('a redeploy whose tools/list fails is refused after two retries (1 s, 3 s); the previous deployment keeps serving', async () => {
    const before = await expectStatus(api('GET', `/v1/projects/${project}/workers/tickets`), 200);
    const res = await deploy('tickets', TICKETS_JSON, {
      API_KEY: 'default',
      FLAVOR: 'tickets',
      VERSION: 'v2',
      BROKEN: 'yes',
    });
    expect([res.status, res.json.code], res.text).toEqual([422, 'hosting/tools-list-failed']);
    expect(res.json.detail).toContain('broken on purpose');
    expect(slept).toEqual([1_000, 3_000]);
    const after = await expectStatus(api('GET', `/v1/projects/${project}/workers/tickets`), 200);
    expect(after).toMatchObject({ activeDeploymentId: before.activeDeploymentId, version: before.version });
    const deployments = await expectStatus(
      api('GET', `/v1/projects/${project}/workers/tickets/deployments`),
      200,
    );
    expect(deployments.data).toHaveLength(1);
    const entry = await expectStatus(api('GET', `/v1/projects/${project}/catalog/tickets`), 200);
    expect(entry.deploymentId).toBe(before.activeDeploymentId);
    const client = await gatewayClient();
    const result = await client.callTool({ name: 'tickets__get_ticket', arguments: { ticket_id: 'T-2' } });
    expect(JSON.parse((result.content as { text: string }[])[0]!.text).version).toBe('v1');
  });

  it('a redeploy with another tool: the gateway lists it without waiting for its list cache to expire', async () => {
    const client = await gatewayClient();
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('tickets__close_ticket');
    const res = await deploy('tickets', TICKETS_JSON, {
      API_KEY: 'default',
      FLAVOR: 'tickets',
      VERSION: 'v3',
    });
    expect(res.status, res.text).toBe(201);
    const entry = await expectStatus(api('GET', `/v1/projects/${project}/catalog/tickets`), 200);
    expect(entry.tools.map((t: { name: string }) => t.name)).toContain('close_ticket');
    // The bus message of the deploy reaches the gateway's subscriber asynchronously.
    const deadline = Date.now() + 20_000;
    let names: string[] = [];
    while (Date.now() < deadline) {
      names = (await client.listTools()).tools.map((t) => t.name);
      if (names.includes('tickets__close_ticket')) break;
      await new Promise((resolve) => setTimeout(resolve, 250)); // under the token's rate limit
    }
    expect(names).toContain('tickets__close_ticket');
    const result = await client.callTool({ name: 'tickets__close_ticket', arguments: { ticket_id: 'T-3' } });
    expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toEqual({
      closed: 'T-3',
      version: 'v3',
    });
  });

  it('a slug another worker holds is a 409 and changes nothing', async () => {
    const res = await deploy('tickets-two', TICKETS_JSON, { FLAVOR: 'tickets' });
    expect([res.status, res.json.code], res.text).toEqual([409, 'hosting/slug-taken']);
    const workers = await expectStatus(api('GET', `/v1/projects/${project}/workers`), 200);
    expect(workers.data.map((w: { name: string }) => w.name)).toEqual(['tickets', 'weather']);
  });

  it('the hourly refresh fetches each server once per hour across passes, and pauses one that stays unreachable', async () => {
    const refresh = hosting().catalog.refresh;
    const start = Date.now() + REFRESH_INTERVAL_MS + 1_000;
    expect(await refresh.pass(Date.now())).toBe(0); // nothing due yet
    // Two passes at once (as on two nodes): each server is claimed by one of them.
    const counts = await Promise.all([refresh.pass(start), refresh.pass(start)]);
    expect(counts[0]! + counts[1]!).toBe(2);
    expect(await refresh.pass(start + 60_000)).toBe(0);

    // The servers go bad: every later fetch fails.
    await expectStatus(api('PUT', `/v1/projects/${project}/secrets/BROKEN`, { value: 'yes' }), 200);
    let now = start + REFRESH_INTERVAL_MS;
    expect(await refresh.pass(now)).toBe(2);
    let entry = await expectStatus(api('GET', `/v1/projects/${project}/catalog/weather`), 200);
    expect(entry.refresh).toMatchObject({ status: 'failing', failures: 1 });
    for (let retry = 1; retry <= 5; retry++) {
      now += RETRY_AFTER_MS;
      expect(await refresh.pass(now)).toBe(2);
    }
    entry = await expectStatus(api('GET', `/v1/projects/${project}/catalog/weather`), 200);
    expect(entry.refresh).toMatchObject({
      status: 'paused',
      failures: 6,
      lastError: expect.stringContaining('broken on purpose'),
    });
    expect(entry.tools.map((t: { name: string }) => t.name)).toEqual(['search_forecasts']); // kept
    expect(await refresh.pass(now + 10 * REFRESH_INTERVAL_MS)).toBe(0); // paused: never again

    // A deploy starts it afresh.
    await expectStatus(api('DELETE', `/v1/projects/${project}/secrets/BROKEN`), 204);
    expect((await deploy('weather', WEATHER_JSON, { FLAVOR: 'weather' })).status).toBe(201);
    entry = await expectStatus(api('GET', `/v1/projects/${project}/catalog/weather`), 200);
    expect(entry.refresh).toMatchObject({ status: 'ok', failures: 0, lastError: null });
  }, 120_000);

  it("another project's catalogue is a 404; a deleted worker leaves the catalogue", async () => {
    const other = await expectStatus(api('POST', '/v1/projects', { name: 'Other' }), 201);
    const elsewhere = await api('GET', `/v1/projects/${other.project.id}/catalog/tickets`);
    expect([elsewhere.status, elsewhere.json.code]).toEqual([404, 'hosting/catalog-entry-not-found']);
    const unknown = await api('GET', `/v1/projects/prj_${'0'.repeat(20)}/catalog`);
    expect([unknown.status, unknown.json.code]).toEqual([404, 'projects/not-found']);
    await expectStatus(api('DELETE', `/v1/projects/${project}/workers/weather`), 204);
    const gone = await api('GET', `/v1/projects/${project}/catalog/weather`);
    expect([gone.status, gone.json.code]).toEqual([404, 'hosting/catalog-entry-not-found']);
  });

  it('each entry says whether it is an MCP server or a skill, and the list narrows by kind', async () => {
    const skill = await api('POST', `/v1/projects/${project}/deployments`, {
      aerostackToml: toml('lookup', {}),
      aerostackJson: JSON.stringify({
        kind: 'skill',
        name: 'Lookup',
        slug: 'lookup',
        tool: { name: 'lookup', inputSchema: { type: 'object' } },
      }),
      modules: [{ name: 'src/index.js', content: bundled }],
    });
    expect(skill.status, skill.text).toBe(201);
    const kindsOf = async (query: string) =>
      (await expectStatus(api('GET', `/v1/projects/${project}/catalog${query}`), 200)).data.map(
        (e: { slug: string; kind: string }) => [e.slug, e.kind],
      );
    expect(await kindsOf('')).toEqual([
      ['tickets', 'mcp-server'],
      ['lookup', 'skill'],
    ]);
    expect(await kindsOf('?kind=skill')).toEqual([['lookup', 'skill']]);
    expect(await kindsOf('?kind=mcp-server')).toEqual([['tickets', 'mcp-server']]);
    // The filter pages like the whole list.
    const page = await expectStatus(api('GET', `/v1/projects/${project}/catalog?kind=skill&limit=1`), 200);
    expect([page.data.length, page.nextCursor]).toEqual([1, null]);
    const entry = await expectStatus(api('GET', `/v1/projects/${project}/catalog/lookup`), 200);
    expect(entry).toMatchObject({ kind: 'skill', tools: [{ name: 'lookup' }] });
    const wrong = await api('GET', `/v1/projects/${project}/catalog?kind=function`);
    expect([wrong.status, wrong.json.code]).toEqual([400, 'request/invalid-parameters']);
  });
});

describe('a hosted MCP server deployed with an AI provider configured', () => {
  let stores: Awaited<ReturnType<(typeof BACKENDS)[0]['create']>>;
  let server: Server;
  let providers: AiProviders;
  const asked: string[] = [];

  beforeAll(async () => {
    providers = aiProviders();
    stores = await BACKENDS[0]!.create();
    const config = configFor(stores, {
      env: { AEROSTACK_AI_PROVIDER: 'openai', AEROSTACK_AI_API_KEY: 'sk-operator' },
    });
    config.port = 0;
    config.publicUrl = 'http://127.0.0.1:0';
    server = await listen(config);
  }, 120_000);
  afterAll(async () => {
    await server?.close(1_000);
    await stores?.cleanup();
    providers?.close();
  });

  it('the catalogue holds the manifest the model wrote (the recorded provider answer)', async () => {
    providers.use(`${OPENAI}/chat/completions`, async () => {
      asked.push('chat');
      const recorded = JSON.parse(fixture('openai-chat-json.json'));
      recorded.choices[0].message.content = JSON.stringify({
        capabilities: ['search'],
        dataTypes: ['forecasts'],
        triggersAvailable: [],
        pairsWith: ['maps-mcp'],
        bestFor: ['planning a trip'],
        notSuitableFor: ['historical climate data'],
      });
      return HttpResponse.json(recorded);
    });
    const api = adminApi(server.url, server.platform.keys!.accountKey);
    const project = server.platform.keys!.projectId;
    const res = await api('POST', `/v1/projects/${project}/deployments`, {
      aerostackToml: toml('weather', { FLAVOR: 'weather' }),
      aerostackJson: WEATHER_JSON,
      modules: [{ name: 'src/index.js', content: bundled }],
    });
    expect(res.status, res.text).toBe(201);
    const entry = await expectStatus(api('GET', `/v1/projects/${project}/catalog/weather`), 200);
    expect(asked).toEqual(['chat']);
    expect(entry.manifestSource).toBe('ai');
    expect(entry.manifest).toEqual({
      capabilities: ['search'],
      dataTypes: ['forecasts'],
      authRequired: 'secret_headers',
      triggersAvailable: [],
      pairsWith: ['maps-mcp'],
      bestFor: ['planning a trip'],
      notSuitableFor: ['historical climate data'],
    });
  });
});
